"""Single sign-on through OpenID Connect (mozilla-django-oidc), off unless settings.OIDC_ENABLED (the
OIDC_* environment: app/settings.py). Its two views are always routed, so a test can switch it on, but
answer 404 while it is off rather than fail on settings that are not there.

A person is matched to an account by email, so the backend checks what the library leaves out: that the
id_token was issued to this client (`aud`) by the configured provider (`iss`, OIDC_OP_ISSUER), and that
the provider says it verified the email; otherwise anyone who can put a teammate's
address on an account at the provider would sign in as them."""

import logging

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

log = logging.getLogger(__name__)


class Backend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        """A refused token or a provider that fails sends the person back to the sign-in page (the
        library's failure redirect), with the reason in the log, instead of a bare 400 or 500."""
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException) as refused:
            log.warning("single sign-on refused: %s", refused)
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if kwargs.get("nonce") is None:  # a signed userinfo answer, not the id_token
            return payload
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation(f"id_token issued to {audience!r}, not to this client")
        issuer = settings.OIDC_OP_ISSUER
        if payload.get("iss") != issuer:
            raise SuspiciousOperation(f"id_token issued by {payload.get('iss')!r}, not {issuer!r}")
        return payload

    def verify_claims(self, claims) -> bool:
        """The email must be one the provider says it verified (`true`, or "true" as some providers send it):
        a provider that says nothing may let anyone put a teammate's address on an account. A provider that
        never sends the claim but verifies every address is trusted with OIDC_TRUST_UNVERIFIED_EMAIL."""
        verified = claims.get("email_verified") in (True, "true")
        return super().verify_claims(claims) and (verified or settings.OIDC_TRUST_UNVERIFIED_EMAIL)


def _only_when_enabled(view):
    def guarded(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("single sign-on is off (OIDC_RP_CLIENT_ID is not set)")
        return view(request, *args, **kwargs)

    return guarded


sign_in = _only_when_enabled(OIDCAuthenticationRequestView.as_view())
callback = _only_when_enabled(OIDCAuthenticationCallbackView.as_view())
