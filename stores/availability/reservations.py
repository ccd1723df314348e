"""Restaurant reservations: table slots for a party, and whether one time is free."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from stores.availability.hours import _day_of, _hm, _hours_at, _load_hours, _minutes, _utc
from stores.availability.slots import (
    ACTIVE,
    LAST_SEATING_BEFORE_CLOSE,
    LOOKBACK,
    RESERVATION_DURATION,
    RESERVATION_STEP,
    Refusal,
    Slot,
    _alternatives,
    _closed_day,
    _closed_message,
    _grid,
    _outside,
    _Plan,
    _slot,
)
from stores.models import Reservation, ServiceResource, Store


def reservation_duration() -> int:
    return int(getattr(settings, "RESERVATION_DURATION_MINUTES", RESERVATION_DURATION))


def last_seating() -> int:
    return int(getattr(settings, "RESERVATION_LAST_SEATING_MINUTES", LAST_SEATING_BEFORE_CLOSE))


def _reservation_rows(ids: list[int], lo: datetime, hi: datetime) -> Iterator[tuple[int, datetime, datetime]]:
    rows = (
        Reservation.objects.real()
        .filter(resource_id__in=ids, status__in=ACTIVE, starts_at__lt=hi, starts_at__gt=lo - LOOKBACK)
        .values_list("resource_id", "starts_at", "duration_minutes")
        .order_by()
    )
    return ((rid, start, start + _minutes(minutes)) for rid, start, minutes in rows)


# --- Restaurant reservations ----------------------------------------------------------------
def _tables(store: Store) -> list[ServiceResource]:
    """Active tables, smallest first so the first free one that fits is the best fit."""
    tables = store.resources.filter(type=ServiceResource.Type.TABLE, is_active=True)
    return sorted(tables, key=lambda t: (t.capacity, t.name, t.pk))


def _check_party(party_size: int) -> None:
    if party_size < 1:
        raise ValueError("party_size must be at least 1")


def _reservation_day(plan: _Plan, day: date, party: int, now: datetime) -> list[Slot]:
    fitting = [t for t in plan.resources if t.capacity >= party]
    periods = plan.hours.periods(day)
    if (plan.resources and not fitting) or not periods or periods[-1][1] <= now:
        return []
    plan.load(day, day)
    length, last = _minutes(reservation_duration()), _minutes(last_seating())
    slots = []
    for open_at, close_at in periods:
        for start in _grid(open_at, close_at - last, RESERVATION_STEP):
            if start <= now:
                continue
            table = plan.free(start, start + length, among=fitting)
            if table is not None or not plan.resources:
                slots.append(_slot(start, start + length, table, plan.hours.tz))
    return slots


def reservation_slots(store: Store, day: date, party_size: int, *, now: datetime | None = None) -> list[Slot]:
    """Free start times for a party on a local day: every 15 minutes from each opening to the last
    seating, each with the smallest free table that seats the party (no table: no capacity
    tracking). Three queries: hours, tables, the day's reservations."""
    _check_party(party_size)
    if not store.has_reservations:
        return []
    now = _utc(now or timezone.now())
    plan = _Plan(_load_hours(store, since=day), _tables(store), _reservation_rows)
    return _reservation_day(plan, day, party_size, now)


def check_reservation(
    store: Store, starts_at: datetime, party_size: int, *, now: datetime | None = None
) -> Slot | Refusal:
    """The Slot with the best-fitting free table, or a Refusal with up to three alternatives.
    Three queries (hours, tables, that day's reservations); one more when alternatives come from
    the following days."""
    _check_party(party_size)
    if not store.has_reservations:
        return Refusal("not_bookable", "This store does not take reservations.")
    at, now = _utc(starts_at), _utc(now or timezone.now())
    hours = _hours_at(store, min(at, now))
    tables = _tables(store)
    biggest = max((t.capacity for t in tables), default=0)
    if tables and party_size > biggest:
        return Refusal(
            "party_too_large", f"The largest table seats {biggest}.", details={"max_party": biggest}
        )
    plan = _Plan(hours, tables, _reservation_rows)
    found = hours.containing(at)
    day = found[0] if found else _day_of(at, hours.tz)
    last = _minutes(last_seating())

    def day_slots(d: date) -> list[Slot]:
        return _reservation_day(plan, d, party_size, now)

    def refuse(code: str, message: str, details: dict[str, Any] | None = None) -> Refusal:
        return Refusal(code, message, _alternatives(plan, day_slots, at, day, now), details or {})

    if at <= now:
        return refuse("past", "That time has already passed.")
    if found is None:
        if not hours.periods(day):
            return _closed_day(hours, at, _alternatives(plan, day_slots, at, day, now))
        details = _outside(hours, at, lambda p: p[1] - last)
        return refuse("closed_hours", _closed_message(details), details)
    close = found[1][1]
    if at > close - last:
        details = {"closes_at": _hm(close, hours.tz), "last_slot": _hm(close - last, hours.tz)}
        return refuse("closed_hours", _closed_message(details), details)
    end = at + _minutes(reservation_duration())
    plan.load(day, day)
    table = plan.free(at, end, among=[t for t in tables if t.capacity >= party_size])
    if tables and table is None:
        return refuse("full", f"No table for {party_size} is free at that time.")
    return _slot(at, end, table, hours.tz)
