"""Typed readers for environment variables.

Every setting that comes from the environment goes through one of these, so a
bad value stops start-up with a message naming the variable instead of failing
later somewhere far from the cause.
"""

import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def _fail(name: str, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}: {message}")


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _fail(name, f"expected true or false, got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Bounds apply to the default too: a default derived from another variable can break them."""
    value = _raw(name)
    try:
        number = default if value is None or value == "" else int(value)
    except ValueError:
        raise _fail(name, f"expected an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise _fail(name, f"must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise _fail(name, f"must be at most {maximum}, got {number}")
    return number


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    value = _raw(name)
    try:
        number = default if value is None or value == "" else float(value)
    except ValueError:
        raise _fail(name, f"expected a number, got {value!r}") from None
    if not minimum <= number <= maximum:
        raise _fail(name, f"must be between {minimum} and {maximum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise _fail(name, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


def env_match(name: str, default: str, pattern: str, hint: str) -> str:
    value = env_str(name, default)
    if not re.fullmatch(pattern, value):
        raise _fail(name, f"expected {hint}, got {value!r}")
    return value


def env_url(name: str, schemes: tuple[str, ...], *, require_host: bool = True) -> str:
    """An optional URL whose scheme must be one of `schemes`; '' when unset. URLs carry passwords,
    so NAME_FILE works here as for any secret."""
    value = env_secret(name) or ""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise _fail(name, f"scheme must be one of {', '.join(schemes)}, got {parts.scheme or 'none'!r}")
    if require_host and not parts.hostname:
        raise _fail(name, "the URL names no host")
    try:
        parts.port  # noqa: B018 - raises on a non-numeric or out-of-range port
    except ValueError as exc:
        raise _fail(name, f"bad port ({exc})") from None
    return value


# .env.example's secrets all start so: a copy that was never filled in must not start (nor pass check --deploy).
PLACEHOLDER = "change-me"


def env_secret(name: str, default: str | None = None) -> str | None:
    """A secret from NAME or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    value = _raw(name)
    file_name = _raw(f"{name}_FILE")
    if value and file_name:
        raise _fail(name, f"set either {name} or {name}_FILE, not both")
    if file_name:
        try:
            secret = Path(file_name).read_text().strip()
        except OSError as exc:
            raise _fail(f"{name}_FILE", f"cannot read {file_name}: {exc.strerror}") from None
        if not secret:
            raise _fail(f"{name}_FILE", f"{file_name} is empty")
        return _not_placeholder(f"{name}_FILE", secret)
    return _not_placeholder(name, value) if value else default


def _not_placeholder(name: str, secret: str) -> str:
    if secret.lower().startswith(PLACEHOLDER):
        raise _fail(
            name,
            "still the .env.example placeholder; set a secret of your own, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    return secret


def env_secret_required(name: str, *, required: bool, fallback: Callable[[], str], min_length: int = 1) -> str:
    """A secret that production (`required`) must be given, as NAME or NAME_FILE; elsewhere `fallback()`
    supplies one (the embedded default's own, under var/)."""
    value = env_secret(name)
    if not value:
        if required:
            raise _fail(name, f"required in production (HTTPS=true): set {name} or {name}_FILE")
        return fallback()
    if len(value) < min_length:
        raise _fail(name, f"must be at least {min_length} characters, got {len(value)}")
    return value
