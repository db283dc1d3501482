"""Signing in and out of the web app, and the page that carries it."""

import pytest
from django.test import Client

from investigations.models import Membership, Team

pytestmark = pytest.mark.django_db
URL = "/api/v1/session/"


@pytest.fixture
def ana(django_user_model):
    user = django_user_model.objects.create_user("ana", password="a long test password")
    Membership.objects.create(user=user, team=Team.objects.create(name="Blue"), role=Membership.Role.ANALYST)
    return user


def test_signing_in_and_out_with_the_csrf_token_the_app_is_given(ana):
    browser = Client(enforce_csrf_checks=True)
    nobody = browser.get(URL)
    assert nobody.status_code == 200
    assert nobody.json()["username"] is None
    token = browser.cookies["csrftoken"].value
    refused = browser.post(URL, {"username": "ana", "password": "wrong"}, content_type="application/json",
                           HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["detail"] == "wrong username or password"
    signed = browser.post(URL, {"username": "ana", "password": "a long test password"},
                          content_type="application/json", HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert signed.json() == {"username": "ana", "team": "Blue", "role": "analyst"}
    assert browser.get("/api/v1/alerts/").status_code == 200
    token = browser.cookies["csrftoken"].value  # signing in rotates it
    assert browser.delete(URL, HTTP_X_CSRFTOKEN=token).status_code == 204
    assert browser.get("/api/v1/alerts/").status_code == 403


def test_signing_in_without_the_csrf_token_is_refused(ana):
    browser = Client(enforce_csrf_checks=True)
    answer = browser.post(URL, {"username": "ana", "password": "a long test password"}, content_type="application/json")
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("CSRF check failed")
    assert browser.get(URL).json()["username"] is None


def test_every_app_path_serves_the_app_page_or_says_how_to_build_it(client, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path
    missing = client.get("/app/explore")
    assert missing.status_code == 503
    assert "make frontend" in missing.content.decode()
    (tmp_path / "index.html").write_text("<div id=root></div>")
    for path in ("/app/", "/app/explore", "/app/addresses/1abc"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.content == b"<div id=root></div>"
        assert "csrftoken" in page.cookies
    assert client.get("/").url == "/app/"
