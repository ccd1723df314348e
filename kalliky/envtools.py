"""Strict environment readers: a malformed value stops start-up with a message saying which
variable is wrong and what it should look like, instead of silently becoming a default."""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip()


def env_str(name: str, default: str, *, choices: Iterable[str] | None = None) -> str:
    value = _raw(name)
    if value is None:
        value = default
    if choices is not None and value not in tuple(choices):
        raise ImproperlyConfigured(f"{name}={value!r} is not valid: use one of {', '.join(choices)}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true/false, 1/0, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_float(name: str, default: float) -> float:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number (use a dot: 2.5).") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """A URL with a scheme (and a host, except for sqlite:// and filesystem-like schemes)."""
    value = _raw(name)
    if value is None:
        value = default
    if value == "":
        return value
    parts = urlsplit(value)
    hostless = {"sqlite", "filesystem", "consolemail", "filemail", "memorymail", "dummymail", "memory"}
    if not parts.scheme or (parts.scheme not in hostless and not parts.netloc):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a URL: expected something like scheme://host[:port]/path."
        )
    return value
