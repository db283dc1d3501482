"""Refusals on the API as a client meets them: the right status, JSON in the documented shape
({"detail": ...}), and nothing a caller sends can forge a line in the log."""

import logging

import pytest
from rest_framework.test import APIClient

from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators

pytestmark = pytest.mark.django_db
FORGED = "%0A2026-12-03 12:00:00,000 ERROR forged.entry the audit log was wiped"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/addresses/%00/",
        "/api/v1/addresses/%00/neighbours/",
        "/api/v1/addresses/%00/exposure/",
        "/api/v1/transactions/%00/",
        "/api/v1/clusters/%00/",
    ],
)
def test_it_refuses_a_nul_in_a_path_as_a_bad_request_not_a_busy_graph(people, path):  # noqa: F811
    answer = signed_in(people["ana"]).get(path)
    assert answer.status_code == 400, answer.content
    assert "NUL" in answer.json()["detail"]


def test_a_newline_in_a_path_cannot_forge_a_log_line(people, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    answer = signed_in(people["ana"]).get(f"/api/v1/addresses/%00{FORGED}/")
    assert answer.status_code == 400
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "the refusal is logged"
    assert not [message for message in messages if "\n" in message or "\x00" in message]
    assert "forged.entry" in " ".join(messages)  # still there, on the refusal's own line


def test_every_message_leaves_the_console_handler_on_one_line():
    (console,) = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    record = logging.LogRecord("tests", logging.WARNING, __file__, 1, "path %s", ("/x\n2026 ERROR forged",), None)
    assert console.filter(record)
    assert console.format(record).endswith("path /x\\x0a2026 ERROR forged")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def screening_key(db):
    from screening.keys import key_issue
    from screening.models import Organisation

    exchange = Organisation.objects.create(name="Bitstamp-like")
    return key_issue(organisation=exchange, name="all", scopes=["screen", "transfers"])


@pytest.mark.parametrize("depth", [3_000, 100_000, 65])
@pytest.mark.parametrize(
    "path", ["/api/v1/cases/", "/api/v1/watchlists/", "/api/v1/alerts/bulk/", "/api/v1/tags/", "/api/v1/session/"]
)
def test_it_refuses_deeply_nested_json_with_a_400_naming_the_limit(people, path, depth):  # noqa: F811
    answer = signed_in(people["ana"]).post(path, nested(depth), content_type="application/json")
    assert answer.status_code == 400, answer.content[:200]
    assert "nested more than 64 levels" in answer.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/screen/addresses", "/api/v1/transfers"])
def test_it_refuses_deeply_nested_json_from_an_exchange_too(screening_key, path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {screening_key}")
    body = '{"addresses": ' + nested(3_000) + "}"
    answer = client.post(path, body, content_type="application/json")
    assert answer.status_code == 400, answer.content[:200]
    assert "at most 64 are accepted" in answer.json()["detail"]


def test_json_nested_to_the_limit_is_still_read(people):  # noqa: F811
    from core.parsers import json_depth

    assert json_depth(__import__("json").loads(nested(64))) == 64
    answer = signed_in(people["ana"]).post("/api/v1/cases/", nested(64), content_type="application/json")
    assert answer.status_code == 400
    assert "nested" not in str(answer.json()), "refused by the serializer (not an object), not by depth"


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/session/", "/api/v1/tags/"])
def test_a_body_over_the_upload_limit_is_a_json_413(people, settings, path):  # noqa: F811
    body = '{"title": "' + "x" * 10_000_000 + '"}'
    answer = signed_in(people["ana"]).post(path, body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.json() == {
        "detail": f"the request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes, the most accepted"
    }


def test_a_bad_request_django_refuses_itself_is_json_under_the_api(settings):
    settings.ALLOWED_HOSTS = ["chainsleuth.example.org"]
    answer = APIClient().get("/api/v1/session/", HTTP_HOST="attacker.example")
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "bad request"}
    page = APIClient().get("/admin/login/", HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html"), "a browser still gets Django's page"


def test_a_failed_csrf_check_is_json_under_the_api_and_a_page_elsewhere(people):  # noqa: F811
    browser = APIClient(enforce_csrf_checks=True)
    answer = browser.post("/api/v1/session/", {"username": "ana", "password": "x"}, format="json")
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("CSRF check failed: CSRF cookie not set")
    page = browser.post("/admin/login/", {"username": "ana", "password": "x"})
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")
