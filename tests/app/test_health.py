"""/healthz tells a load balancer (and the run command) which backing service is down."""

import pytest
from django.test import override_settings

from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def test_it_is_green_when_everything_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "up",
        "checks": {"database": {"status": "up"}, "graph": {"status": "up"}, "broker": {"status": "up"}},
    }
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_graph_is_reported_down_with_503_while_livez_stays_up(client):
    with override_settings(GRAPH_URL=f"falkordb://127.0.0.1:{free_port()}"):
        response = client.get("/healthz")
        alive = client.get("/livez")
    assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["graph"] == {"status": "down", "error": "GraphUnavailable"}
    assert body["checks"]["database"] == {"status": "up"}


def test_an_unreachable_broker_is_reported_down_with_503(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"status": "down", "error": "ConnectionError"}


def test_it_needs_no_login_and_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
