"""Single sign-on through OpenID Connect against a provider served by this test: a small HTTP server with
discovery, token, userinfo and JWKS endpoints and an RSA-signed id_token, so the whole code flow runs
(redirect, state and nonce, the token exchange over HTTP, the signature checked against the JWKS)."""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.contrib.auth import get_user_model
from django.test import Client

from investigations.models import Membership, Team
from tests.app.test_settings import manage

CLIENT_ID = "chainsleuth-web"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def number(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class Provider:
    """The identity provider: it signs what `claims` say for the next token exchange."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.claims: dict = {}
        self.email_claims: dict = {"email": "nia@blue.example", "email_verified": True}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": "nia-1", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": nonce}
        header = b64(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode())
        body = b64(json.dumps({**claims, **self.claims}).encode())
        signature = self.key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{body}.{b64(signature)}"

    def documents(self) -> dict:
        public = self.key.public_key().public_numbers()
        jwk = {"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": number(public.n), "e": number(public.e)}
        return {
            "/.well-known/openid-configuration": {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
            },
            "/jwks": {"keys": [jwk]},
            "/userinfo": {"sub": "nia-1", **self.email_claims},
        }

    def handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.answer(provider.documents().get(self.path))

            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                if form.get("client_secret") != ["s3cret"] or form["code"][0] not in provider.codes:
                    return self.answer({"error": "invalid_grant"}, status=400)
                token = provider.id_token(provider.codes.pop(form["code"][0]))
                self.answer({"access_token": "at-1", "token_type": "Bearer", "id_token": token})

            def answer(self, body, status=200):
                data = json.dumps(body).encode()
                self.send_response(status if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.codes: dict[str, str] = {}  # code → the nonce the app asked for
        return Handler


@pytest.fixture
def provider(settings):
    """The provider running, and the app configured from its discovery document as an operator would."""
    stub = Provider()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    found = stub.documents()["/.well-known/openid-configuration"]
    settings.OIDC_ENABLED, settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = True, CLIENT_ID, "s3cret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = found["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT, settings.OIDC_OP_USER_ENDPOINT = (
        found["token_endpoint"],
        found["userinfo_endpoint"],
    )
    settings.OIDC_OP_JWKS_ENDPOINT, settings.OIDC_OP_ISSUER = found["jwks_uri"], found["issuer"]
    settings.OIDC_RP_SIGN_ALGO, settings.OIDC_CREATE_USER, settings.OIDC_TIMEOUT = "RS256", False, 5
    settings.LOGIN_REDIRECT_URL, settings.LOGIN_REDIRECT_URL_FAILURE = "/app/", "/app/sign-in?sso=failed"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "app.oidc.Backend"]
    yield stub
    stub.server.shutdown()


@pytest.fixture
def nia(db):
    """Invited by email into team Blue (investigations/team.py); no password of her own."""
    person = get_user_model().objects.create_user("nia", email="nia@blue.example", password=None)
    Membership.objects.create(user=person, team=Team.objects.create(name="Blue"))
    return person


def sign_in_through(provider: Provider, browser: Client):
    """The browser's round trip: to the provider (which approves at once) and back with a code."""
    away = browser.get("/oidc/authenticate/")
    assert away.status_code == 302
    target = urlsplit(away["Location"])
    asked = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/authorize"
    assert (asked["client_id"], asked["response_type"]) == ([CLIENT_ID], ["code"])
    provider.codes["code-1"] = asked["nonce"][0]
    return browser.get("/oidc/callback/", {"code": "code-1", "state": asked["state"][0]})


@pytest.mark.django_db
def test_an_invited_person_signs_in_through_the_provider(provider, nia):
    browser = Client()
    assert browser.get("/api/v1/session/").json()["sso"] == "/oidc/authenticate/"
    back = sign_in_through(provider, browser)
    assert (back.status_code, back["Location"]) == (302, "/app/")
    assert browser.get("/api/v1/session/").json() == {
        "username": "nia",
        "team": "Blue",
        "role": "analyst",
        "sso": "/oidc/authenticate/",
    }


@pytest.mark.django_db
def test_a_token_for_another_client_is_refused(provider, nia):
    provider.claims = {"aud": "someone-else"}
    browser = Client()
    back = sign_in_through(provider, browser)
    assert back["Location"] == "/app/sign-in?sso=failed"
    assert browser.get("/api/v1/session/").json()["username"] is None


@pytest.mark.django_db
def test_a_token_signed_by_another_key_is_refused(provider, nia):
    provider.key, signed_by = rsa.generate_private_key(public_exponent=65537, key_size=2048), provider.key
    provider.documents = lambda original=provider.documents: _with_key(original(), signed_by)
    browser = Client()
    assert sign_in_through(provider, browser)["Location"] == "/app/sign-in?sso=failed"
    assert browser.get("/api/v1/session/").json()["username"] is None


def _with_key(documents: dict, key) -> dict:
    public = key.public_key().public_numbers()
    documents["/jwks"]["keys"][0].update(n=number(public.n), e=number(public.e))
    return documents


@pytest.mark.django_db
def test_an_unverified_email_or_a_stranger_does_not_sign_in(provider, nia):
    provider.email_claims = {"email": "nia@blue.example", "email_verified": False}
    assert sign_in_through(provider, Client())["Location"] == "/app/sign-in?sso=failed"
    provider.email_claims = {"email": "mallory@elsewhere.example", "email_verified": True}
    assert sign_in_through(provider, Client())["Location"] == "/app/sign-in?sso=failed"
    assert not get_user_model().objects.filter(email="mallory@elsewhere.example").exists(), "no account is made"


@pytest.mark.django_db
def test_single_sign_on_is_off_by_default(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/api/v1/session/").json()["sso"] is None


def test_switching_it_on_without_the_endpoints_stops_start_up_naming_them(tmp_path):
    result = manage("check", env={"OIDC_RP_CLIENT_ID": CLIENT_ID, "OIDC_RP_CLIENT_SECRET": "s"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "set OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT" in result.stderr
    assert "OIDC_OP_ISSUER" in result.stderr, "the issuer is required too: its id_tokens are checked against it"


def test_the_environment_switches_it_on(tmp_path):
    env = {"OIDC_RP_CLIENT_ID": CLIENT_ID, "OIDC_RP_CLIENT_SECRET": "s", "OIDC_OP_ISSUER": "https://id.example"}
    env |= {
        f"OIDC_OP_{n}_ENDPOINT": f"https://id.example/{n.lower()}" for n in ("AUTHORIZATION", "TOKEN", "USER", "JWKS")
    }
    code = "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS[-1], s.OIDC_CREATE_USER)"
    result = manage("shell", "--no-imports", "-c", code, env=env, tmp_path=tmp_path)
    assert result.stdout.strip() == "app.oidc.Backend False", result.stderr
