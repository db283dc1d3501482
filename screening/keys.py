"""Issuing, checking and revoking API keys.

A key reads `cs_<prefix>_<secret>`: the prefix (public, 8 hex characters) finds the row, the secret
(43 URL-safe characters, 256 bits) is compared by hash in constant time.

Each web process keeps the rows it has read, so a request costs no database query. Every committed save
or delete of a key (revocation included) gives it a new version in Redis, which comes back with each
request's rate check (the same round trip): a process holding an older version reads the row again, so a
revocation takes effect at the next request everywhere.

A wrong secret is judged before the key's rate is checked, and counts against the source address instead.
"""

import hashlib
import hmac
import secrets
import uuid

from django.utils import timezone

from core.errors import ChainSleuthError
from screening.models import ApiKey, Organisation
from screening.ratelimit import Verdict, rate_check
from screening.shared_redis import redis_client

PREFIX = "cs_"
MEMO_MAX = 10_000  # keys a process keeps; past that it starts afresh
FAILURES_PER_MINUTE = 30  # unusable keys (wrong secret, unknown, revoked) one source address may send

_memo: dict[str, tuple[ApiKey, bytes | None]] = {}  # prefix → (row, its version when read)


class KeyScopeError(ChainSleuthError):
    """A key asked for with no scope, or one we do not have: 400."""


class InvalidKey(Exception):
    """Not a usable key; the message says why without telling which part was wrong."""


class TooManyFailures(Exception):
    """The source address sent too many unusable keys lately; `retry_after_s` says when to try again."""

    def __init__(self, retry_after_s: int):
        super().__init__(f"too many unusable API keys from this address; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


def key_issue(*, organisation: Organisation, name: str, scopes: list[str], rate_per_minute: int = 600) -> str:
    """The new key in clear, once: only its hash is stored."""
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown or not scopes:
        raise KeyScopeError(f"scopes: give some of {', '.join(ApiKey.Scope.values)} (got {sorted(scopes)})")
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        secret_sha256=_digest(secret),
        scopes=sorted(set(scopes)),
        rate_per_minute=rate_per_minute,
    )
    return f"{PREFIX}{prefix}_{secret}"


def key_revoke(*, prefix: str) -> ApiKey:
    key = ApiKey.objects.get(prefix=prefix)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def key_admit(presented: str, *, source: str) -> tuple[ApiKey, Verdict]:
    """The live key `presented` is and its rate verdict (screening/ratelimit.py), or InvalidKey. Every request
    a live key makes counts toward its rate, refused ones included. A wrong secret does not: it counts toward
    the failures of its `source` address instead, so whoever knows a key's public prefix cannot spend its
    budget; past FAILURES_PER_MINUTE that address gets TooManyFailures."""
    try:
        return _key_checked(presented)
    except InvalidKey:
        failures = rate_check(f"failed:{source}", FAILURES_PER_MINUTE)
        if not failures.allowed:
            raise TooManyFailures(failures.retry_after_s) from None
        raise


def _key_checked(presented: str) -> tuple[ApiKey, Verdict]:
    if not presented.startswith(PREFIX) or presented.count("_") < 2:
        raise InvalidKey("not a ChainSleuth API key")
    prefix, _, secret = presented[len(PREFIX) :].partition("_")
    held = _memo.get(prefix) or _key_load(prefix)
    if held is None or not _matches(held[0], secret):  # a key's secret never changes: the kept row can judge
        raise InvalidKey("unknown API key")
    key, version = held
    verdict = rate_check(prefix, key.rate_per_minute, watch=_version_key(prefix))
    if verdict.watched != version:  # changed since this process read it
        key = (_key_load(prefix) or (None, None))[0]
    if key is None or not _matches(key, secret):
        raise InvalidKey("unknown API key")
    if key.revoked_at is not None:
        raise InvalidKey("this API key has been revoked")
    return key, verdict


def _matches(key: ApiKey, secret: str) -> bool:
    return hmac.compare_digest(key.secret_sha256, _digest(secret))


def key_changed(prefix: str) -> None:
    """Every process reads the key's row again at its next request (a post_save receiver calls this)."""
    redis_client().set(_version_key(prefix), uuid.uuid4().hex.encode())


def _key_load(prefix: str) -> tuple[ApiKey, bytes | None] | None:
    """The row and its version, read in that order: a change committed in between leaves a newer version
    than the row kept, so the next request reads the row again, never the reverse."""
    version = redis_client().get(_version_key(prefix))
    key = ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    if key is None:  # an unknown prefix is not kept: guessing prefixes must not fill the memory
        _memo.pop(prefix, None)
        return None
    if len(_memo) >= MEMO_MAX:
        _memo.clear()
    _memo[prefix] = (key, version)
    return key, version


def _version_key(prefix: str) -> str:
    return f"cs:apikey:{prefix}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
