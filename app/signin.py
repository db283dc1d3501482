"""Sign-in throttling (django-axes, configured in settings under AXES_): after SIGNIN_FAILURE_LIMIT
wrong passwords for one username, or from one address, every sign-in for it is refused until
SIGNIN_LOCKOUT_MINUTES have passed since the last counted failure, the right password included.
The session API and the admin login both go through `authenticate`, so both are covered."""

import ipaddress
import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone


def client_address(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or behind TRUSTED_PROXIES reverse proxies the address the
    outermost of them saw (X-Forwarded-For read from the right, so a client cannot choose it)."""
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    candidate = forwarded[-hops] if hops and len(forwarded) >= hops else remote
    try:
        return str(ipaddress.ip_address(candidate or ""))
    except ValueError:
        return remote


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After: JSON in the API's shape under /api/, a line of text on the admin's page."""
    wait = _seconds_left(request, credentials)
    minutes = math.ceil(wait / 60)
    detail = f"too many failed sign-ins for this user or from this address; try again in {minutes} min"
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": detail}, status=429)
    else:
        response = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


def _seconds_left(request, credentials) -> int:
    """Until the newest failure that counts (for this username or this address) leaves the cool-off."""
    cool_off = get_cool_off(request)
    match = Q(ip_address=getattr(request, "axes_ip_address", None))
    username = get_client_username(request, credentials)
    if username:
        match |= Q(username=username)
    newest = AccessAttempt.objects.filter(match).aggregate(newest=Max("attempt_time"))["newest"]
    if newest is None:
        return int(cool_off.total_seconds())
    return max(1, math.ceil((newest + cool_off - timezone.now()).total_seconds()))
