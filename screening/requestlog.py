"""The request log, durable before the response: each request pushes its row onto a Redis list (one RPUSH,
a loopback round trip) before its response goes out, and beat moves the list into the RequestLog table every
minute, in bulk. Redis acknowledges the push after writing it to its append-only file, so a web process killed
outright (SIGKILL) loses no row of a request it answered. Nothing waits on the database.

While Redis is unreachable (the request is likely refused then, since rate limits live there too), rows wait
in this process's memory, up to KEEP_WHILE_AWAY, and a thread pushes them when Redis is back; only those
are lost if the process is killed meanwhile. A process that exits normally pushes them first."""

import atexit
import datetime
import json
import logging
import os
import threading
import time

import redis

from screening.models import ApiKey, RequestLog
from screening.shared_redis import redis_client

BATCH = 200  # rows per bulk insert
PUSH_EVERY_S = 1.0  # while Redis was unreachable: how often the waiting rows are tried again
KEEP_WHILE_AWAY = 100_000  # rows a process keeps while Redis is unreachable; older ones are dropped
_LIST = "cs:requestlog"

log = logging.getLogger(__name__)
_pending: list[str] = []
_pending_lock = threading.Lock()
_pusher_pid: int | None = None  # the process whose pusher thread runs (a forked worker starts its own)


def request_logged(*, key_id: int | None, endpoint: str, method: str, status: int, latency_ms: float) -> None:
    row = json.dumps([key_id, endpoint[:200], method, status, round(latency_ms, 3), time.time()])
    with _pending_lock:
        waiting = bool(_pending)  # rows from a Redis outage go first, in order
    if not waiting:
        try:
            redis_client().rpush(_LIST, row)
            return
        except redis.RedisError as error:
            log.warning("request log: cannot reach Redis (%s); rows kept in memory for now", error)
    with _pending_lock:
        _pending.append(row)
        del _pending[:-KEEP_WHILE_AWAY]
        if _pusher_pid != os.getpid():
            _pusher_start()


def request_log_flush() -> int:
    """Move the buffered rows into the table; returns how many. This process's own rows go first. A row
    whose key was deleted meanwhile keeps its request, without the key."""
    _pending_push()
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


def _pending_push() -> None:
    with _pending_lock:
        rows = _pending[:]
        _pending.clear()
    if not rows:
        return
    try:
        redis_client().rpush(_LIST, *rows)
    except redis.RedisError:
        with _pending_lock:  # kept for the next try, up to a bound
            _pending[:0] = rows[-KEEP_WHILE_AWAY:]
        raise


def _pusher_start() -> None:
    """Called under the lock, once per process."""
    global _pusher_pid
    _pusher_pid = os.getpid()
    threading.Thread(target=_push_forever, name="request-log-pusher", daemon=True).start()
    atexit.register(_push_at_exit)


def _push_at_exit() -> None:
    try:
        _pending_push()
    except redis.RedisError as error:
        log.warning("request log: %d rows lost at exit, Redis unreachable (%s)", len(_pending), error)


def _push_forever() -> None:
    while True:
        time.sleep(PUSH_EVERY_S)
        try:
            _pending_push()
        except redis.RedisError as error:
            log.warning("request log: cannot reach Redis (%s); rows kept in memory for now", error)
            time.sleep(1)
