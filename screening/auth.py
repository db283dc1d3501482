"""API keys on requests: authentication, scopes, the per-key rate limit and the request log."""

import time
from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from screening.keys import InvalidKey, TooManyFailures, key_admit
from screening.models import ApiKey
from screening.ratelimit import Verdict
from screening.requestlog import request_logged

LAST_USED_EVERY = timedelta(minutes=1)


class KeyHolder:
    """The caller behind a key: an organisation, not a person."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key: ApiKey):
        self.key, self.organisation = key, key.organisation

    def get_username(self) -> str:
        return f"key:{self.key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer cs_<prefix>_<secret>`."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        presented, source = header.removeprefix("Bearer ").strip(), request.META.get("REMOTE_ADDR", "")
        try:
            key, request.rate_verdict = key_admit(presented, source=source)
        except InvalidKey as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        except TooManyFailures as error:
            raise exceptions.Throttled(wait=error.retry_after_s, detail=str(error)) from None
        return KeyHolder(key), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="chainsleuth-screening"'


class KeyScoped(BasePermission):
    """The view's `scope` must be among the key's scopes."""

    message = "this API key is not allowed to call this endpoint"

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey) and view.scope in request.auth.scopes


class KeyRate(BaseThrottle):
    """429 with Retry-After once a key passes its rate (screening/ratelimit.py), as checked with the key."""

    def allow_request(self, request, view) -> bool:
        verdict = getattr(request, "rate_verdict", None)
        if verdict is None:
            return True
        self._wait = verdict.retry_after_s
        return verdict.allowed

    def wait(self) -> float:
        return max(self._wait, 1)


def rate_headers_set(response, verdict: Verdict) -> None:
    """The key's budget, in the IETF draft's names and in the older X- ones that most clients read."""
    figures = {"Limit": verdict.limit, "Remaining": verdict.remaining, "Reset": verdict.reset_s}
    for name, value in figures.items():
        response[f"RateLimit-{name}"] = response[f"X-RateLimit-{name}"] = str(value)
    response["RateLimit-Policy"] = f"{verdict.limit};w=60"


class JsonOnly(DefaultContentNegotiation):
    """The answer is JSON whatever the client accepts, without parsing its Accept header (DRF's documented
    way to skip negotiation); a body that is not JSON still gets 415."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class KeyApiView(APIView):
    """Base of every screening endpoint: key auth, scope, rate limit, and a log row per request."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [KeyScoped]
    throttle_classes = [KeyRate]
    renderer_classes = [JSONRenderer]  # machines call it: no browsable pages, no negotiation to pay for
    content_negotiation_class = JsonOnly
    scope = ""

    def initial(self, request, *args, **kwargs):
        self._started = time.perf_counter()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        verdict = getattr(request, "rate_verdict", None)
        if verdict is not None:
            rate_headers_set(response, verdict)
        key = request.auth if isinstance(getattr(request, "_auth", None), ApiKey) else None
        started = getattr(self, "_started", None)
        request_logged(
            key_id=key.id if key is not None else None,
            endpoint=request.path,
            method=request.method,
            status=response.status_code,
            latency_ms=(time.perf_counter() - started) * 1000 if started else 0.0,
        )
        now = timezone.now()
        if key is not None and (key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY):
            key.last_used_at = now  # the row this process keeps (screening/keys.py) remembers it too
            ApiKey.objects.filter(id=key.id).update(last_used_at=now)  # a minute's precision: no write per request
        return response
