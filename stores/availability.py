"""When a store is open and which slot is free: read-only rules shared by the assistant's tools
and the dashboard.

All times are aware datetimes in the store's zone. Days are the store's local dates; an interval
whose closing time is earlier than its opening runs past midnight and belongs to the day it opens
on (a bar open Friday 18:00–02:00 is "Friday"). Local times are built with zoneinfo, so the
23- and 25-hour days of daylight saving time come out right; comparisons are on aware values.
Each function fetches what it needs in one or two queries and computes in Python."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from stores.models import (
    BookingStatus,
    Consultation,
    Reservation,
    ServiceBooking,
    ServiceResource,
    Store,
    UniversalService,
)

ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
RESERVATION_STEP = 15
CONSULTATION_STEP = 30
FLEXIBLE_STEP = 5
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    resource_id: int | None = None
    resource_name: str = ""


@dataclass(frozen=True)
class Refusal:
    code: str  # closed_day | closed_hours | past | too_soon | too_far | full | party_too_large | not_bookable
    message: str
    alternatives: list[Slot] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def reservation_duration() -> int:
    return int(getattr(settings, "RESERVATION_DURATION_MINUTES", 90))


def last_seating() -> int:
    return int(getattr(settings, "RESERVATION_LAST_SEATING_MINUTES", 45))


def store_tz(store: Store) -> ZoneInfo:
    try:
        return ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


def _intervals(store: Store) -> list[tuple[int, time, time]]:
    # Prefetched by the callers that loop (the context builder); one query otherwise.
    return [(i.weekday, i.opens, i.closes) for i in store.opening_intervals.all()]


def _closed_dates(store: Store) -> set[date]:
    return {d.date for d in store.closed_dates.all()}


def _periods_from(
    day: date, intervals: Iterable[tuple[int, time, time]], closed: set[date], tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    if day in closed:
        return []
    periods = []
    for weekday, opens, closes in intervals:
        if weekday != day.weekday():
            continue
        end_day = day + timedelta(days=1) if closes <= opens else day
        periods.append((_at(day, opens, tz), _at(end_day, closes, tz)))
    return sorted(periods)


def opening_periods(store: Store, day: date) -> list[tuple[datetime, datetime]]:
    """The periods that open on this local day (closed dates give none). Two queries."""
    return _periods_from(day, _intervals(store), _closed_dates(store), store_tz(store))


class _Hours:
    """A store's hours loaded once, for walks over many days."""

    def __init__(self, store: Store) -> None:
        self.tz = store_tz(store)
        self.intervals = _intervals(store)
        self.closed = _closed_dates(store)

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        return _periods_from(day, self.intervals, self.closed, self.tz)

    def around(self, at: datetime) -> list[tuple[datetime, datetime]]:
        local = at.astimezone(self.tz).date()
        return self.periods(local - timedelta(days=1)) + self.periods(local)

    def period_at(self, at: datetime) -> tuple[datetime, datetime] | None:
        return next(((s, e) for s, e in self.around(at) if s <= at < e), None)


def is_open_at(store: Store, at: datetime) -> bool:
    return _Hours(store).period_at(at) is not None


def closes_at(store: Store, at: datetime) -> datetime | None:
    period = _Hours(store).period_at(at)
    return period[1] if period else None


def next_opening(store: Store, after: datetime, *, horizon_days: int = 14) -> datetime | None:
    hours = _Hours(store)
    local = after.astimezone(hours.tz).date()
    for n in range(horizon_days + 1):
        for start, _end in hours.periods(local + timedelta(days=n)):
            if start >= after:
                return start
    return None


def hours_summary(store: Store, lang: str) -> list[str]:
    """One line per run of identical days: "du mardi au samedi : 11:30–14:30, 18:30–23:00"."""
    lang = lang if lang in DAY_NAMES else "fr"
    names = DAY_NAMES[lang]
    by_day: list[str] = []
    intervals = _intervals(store)
    for weekday in range(7):
        spans = sorted((o, c) for d, o, c in intervals if d == weekday)
        by_day.append(", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in spans))
    closed_word = "fermé" if lang == "fr" else "closed"
    lines = []
    start = 0
    while start < 7:
        end = start
        while end + 1 < 7 and by_day[end + 1] == by_day[start]:
            end += 1
        hours = by_day[start] or closed_word
        if end == start:
            label = names[start]
        elif lang == "fr":
            label = f"du {names[start]} au {names[end]}"
        else:
            label = f"{names[start]} to {names[end]}"
        lines.append(f"{label} : {hours}" if lang == "fr" else f"{label}: {hours}")
        start = end + 1
    return lines


def first_slots(
    slots_fn: Callable[[date], list[Slot]], *, start_day: date, days: int = 14, limit: int = 3
) -> list[Slot]:
    found: list[Slot] = []
    for n in range(days):
        for slot in slots_fn(start_day + timedelta(days=n)):
            if all(slot.starts_at != s.starts_at for s in found):
                found.append(slot)
            if len(found) >= limit:
                return found
    return found


def _grid(start: datetime, end: datetime, step: int, length: int) -> list[tuple[datetime, datetime]]:
    """Start times every `step` minutes from `start` so that start + length fits before `end`.
    Walked in UTC so a DST change inside the period does not bend the grid."""
    out = []
    cursor = start
    span = timedelta(minutes=length)
    while cursor + span <= end:
        out.append((cursor, cursor + span))
        cursor = (cursor.astimezone(UTC) + timedelta(minutes=step)).astimezone(start.tzinfo)
    return out


def _same_time_later(
    slots_fn: Callable[[date], list[Slot]], wanted: datetime, tz: ZoneInfo, *, days: int = 14, limit: int = 3
) -> list[Slot]:
    """The slot closest to the wanted time of day on each of the following open days: a caller
    who wanted Monday 20:00 hears Tuesday 20:00 first, not Tuesday's first lunch slot."""
    local = wanted.astimezone(tz)
    found: list[Slot] = []
    for n in range(1, days + 1):
        day = local.date() + timedelta(days=n)
        target = _at(day, local.time(), tz)
        nearest = _nearest(slots_fn(day), target, limit=1)
        found.extend(nearest)
        if len(found) >= limit:
            break
    return found


def _nearest(slots: list[Slot], wanted: datetime, limit: int = 3) -> list[Slot]:
    unique: dict[datetime, Slot] = {}
    for slot in slots:
        unique.setdefault(slot.starts_at, slot)
    return sorted(unique.values(), key=lambda s: abs((s.starts_at - wanted).total_seconds()))[:limit]


# --- Reservations ---------------------------------------------------------------------------
def _tables(store: Store) -> list[ServiceResource]:
    return sorted(
        store.resources.filter(type=ServiceResource.Type.TABLE, is_active=True),
        key=lambda r: (r.capacity, r.name),
    )


def _reservations_between(store: Store, start: datetime, end: datetime) -> list[Reservation]:
    return list(
        Reservation.objects.filter(
            store=store, status__in=ACTIVE, starts_at__lt=end, starts_at__gt=start - timedelta(hours=24)
        )
    )


def _table_free(table: ServiceResource, start: datetime, end: datetime, taken: list[Reservation]) -> bool:
    for r in taken:
        if r.resource_id != table.pk:
            continue
        if r.starts_at < end and r.starts_at + timedelta(minutes=r.duration_minutes) > start:
            return False
    return True


def _reservation_day(
    store: Store, day: date, party: int, hours: _Hours, tables: list[ServiceResource], now: datetime
) -> list[Slot]:
    duration = reservation_duration()
    fitting = [t for t in tables if t.capacity >= party]
    if tables and not fitting:
        return []
    periods = hours.periods(day)
    if not periods:
        return []
    taken = _reservations_between(store, periods[0][0], periods[-1][1] + timedelta(minutes=duration))
    slots = []
    for open_at, close_at in periods:
        last = close_at - timedelta(minutes=last_seating())
        for start, _ in _grid(open_at, last + timedelta(minutes=1), RESERVATION_STEP, 0):
            if start <= now:
                continue
            end = start + timedelta(minutes=duration)
            if not tables:
                slots.append(Slot(start, end))
                continue
            table = next((t for t in fitting if _table_free(t, start, end, taken)), None)
            if table is not None:
                slots.append(Slot(start, end, table.pk, table.name))
    return slots


def reservation_slots(store: Store, day: date, party_size: int, *, now: datetime | None = None) -> list[Slot]:
    """Free start times on a local day for a party, each with the smallest table that fits."""
    now = now or timezone.now()
    return _reservation_day(store, day, party_size, _Hours(store), _tables(store), now)


def check_reservation(
    store: Store, starts_at: datetime, party_size: int, *, now: datetime | None = None
) -> Slot | Refusal:
    now = now or timezone.now()
    if not store.has_reservations:
        return Refusal("not_bookable", "This store does not take reservations.")
    tables = _tables(store)
    hours = _Hours(store)
    biggest = max((t.capacity for t in tables), default=0)
    if tables and party_size > biggest:
        return Refusal(
            "party_too_large", f"The largest table seats {biggest}.", details={"max_party": biggest}
        )
    local_day = starts_at.astimezone(hours.tz).date()

    def day_slots(d: date) -> list[Slot]:
        return _reservation_day(store, d, party_size, hours, tables, now)

    def alternatives() -> list[Slot]:
        same_day = _nearest(day_slots(local_day), starts_at)
        if same_day:
            return same_day
        return _same_time_later(day_slots, starts_at, hours.tz)

    if starts_at <= now:
        return Refusal("past", "That time has already passed.", alternatives())
    periods = hours.periods(local_day)
    if not periods:
        opens = next_opening(store, starts_at)
        return Refusal(
            "closed_day",
            "The store is closed that day.",
            _same_time_later(day_slots, starts_at, hours.tz),
            {"next_open": opens.isoformat() if opens else None},
        )
    within = next(((s, e) for s, e in periods if s <= starts_at < e), None)
    last = (within or periods[-1])[1] - timedelta(minutes=last_seating())
    if within is None or starts_at > last:
        closing = (within or min(periods, key=lambda p: abs((p[1] - starts_at).total_seconds())))[1]
        return Refusal(
            "closed_hours",
            f"Reservations end at {closing - timedelta(minutes=last_seating()):%H:%M} "
            f"(closing {closing:%H:%M}).",
            alternatives(),
            {
                "closes_at": f"{closing.astimezone(hours.tz):%H:%M}",
                "last_slot": f"{(closing - timedelta(minutes=last_seating())).astimezone(hours.tz):%H:%M}",
            },
        )
    end = starts_at + timedelta(minutes=reservation_duration())
    if not tables:
        return Slot(starts_at, end)
    taken = _reservations_between(store, starts_at, end)
    for table in tables:
        if table.capacity >= party_size and _table_free(table, starts_at, end, taken):
            return Slot(starts_at, end, table.pk, table.name)
    return Refusal("full", "No table is free at that time.", alternatives())


# --- Service bookings -----------------------------------------------------------------------
def _parse_hm(value: str) -> time:
    hours, minutes = value.split(":")[:2]
    return time(int(hours), int(minutes))


def _working_hours(service: UniversalService, day: date, hours: _Hours) -> list[tuple[datetime, datetime]]:
    """The service's own hours for that weekday (schedule_config.working_hours, keys like
    "mon-fri" or "sat"), or the store's when the service has none."""
    config = (service.schedule_config or {}).get("working_hours") or {}
    if not config:
        return hours.periods(day)
    if day in hours.closed:
        return []
    weekday = day.weekday()
    spans = []
    for key, value in config.items():
        first, _, last = str(key).lower().partition("-")
        try:
            lo = DAY_KEYS.index(first[:3])
            hi = DAY_KEYS.index((last or first)[:3])
        except ValueError:
            continue  # a key we cannot read: ignore it rather than open on the wrong day
        if lo <= weekday <= hi and isinstance(value, list | tuple) and len(value) == 2:
            opens, closes = _parse_hm(value[0]), _parse_hm(value[1])
            end_day = day + timedelta(days=1) if closes <= opens else day
            spans.append((_at(day, opens, hours.tz), _at(end_day, closes, hours.tz)))
    return sorted(spans)


def _service_rules(service: UniversalService) -> tuple[int, int, float, int]:
    config = service.schedule_config or {}
    slot = config.get("slot_config") or {}
    rules = config.get("booking_rules") or {}
    step = (
        FLEXIBLE_STEP
        if service.pattern == UniversalService.Pattern.FLEXIBLE_BOOKING
        else int(slot.get("interval_minutes") or service.duration_minutes)
    )
    return (
        step,
        int(slot.get("buffer_minutes") or 0),
        float(rules.get("min_notice_hours") or 0),
        int(rules.get("max_days_ahead") or 365),
    )


def _resources_for(service: UniversalService, resource_id: int | None) -> list[ServiceResource]:
    resources = sorted((r for r in service.resources.all() if r.is_active), key=lambda r: r.name)
    if resource_id is not None:
        resources = [r for r in resources if r.pk == resource_id]
    return resources


def _busy(
    resource_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    busy: dict[int, list[tuple[datetime, datetime]]] = {rid: [] for rid in resource_ids}
    for b in ServiceBooking.objects.filter(
        resource_id__in=resource_ids, status__in=ACTIVE, starts_at__lt=end, ends_at__gt=start
    ).only("resource_id", "starts_at", "ends_at"):
        busy[b.resource_id].append((b.starts_at, b.ends_at))
    for c in Consultation.objects.filter(
        resource_id__in=resource_ids,
        status__in=(Consultation.Status.REQUESTED, Consultation.Status.SCHEDULED),
        scheduled_at__isnull=False,
        scheduled_at__lt=end,
        scheduled_at__gt=start - timedelta(hours=12),
    ).only("resource_id", "scheduled_at", "duration_minutes"):
        busy[c.resource_id].append((c.scheduled_at, c.scheduled_at + timedelta(minutes=c.duration_minutes)))
    return busy


def _free(
    intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime, buffer: int = 0
) -> bool:
    """No overlap with a booking, each booking keeping its clean-up buffer after it."""
    gap = timedelta(minutes=buffer)
    return all(not (s < end and e + gap > start) for s, e in intervals)


def _service_day(
    service: UniversalService, day: date, hours: _Hours, now: datetime, resource_id: int | None
) -> list[Slot]:
    step, buffer, notice, ahead = _service_rules(service)
    if day > (now.astimezone(hours.tz) + timedelta(days=ahead)).date():
        return []
    periods = _working_hours(service, day, hours)
    if not periods:
        return []
    earliest = now + timedelta(hours=notice)
    resources = _resources_for(service, resource_id)
    if resource_id is not None and not resources:
        return []
    busy = _busy([r.pk for r in resources], periods[0][0], periods[-1][1] + timedelta(minutes=buffer))
    slots = []
    for open_at, close_at in periods:
        for start, end in _grid(open_at, close_at, step, service.duration_minutes + buffer):
            if start < earliest:
                continue
            end = start + timedelta(minutes=service.duration_minutes)
            if not resources:
                slots.append(Slot(start, end))
                continue
            for resource in resources:
                if _free(busy[resource.pk], start, end + timedelta(minutes=buffer), buffer):
                    slots.append(Slot(start, end, resource.pk, resource.name))
                    break
    return slots


def service_slots(
    service: UniversalService, day: date, *, now: datetime | None = None, resource_id: int | None = None
) -> list[Slot]:
    """Free start times of a service on a local day, each with the first free resource.
    AVAILABILITY services have no slots of their own: their working periods come back as
    hour-long windows a caller can say they prefer. Four queries."""
    now = now or timezone.now()
    hours = _Hours(service.store)
    if service.pattern == UniversalService.Pattern.AVAILABILITY:
        windows = []
        for open_at, close_at in _working_hours(service, day, hours):
            windows.extend(Slot(s, e) for s, e in _grid(open_at, close_at, 60, 60) if s > now)
        return windows
    return _service_day(service, day, hours, now, resource_id)


def check_service_slot(
    service: UniversalService,
    starts_at: datetime,
    *,
    now: datetime | None = None,
    resource_id: int | None = None,
) -> Slot | Refusal:
    now = now or timezone.now()
    if service.pattern == UniversalService.Pattern.AVAILABILITY:
        return Refusal("not_bookable", f"{service.name} is arranged by the business after a request.")
    hours = _Hours(service.store)
    step, buffer, notice, ahead = _service_rules(service)
    local_day = starts_at.astimezone(hours.tz).date()

    def day_slots(d: date) -> list[Slot]:
        return _service_day(service, d, hours, now, resource_id)

    def alternatives() -> list[Slot]:
        same_day = _nearest(day_slots(local_day), starts_at)
        return same_day or _same_time_later(day_slots, starts_at, hours.tz)

    if starts_at <= now:
        return Refusal("past", "That time has already passed.", alternatives())
    if starts_at < now + timedelta(hours=notice):
        return Refusal(
            "too_soon", f"Bookings need {notice:g} hours' notice.", alternatives(), {"notice_hours": notice}
        )
    if local_day > (now.astimezone(hours.tz) + timedelta(days=ahead)).date():
        return Refusal("too_far", f"Bookings open {ahead} days ahead.", [], {"max_days_ahead": ahead})
    periods = _working_hours(service, local_day, hours)
    if not periods:
        return Refusal(
            "closed_day", "Closed that day.", first_slots(day_slots, start_day=local_day + timedelta(days=1))
        )
    end = starts_at + timedelta(minutes=service.duration_minutes)
    inside = next(
        ((s, e) for s, e in periods if s <= starts_at and end + timedelta(minutes=buffer) <= e), None
    )
    if inside is None:
        closing = max(e for _, e in periods)
        return Refusal(
            "closed_hours",
            f"{service.name} must end before {closing:%H:%M}.",
            alternatives(),
            {"closes_at": f"{closing.astimezone(hours.tz):%H:%M}"},
        )
    resources = _resources_for(service, resource_id)
    if resource_id is not None and not resources:
        return Refusal("no_resource", "That person does not provide this service.")
    if not resources:
        return Slot(starts_at, end)
    busy = _busy(
        [r.pk for r in resources], starts_at - timedelta(minutes=buffer), end + timedelta(minutes=buffer)
    )
    for resource in resources:
        if _free(busy[resource.pk], starts_at, end + timedelta(minutes=buffer), buffer):
            return Slot(starts_at, end, resource.pk, resource.name)
    return Refusal("full", "Everyone is booked at that time.", alternatives())


# --- Consultations --------------------------------------------------------------------------
def consultation_slots(
    store: Store,
    day: date,
    *,
    now: datetime | None = None,
    duration_minutes: int = 30,
    resource_id: int | None = None,
) -> list[Slot]:
    """Half-hour slots within opening hours with a free advisor (active staff). Three queries."""
    now = now or timezone.now()
    hours = _Hours(store)
    periods = hours.periods(day)
    if not periods:
        return []
    staff = sorted(
        store.resources.filter(type=ServiceResource.Type.STAFF, is_active=True), key=lambda r: r.name
    )
    if resource_id is not None:
        staff = [r for r in staff if r.pk == resource_id]
    busy = _busy([r.pk for r in staff], periods[0][0], periods[-1][1])
    slots = []
    for open_at, close_at in periods:
        for start, end in _grid(open_at, close_at, CONSULTATION_STEP, duration_minutes):
            if start <= now:
                continue
            if not staff:
                slots.append(Slot(start, end))
                continue
            for advisor in staff:
                if _free(busy[advisor.pk], start, end):
                    slots.append(Slot(start, end, advisor.pk, advisor.name))
                    break
    return slots
