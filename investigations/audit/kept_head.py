"""The latest head, kept apart from the log in the broker's Redis, so that `audit verify` sees a cut-off tail.

Someone who can write the database can delete the newest events and their signed heads: what is left is
consistent in itself. The head kept apart (index and root of the newest event) lives in another store.
It only moves forward, and only from a head the log still signs, so a tail cut and then regrown with
other events still disagrees with it. Written after the append commits, never for an append that rolled
back; a lost write leaves it behind the log, which is no alarm. One key per log, named by its first leaf,
so two logs (or tests) sharing a Redis never read each other's head.
"""

import functools
import logging

import redis
from django.conf import settings

log = logging.getLogger(__name__)
KEY = "cs:audit:head:{genesis}"
# Move the head forward to ARGV[2] from the one checked (ARGV[1], -1 for none) or from a later one that a
# racing append's commit moved it to; never back, and never on past a head that vanished meanwhile.
FORWARD = """
local kept = tonumber(redis.call('HGET', KEYS[1], 'seq') or '-1')
if kept >= tonumber(ARGV[1]) and kept < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'root', ARGV[3])
end
return kept
"""


class KeptHeadUnavailable(Exception):
    """Redis did not answer: the head kept apart can neither be written nor checked now."""


@functools.cache
def _client() -> redis.Redis:
    from core.embedded import ensure_running_if_needed

    ensure_running_if_needed()
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def kept_head_keep(*, genesis: str, seq: int, root: str) -> None:
    """Called on commit of each append; an unreachable Redis costs a warning, not the committed action."""
    try:
        kept = kept_head_read(genesis)
    except KeptHeadUnavailable as error:
        log.warning("audit log: could not keep head #%s apart in Redis: %s", seq, error)
        return
    if kept is not None and kept["seq"] >= seq:
        return  # a later append's commit came first, or the log was cut below the head kept apart
    if kept is not None and _signed_root(kept["seq"]) != kept["root"]:
        log.error(
            "audit log: the log no longer signs the head kept apart at seq %s; it stays there as evidence "
            "(run `manage.py audit verify`)",
            kept["seq"],
        )
        return
    try:
        _client().eval(FORWARD, 1, KEY.format(genesis=genesis), -1 if kept is None else kept["seq"], seq, root)
    except redis.RedisError as error:
        log.warning("audit log: could not keep head #%s apart in Redis: %s", seq, error)


def _signed_root(seq: int) -> str | None:
    from investigations.models import TreeHead

    return TreeHead.objects.filter(size=seq + 1).values_list("root", flat=True).first()


def kept_head_read(genesis: str) -> dict | None:
    """{"seq", "root"} of the newest event kept apart, or None if this log never kept one."""
    try:
        kept = _client().hgetall(KEY.format(genesis=genesis))
    except redis.RedisError as error:
        raise KeptHeadUnavailable(str(error)) from None
    if not kept:
        return None
    return {"seq": int(kept[b"seq"]), "root": kept[b"root"].decode()}
