"""Consultations (lawyers, advisors…): half-hour starts with the first free advisor."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from stores.availability.hours import _day_of, _load_hours, _minutes, _utc, store_tz
from stores.availability.slots import (
    CONSULTATION_STEP,
    Refusal,
    Slot,
    _alternatives,
    _closed_day,
    _closed_message,
    _grid,
    _outside,
    _Plan,
    _slot,
    _staff_rows,
)
from stores.models import ServiceResource, Store


# --- Consultations --------------------------------------------------------------------------
def _advisors(store: Store, resource_id: int | None) -> list[ServiceResource]:
    staff_qs = store.resources.filter(type=ServiceResource.Type.STAFF, is_active=True)
    if resource_id is not None:
        staff_qs = staff_qs.filter(pk=resource_id)
    return sorted(staff_qs, key=lambda r: (r.name, r.pk))


def _consultation_day(plan: _Plan, day: date, now: datetime, length: timedelta) -> list[Slot]:
    periods = plan.hours.periods(day)
    if not periods or periods[-1][1] <= now:
        return []
    plan.load(day, day)
    slots = []
    for open_at, close_at in periods:
        for start in _grid(open_at, close_at - length, CONSULTATION_STEP):
            if start <= now:
                continue
            who = plan.free(start, start + length)
            if who is not None or not plan.resources:
                slots.append(_slot(start, start + length, who, plan.hours.tz))
    return slots


def consultation_slots(
    store: Store,
    day: date,
    *,
    now: datetime | None = None,
    duration_minutes: int = 30,
    resource_id: int | None = None,
) -> list[Slot]:
    """Starts every 30 minutes from each opening, ending by the close, with the first free advisor
    (active staff, by name) — busy while a requested/scheduled consultation or an active service
    booking runs. No staff: not resource-limited. Three queries: hours, staff, the day's bookings."""
    now = _utc(now or timezone.now())
    hours = _load_hours(store, since=day)
    if not hours.periods(day):
        return []
    staff = _advisors(store, resource_id)
    if resource_id is not None and not staff:
        return []
    return _consultation_day(_Plan(hours, staff, _staff_rows), day, now, _minutes(duration_minutes))


def check_consultation(
    store: Store,
    starts_at: datetime,
    *,
    now: datetime | None = None,
    duration_minutes: int = 30,
    resource_id: int | None = None,
) -> Slot | Refusal:
    """Whether an advisor is free at that time, on the half-hour grid within opening hours; a
    refusal carries the nearest free times (one query for the busy times of the two weeks walked,
    not one per day)."""
    now = _utc(now or timezone.now())
    at = _utc(starts_at)
    hours = _load_hours(store, since=_day_of(min(at, now), store_tz(store)) - timedelta(days=1))
    staff = _advisors(store, resource_id)
    if resource_id is not None and not staff:
        return Refusal("no_resource", "That advisor does not take consultations.")
    plan = _Plan(hours, staff, _staff_rows)
    length = _minutes(duration_minutes)
    day = _day_of(at, hours.tz)

    def day_slots(d: date) -> list[Slot]:
        return _consultation_day(plan, d, now, length)

    if at <= now:
        return Refusal("past", "That time has already passed.", _alternatives(plan, day_slots, at, day, now))
    if not hours.periods(day):
        return _closed_day(hours, at, _alternatives(plan, day_slots, at, day, now))
    match = next((slot for slot in day_slots(day) if _utc(slot.starts_at) == at), None)
    if match is not None:
        return match
    inside = any(start <= at and at + length <= end for start, end in hours.periods(day))
    alternatives = _alternatives(plan, day_slots, at, day, now)
    if not inside:
        details = _outside(hours, at, lambda period: period[1] - length)
        return Refusal("closed_hours", _closed_message(details), alternatives, details)
    on_grid = any(
        start <= at and (at - start) % _minutes(CONSULTATION_STEP) == timedelta(0)
        for start, _ in hours.periods(day)
    )
    if on_grid:
        return Refusal("full", "No advisor is free at that time.", alternatives)
    return Refusal(
        "closed_hours",
        f"Consultations start every {CONSULTATION_STEP} minutes.",
        alternatives,
        {"interval_minutes": str(CONSULTATION_STEP)},
    )
