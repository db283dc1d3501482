"""Signing in and out of the web app, and the page that carries it."""

from datetime import timedelta

import pytest
from django.db.models import F
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
    assert signed.json() == {"username": "ana", "team": "Blue", "role": "analyst", "sso": None}
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


def sign_in(password: str, *, username: str = "ana", address: str = "198.51.100.7", **headers):
    browser = Client()
    answer = browser.post(URL, {"username": username, "password": password}, content_type="application/json",
                          REMOTE_ADDR=address, **headers)  # fmt: skip
    return answer, browser


def test_thirty_wrong_passwords_lock_the_user_out_even_with_the_right_one(ana, settings):
    statuses = [sign_in("wrong")[0].status_code for _ in range(30)]
    assert statuses == [403] * (settings.AXES_FAILURE_LIMIT - 1) + [429] * (31 - settings.AXES_FAILURE_LIMIT)
    answer, browser = sign_in("a long test password")
    assert answer.status_code == 429
    assert answer.json()["detail"].startswith("too many failed sign-ins for this user or from this address")
    assert 0 < int(answer["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    assert browser.get(URL).json()["username"] is None, "not signed in"


def test_wrong_passwords_for_one_user_from_many_addresses_lock_that_user(ana, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("wrong", address=f"203.0.113.{n + 1}")
    assert sign_in("a long test password", address="192.0.2.200")[0].status_code == 429


def test_wrong_passwords_from_one_address_lock_that_address_for_every_user(ana, settings, django_user_model):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in("wrong", username=f"guess{n}")
    assert sign_in("a long test password")[0].status_code == 429, "the guessing address"
    answer, _ = sign_in("a long test password", address="192.0.2.200")
    assert answer.status_code == 200, "ana from elsewhere"


def test_a_lockout_expires_after_the_lockout_time(ana, settings):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("wrong")
    assert sign_in("a long test password")[0].status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    answer, browser = sign_in("a long test password")
    assert answer.status_code == 200
    assert browser.get(URL).json()["username"] == "ana"


def test_a_right_password_before_the_limit_forgets_the_failures(ana, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("wrong")
    assert sign_in("a long test password")[0].status_code == 200
    assert sign_in("wrong")[0].status_code == 403, "counting starts again"


def test_the_admin_login_is_locked_out_too(ana, settings):
    admin = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin.post("/admin/login/", {"username": "ana", "password": "wrong"}, REMOTE_ADDR="198.51.100.9")
    page = admin.post("/admin/login/", {"username": "ana", "password": "a long test password"})
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert sign_in("a long test password")[0].status_code == 429, "the same user, on the API"


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(ana, settings):
    settings.TRUSTED_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("wrong", username="mallory", address="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.66")
    locked = sign_in("a long test password", address="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.66")
    assert locked[0].status_code == 429, "a forged leftmost entry does not change the address"
    answer, _ = sign_in("a long test password", address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert answer.status_code == 200, "another client behind the same proxy is not locked out"
