"""Issuing, checking and revoking API keys.

A key reads `cs_<prefix>_<secret>`: the prefix (public, 8 hex characters) finds the row, the secret
(43 URL-safe characters, 256 bits) is compared by hash in constant time.
"""

import hashlib
import hmac
import secrets

from django.utils import timezone

from screening.models import ApiKey, Organisation

PREFIX = "cs_"


class InvalidKey(Exception):
    """Not a usable key; the message says why without telling which part was wrong."""


def key_issue(*, organisation: Organisation, name: str, scopes: list[str], rate_per_minute: int = 600) -> str:
    """The new key in clear, once: only its hash is stored."""
    unknown = set(scopes) - set(ApiKey.Scope.values)
    if unknown or not scopes:
        raise ValueError(f"scopes: give some of {', '.join(ApiKey.Scope.values)} (got {sorted(scopes)})")
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


def key_check(presented: str) -> ApiKey:
    """The live key `presented` is, or InvalidKey."""
    if not presented.startswith(PREFIX) or presented.count("_") < 2:
        raise InvalidKey("not a ChainSleuth API key")
    prefix, _, secret = presented[len(PREFIX) :].partition("_")
    key = ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_sha256, _digest(secret)):
        raise InvalidKey("unknown API key")
    if key.revoked_at is not None:
        raise InvalidKey("this API key has been revoked")
    return key


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
