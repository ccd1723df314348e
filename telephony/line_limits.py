"""How many calls a business has on the line right now, against its plan's limit.

Redis (when REDIS_URL is set): one sorted set per business, call id → start time, admitted by
a Lua script so that two simultaneous calls can never both take the last slot, whatever process
handles them. Entries older than CALL_STALE_SECONDS are dropped on every admission (a lost
hang-up cannot block a line forever). Without Redis: the same rules in process memory — the
embedded default runs one web process.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 1 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0
"""

_local: dict[int, dict[str, float]] = {}
_local_lock = threading.Lock()


def _key(business_id: int) -> str:
    return f"calls:active:{business_id}"


def _redis():  # noqa: ANN202 - redis.Redis from Django's cache backend
    if not settings.REDIS_URL:
        return None
    return cache._cache.get_client(write=True)  # noqa: SLF001 - the cache's own connection pool


def acquire(business_id: int, call_key: str, limit: int) -> bool:
    """Take a line for this call; False when the business is at its limit. Idempotent per call."""
    now = time.time()
    stale_before = now - settings.CALL_STALE_SECONDS
    client = _redis()
    if client is not None:
        admitted = client.eval(
            _ACQUIRE, 1, _key(business_id), stale_before, limit, call_key, now, settings.CALL_STALE_SECONDS
        )
        return bool(admitted)
    with _local_lock:
        active = _local.setdefault(business_id, {})
        for key in [k for k, started in active.items() if started < stale_before]:
            del active[key]
        if call_key in active:
            return True
        if len(active) >= limit:
            return False
        active[call_key] = now
        return True


def release(business_id: int, call_key: str) -> None:
    client = _redis()
    if client is not None:
        client.zrem(_key(business_id), call_key)
        return
    with _local_lock:
        _local.get(business_id, {}).pop(call_key, None)


def active(business_id: int) -> int:
    stale_before = time.time() - settings.CALL_STALE_SECONDS
    client = _redis()
    if client is not None:
        return int(client.zcount(_key(business_id), stale_before, "+inf"))
    with _local_lock:
        return sum(1 for started in _local.get(business_id, {}).values() if started >= stale_before)


def reset() -> None:
    """Forget every line (tests)."""
    with _local_lock:
        _local.clear()
