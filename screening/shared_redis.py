"""One Redis client per process for screening's own state (rate limits, the request-log buffer, anomaly
statistics): one connection pool, where each module making its own would hold three."""

import functools

import redis
from django.conf import settings


@functools.cache
def redis_client() -> redis.Redis:
    from core.embedded import ensure_running_if_needed

    ensure_running_if_needed()  # as the graph store does: a command on a fresh checkout starts the embedded server
    return redis.Redis.from_url(settings.REDIS_URL)
