"""Service bookings (hair, beauty, repairs…): a service's own rules, its free starts, and
whether one time is free."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from stores.availability.hours import (
    Period,
    Spans,
    _day_of,
    _hm,
    _Hours,
    _load_hours,
    _minutes,
    _utc,
    store_tz,
)
from stores.availability.slots import (
    FIXED_STEP_DEFAULT,
    FLEXIBLE_STEP,
    REQUEST_WINDOW,
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
from stores.models import ServiceResource, UniversalService

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- Service bookings -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Rules:
    """A service's schedule_config, read once with its defaults."""

    duration: timedelta
    step: int  # minutes between proposed starts
    buffer: timedelta  # clean-up after each booking, kept before the next and before closing
    notice: timedelta
    max_days: int | None
    weekly: Spans | None  # None: the store's opening hours


def _number(value: Any, default: float | None) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number < 100_000 else default  # NaN, negatives and absurd values


def _clock(text: Any) -> time:
    hours, minutes = (int(part) for part in str(text).strip().split(":")[:2])
    return time(0) if (hours, minutes) == (24, 0) else time(hours, minutes)  # 24:00 ends the day


def _weekdays(key: str) -> list[int]:
    """ "mon-fri" → 0..4, "sat" → 5, "fri-mon" wraps, "mon,wed" lists; unknown names → []."""
    days = []
    for part in key.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        first, last = first[:3], (last or first)[:3]
        if first in DAY_KEYS and last in DAY_KEYS:
            lo, hi = DAY_KEYS.index(first), DAY_KEYS.index(last)
            days += [(lo + n) % 7 for n in range((hi - lo) % 7 + 1)]
    return days


def _working_hours(config: Any) -> Spans | None:
    """{"mon-fri": ["09:00", "19:00"], "sat": [...]}: one [open, close] pair or a list of pairs per
    key; close before open runs past midnight. Unreadable entries are skipped, not guessed."""
    if not isinstance(config, dict) or not config:
        return None
    weekly: Spans = {}
    for key, value in config.items():
        pairs = [value] if isinstance(value, list | tuple) and value and isinstance(value[0], str) else value
        spans = []
        for pair in pairs if isinstance(pairs, list | tuple) else ():
            try:
                opens, closes = (_clock(v) for v in pair)
            except (TypeError, ValueError):
                continue
            if opens != closes:
                spans.append((opens, closes))
        for weekday in _weekdays(str(key)):
            weekly.setdefault(weekday, []).extend(spans)
    return weekly


def _rules(service: UniversalService) -> _Rules:
    config = service.schedule_config if isinstance(service.schedule_config, dict) else {}
    slot = config.get("slot_config") if isinstance(config.get("slot_config"), dict) else {}
    rules = config.get("booking_rules") if isinstance(config.get("booking_rules"), dict) else {}
    if service.pattern == UniversalService.Pattern.FLEXIBLE_BOOKING:
        step = FLEXIBLE_STEP
    else:
        step = int(_number(slot.get("interval_minutes"), 0) or FIXED_STEP_DEFAULT)
    max_days = _number(rules.get("max_days_ahead"), None)
    return _Rules(
        duration=_minutes(service.duration_minutes),
        step=step,
        buffer=_minutes(_number(slot.get("buffer_minutes"), 0) or 0),
        notice=timedelta(hours=_number(rules.get("min_notice_hours"), 0) or 0),
        max_days=int(max_days) if max_days is not None else None,
        weekly=_working_hours(config.get("working_hours")),
    )


def _timing(rules: _Rules, start: datetime, now: datetime, tz: ZoneInfo) -> str | None:
    if start <= now:
        return "past"
    if start < now + rules.notice:
        return "too_soon"
    if rules.max_days is not None and _day_of(start, tz) > _day_of(now, tz) + timedelta(days=rules.max_days):
        return "too_far"
    return None


def _service_resources(service: UniversalService, resource_id: int | None) -> list[ServiceResource] | None:
    """Its active linked resources by name ([] when nothing is linked: not resource-limited), or
    None when nobody can take the booking (the one asked for does not provide it). One query."""
    linked = list(service.resources.all())
    if not linked:
        return None if resource_id is not None else []
    active = sorted((r for r in linked if r.is_active), key=lambda r: (r.name, r.pk))
    if resource_id is not None:
        active = [r for r in active if r.pk == resource_id]
    return active or None


def _service_day(plan: _Plan, rules: _Rules, day: date, now: datetime) -> list[Slot]:
    tz = plan.hours.tz
    periods = plan.hours.periods(day)
    too_far = rules.max_days is not None and day > _day_of(now, tz) + timedelta(days=rules.max_days)
    if not periods or too_far or periods[-1][1] <= now:
        return []
    plan.load(day, day)
    slots = []
    for open_at, close_at in periods:
        for start in _grid(open_at, close_at - rules.duration - rules.buffer, rules.step):
            if _timing(rules, start, now, tz) is not None:
                continue
            end = start + rules.duration
            who = plan.free(start, end, gap=rules.buffer)
            if who is not None or not plan.resources:
                slots.append(_slot(start, end, who, tz))
    return slots


def _request_windows(hours: _Hours, rules: _Rules, day: date, now: datetime) -> list[Slot]:
    windows = []
    for start, close in hours.periods(day):
        while start < close:
            end = min(start + _minutes(REQUEST_WINDOW), close)
            if _timing(rules, start, now, hours.tz) is None:
                windows.append(_slot(start, end, None, hours.tz))
            start = end
    return windows


def _service_hours(service: UniversalService, rules: _Rules, since: date) -> _Hours:
    hours = _load_hours(service.store, since=since)  # closed dates apply to the service's own hours too
    return hours if rules.weekly is None else replace(hours, weekly=rules.weekly)


def service_slots(
    service: UniversalService, day: date, *, now: datetime | None = None, resource_id: int | None = None
) -> list[Slot]:
    """Free starts of a service on a local day, each with the first free resource by name.
    FIXED_SLOTS start every slot_config.interval_minutes (15 unset) from each opening, FLEXIBLE_BOOKING every
    5 minutes; duration plus buffer ends by the close. AVAILABILITY services (a request the business
    confirms later) return their working periods as hour-long windows. Three queries: hours,
    resources, the day's bookings."""
    now = _utc(now or timezone.now())
    if not service.is_active:
        return []
    rules = _rules(service)
    hours = _service_hours(service, rules, since=day)
    if service.pattern == UniversalService.Pattern.AVAILABILITY:
        return _request_windows(hours, rules, day, now)
    resources = _service_resources(service, resource_id)
    if resources is None:
        return []
    return _service_day(_Plan(hours, resources, _staff_rows), rules, day, now)


def check_service_slot(
    service: UniversalService,
    starts_at: datetime,
    *,
    now: datetime | None = None,
    resource_id: int | None = None,
) -> Slot | Refusal:
    """The Slot with the first free resource, or a Refusal with up to three alternatives. Three
    queries on the way to a yes; one more when alternatives come from the following days."""
    if service.pattern == UniversalService.Pattern.AVAILABILITY or not service.is_active:
        return Refusal("not_bookable", f"{service.name} is not booked at a set time; it is a request.")
    at, now = _utc(starts_at), _utc(now or timezone.now())
    rules = _rules(service)
    tz = store_tz(service.store)
    hours = _service_hours(service, rules, since=_day_of(min(at, now), tz) - timedelta(days=1))
    resources = _service_resources(service, resource_id)
    if resources is None:
        who = "That person does not" if resource_id is not None else "Nobody available can"
        return Refusal("no_resource", f"{who} provide {service.name}.")
    plan = _Plan(hours, resources, _staff_rows)
    found = hours.containing(at)
    day = found[0] if found else _day_of(at, tz)

    def day_slots(d: date) -> list[Slot]:
        return _service_day(plan, rules, d, now)

    def refuse(code: str, message: str, details: dict[str, Any] | None = None) -> Refusal:
        return Refusal(code, message, _alternatives(plan, day_slots, at, day, now), details or {})

    def last_start(period: Period) -> datetime | None:
        grid = _grid(period[0], period[1] - rules.duration - rules.buffer, rules.step)
        return grid[-1] if grid else None

    timing = _timing(rules, at, now, tz)
    if timing == "past":
        return refuse("past", "That time has already passed.")
    if timing == "too_soon":
        hours_notice = rules.notice.total_seconds() / 3600
        return refuse(
            "too_soon",
            f"{service.name} needs {hours_notice:g} hours' notice.",
            {"notice_hours": hours_notice, "earliest": (now + rules.notice).astimezone(tz).isoformat()},
        )
    if timing == "too_far":
        last_day = _day_of(now, tz) + timedelta(days=rules.max_days or 0)
        return Refusal(
            "too_far",
            f"Bookings open {rules.max_days} days ahead.",
            details={"max_days_ahead": rules.max_days, "last_day": last_day.isoformat()},
        )
    if found is None:
        if not hours.periods(day):
            return _closed_day(hours, at, _alternatives(plan, day_slots, at, day, now))
        details = _outside(hours, at, last_start)
        return refuse("closed_hours", _closed_message(details), details)
    open_at, close = found[1]
    end = at + rules.duration
    if end + rules.buffer > close:
        last = last_start(found[1])
        details = {"closes_at": _hm(close, tz)} | ({"last_slot": _hm(last, tz)} if last else {})
        return refuse("closed_hours", f"{service.name} must end by {details['closes_at']}.", details)
    if service.pattern == UniversalService.Pattern.FIXED_SLOTS and (at - open_at) % _minutes(rules.step):
        message = f"{service.name} starts every {rules.step} minutes from {_hm(open_at, tz)}."
        return refuse("closed_hours", message, {"interval_minutes": rules.step})
    plan.load(day, day)
    who = plan.free(at, end, gap=rules.buffer)
    if resources and who is None:
        whom = resources[0].name if resource_id is not None else "Everyone"
        return refuse("full", f"{whom} is booked at that time.")
    return _slot(at, end, who, tz)
