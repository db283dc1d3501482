"""The request log, buffered: each request pushes its row onto a Redis list (one round trip, no database
write on the request's path), and the rows reach the RequestLog table in bulk, from the request that fills
a batch and from beat every minute. A row waits at most a minute; Redis's append-only file keeps it."""

import datetime
import json
import time

from screening.models import ApiKey, RequestLog
from screening.shared_redis import redis_client

BATCH = 200
_LIST = "cs:requestlog"


def request_logged(*, key_id: int | None, endpoint: str, method: str, status: int, latency_ms: float) -> None:
    row = json.dumps([key_id, endpoint[:200], method, status, round(latency_ms, 3), time.time()])
    if redis_client().rpush(_LIST, row) >= BATCH:
        request_log_flush()


def request_log_flush() -> int:
    """Move the buffered rows into the table; returns how many. A row whose key was deleted meanwhile keeps
    its request, without the key."""
    moved = 0
    while rows := redis_client().lpop(_LIST, BATCH):
        parsed = [json.loads(row) for row in rows]
        keys = set(ApiKey.objects.filter(id__in={row[0] for row in parsed}).values_list("id", flat=True))
        RequestLog.objects.bulk_create(
            RequestLog(
                key_id=key_id if key_id in keys else None,
                endpoint=endpoint,
                method=method,
                status=status,
                latency_ms=latency_ms,
                at=datetime.datetime.fromtimestamp(at, tz=datetime.UTC),
            )
            for key_id, endpoint, method, status, latency_ms, at in parsed
        )
        moved += len(parsed)
    return moved
