"""Per-business daily call counters in the cache (Redis in production): calls, answered,
missed, seconds on the line. Cheap to bump at every hang-up, read by the dashboard."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache

FIELDS = ("calls", "answered", "missed", "seconds")
TTL = 40 * 24 * 60 * 60


def _key(business_id: int, day: date, field: str) -> str:
    return f"callstats:{business_id}:{day.isoformat()}:{field}"


def bump(business_id: int, day: date, **amounts: int) -> None:
    for field, amount in amounts.items():
        if field not in FIELDS or not amount:
            continue
        key = _key(business_id, day, field)
        # add() then incr(): incr alone fails on a missing key with the local-memory cache.
        if not cache.add(key, amount, TTL):
            try:
                cache.incr(key, amount)
            except ValueError:  # expired between the two calls
                cache.set(key, amount, TTL)


def daily(business_id: int, day: date) -> dict[str, int]:
    keys = {field: _key(business_id, day, field) for field in FIELDS}
    found = cache.get_many(list(keys.values()))
    stats = {field: int(found.get(key, 0)) for field, key in keys.items()}
    stats["minutes"] = round(stats["seconds"] / 60)
    return stats
