"""Login brute-force protection: failures counted per account and per client IP in the cache
(Redis in production, so every web process sees the same counters) over a fixed window.

A window opens at the first failure and lasts LOGIN_FAILURE_WINDOW_SECONDS. Its start is stored
next to the counter, so the wait we announce ("try again in N minutes", Retry-After) is exact,
and the window is over when the clock says so even if the cache keeps the keys a little longer.

The client IP is REMOTE_ADDR. Behind a load balancer, the ASGI server must be told to trust the
proxy (uvicorn --proxy-headers --forwarded-allow-ips=...), otherwise every visitor shares the
balancer's address and twenty failures anywhere would lock everyone out.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _now() -> float:
    """The clock (seconds since the epoch); tests replace it to walk through a window."""
    return time.time()


@dataclass(frozen=True)
class Lock:
    retry_after: int  # seconds

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))  # rounded up: never announce "0 minutes"


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _account(email: str) -> str:
    # Hashed: an email may hold characters some cache backends refuse, and needs no exposure.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _keys(kind: str, ident: str) -> tuple[str, str]:
    return f"login-fail:{kind}:{ident}:count", f"login-fail:{kind}:{ident}:start"


def _window_end(start_key: str) -> float | None:
    start = cache.get(start_key)
    if start is None:
        return None
    end = float(start) + settings.LOGIN_FAILURE_WINDOW_SECONDS
    return end if end > _now() else None


def _check(kind: str, ident: str, limit: int) -> Lock | None:
    count_key, start_key = _keys(kind, ident)
    if (cache.get(count_key) or 0) < limit:
        return None
    end = _window_end(start_key)
    if end is None:
        return None
    return Lock(retry_after=max(1, int(end - _now() + 0.999)))


def _record(kind: str, ident: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    count_key, start_key = _keys(kind, ident)
    if _window_end(start_key) is None:
        # The previous window is over (or there was none): start a new one. Two processes may
        # both get here at a window boundary; the worst case is one failure not counted.
        cache.delete(count_key)
        cache.set(start_key, _now(), timeout=window)
    # add() only sets when absent and incr() is atomic on Redis: concurrent failures all count.
    if cache.add(count_key, 1, timeout=window):
        return
    try:
        cache.incr(count_key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(count_key, 1, timeout=window)


def lock_for(request: HttpRequest, email: str) -> Lock | None:
    """The lock in force for this account or this IP, if any (the longer wait wins)."""
    locks = [
        _check("acct", _account(email), settings.LOGIN_MAX_FAILURES_PER_ACCOUNT),
        _check("ip", client_ip(request), settings.LOGIN_MAX_FAILURES_PER_IP),
    ]
    active = [lock for lock in locks if lock]
    return max(active, key=lambda lock: lock.retry_after) if active else None


def record_failure(request: HttpRequest, email: str) -> None:
    _record("acct", _account(email))
    _record("ip", client_ip(request))


def clear_account(email: str) -> None:
    cache.delete_many(list(_keys("acct", _account(email))))
