"""/healthz: is each backing service up right now? For load balancers, compose and the run command."""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.embedded import NO_RETRY
from graph import get_graph

log = logging.getLogger(__name__)


def _database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _graph() -> None:
    get_graph().ping()


def _broker() -> None:
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=3, socket_connect_timeout=3, retry=NO_RETRY
    )
    try:
        client.ping()
    finally:
        client.close()


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "graph": _graph, "broker": _broker}


def _probe(name: str, check: Callable[[], None]) -> dict[str, str]:
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the log keeps the detail
        log.warning("health check %s failed: %s", name, exc)
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "up"}


@never_cache
@require_GET
def healthz(_request: HttpRequest) -> JsonResponse:
    checks = {name: _probe(name, check) for name, check in CHECKS.items()}
    healthy = all(result["status"] == "up" for result in checks.values())
    return JsonResponse({"status": "up" if healthy else "down", "checks": checks}, status=200 if healthy else 503)


@never_cache
@require_GET
def livez(_request: HttpRequest) -> JsonResponse:
    """Liveness: the web process answers. No database, graph or broker is asked (that is /healthz), so a
    load balancer restarting on this never restarts a healthy process because Redis blinked."""
    return JsonResponse({"status": "alive"})
