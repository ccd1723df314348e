"""Login brute-force protection: failures counted per account and per client IP in the cache
(Redis in production, so every web process sees the same counters) over a fixed window."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Lock:
    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _keys(kind: str, ident: str) -> tuple[str, str]:
    return f"login-fail:{kind}:{ident}:count", f"login-fail:{kind}:{ident}:start"


def _check(kind: str, ident: str, limit: int) -> Lock | None:
    count_key, start_key = _keys(kind, ident)
    count = cache.get(count_key) or 0
    if count < limit:
        return None
    start = cache.get(start_key) or time.time()
    remaining = int(start + settings.LOGIN_FAILURE_WINDOW_SECONDS - time.time())
    return Lock(retry_after=max(1, remaining))


def _record(kind: str, ident: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    count_key, start_key = _keys(kind, ident)
    # add() only sets when absent, so the window starts at the first failure; incr is atomic.
    cache.add(start_key, time.time(), timeout=window)
    if cache.add(count_key, 1, timeout=window):
        return
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.add(count_key, 1, timeout=window)


def lock_for(request: HttpRequest, email: str) -> Lock | None:
    """The lock in force for this account or this IP, if any (the longer wait wins)."""
    locks = [
        _check("acct", email.lower(), settings.LOGIN_MAX_FAILURES_PER_ACCOUNT),
        _check("ip", client_ip(request), settings.LOGIN_MAX_FAILURES_PER_IP),
    ]
    active = [lock for lock in locks if lock]
    return max(active, key=lambda lock: lock.retry_after) if active else None


def record_failure(request: HttpRequest, email: str) -> None:
    _record("acct", email.lower())
    _record("ip", client_ip(request))


def clear_account(email: str) -> None:
    cache.delete_many(list(_keys("acct", email.lower())))
