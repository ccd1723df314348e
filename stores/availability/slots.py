"""What every kind of slot shares: the Slot and Refusal shapes, the grid, resources' busy times
for one call (`_Plan`), and the alternatives and details a refusal carries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, IntegerField, Value

from stores.availability.hours import Period, _day_of, _hm, _Hours, _instant, _minutes
from stores.models import BookingStatus, Consultation, ServiceBooking, ServiceResource

RESERVATION_DURATION = 90  # minutes; settings.RESERVATION_DURATION_MINUTES overrides
LAST_SEATING_BEFORE_CLOSE = 45  # minutes; settings.RESERVATION_LAST_SEATING_MINUTES overrides
RESERVATION_STEP = 15
CONSULTATION_STEP = 30
FLEXIBLE_STEP = 5
# FIXED_SLOTS services whose owner set no interval start every quarter hour, as booking tools do:
# a 90-minute colour is not only at 9:00, 10:30 and 12:00.
FIXED_STEP_DEFAULT = 15
REQUEST_WINDOW = 60  # AVAILABILITY services: coarse windows a caller can say they prefer
MAX_ALTERNATIVES = 3
ALTERNATIVE_DAYS = 14

ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
CONSULTATION_ACTIVE = (Consultation.Status.REQUESTED, Consultation.Status.SCHEDULED)
# Bookings that started this long before a window may still run into it (the write path's bound).
LOOKBACK = timedelta(hours=24)

BusyRows = Callable[[list[int], datetime, datetime], Iterable[tuple[int, datetime, datetime]]]


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, in the store's timezone
    ends_at: datetime
    resource_id: int | None = None  # the table / stylist / advisor that is free; None without resources
    resource_name: str = ""


@dataclass(frozen=True)
class Refusal:
    """A structured "no": the speaking brain turns code, details and alternatives into a sentence."""

    # closed_day | closed_hours | past | too_soon | too_far | full | party_too_large | not_bookable
    # | no_resource
    code: str
    message: str  # plain English, for logs and the LLM
    alternatives: list[Slot] = field(default_factory=list)  # up to 3, same day first
    details: dict[str, Any] = field(default_factory=dict)


def _grid(first: datetime, last: datetime, step: int) -> list[datetime]:
    """Start times from `first` every `step` real minutes up to `last` included."""
    out, gap = [], _minutes(max(step, 1))
    while first <= last:
        out.append(first)
        first += gap
    return out


def _slot(start: datetime, end: datetime, resource: ServiceResource | None, tz: ZoneInfo) -> Slot:
    return Slot(
        start.astimezone(tz),
        end.astimezone(tz),
        resource.pk if resource else None,
        resource.name if resource else "",
    )


# --- Resources and their busy times ---------------------------------------------------------
class _Plan:
    """Hours, bookable resources and their busy times for one call. Busy times are fetched for a
    span of days in one query and reused: a day costs one query, a two-week walk one more."""

    def __init__(self, hours: _Hours, resources: list[ServiceResource], rows: BusyRows) -> None:
        self.hours = hours
        self.resources = resources
        self._rows = rows
        self._span: tuple[date, date] | None = None
        self._busy: dict[int, list[Period]] = {}

    def load(self, first: date, last: date) -> None:
        if not self.resources or (self._span and self._span[0] <= first and last <= self._span[1]):
            return
        if self._span:
            first, last = min(first, self._span[0]), max(last, self._span[1])
        # Periods opening on `last` may end the next day, and bookings run on past their close.
        lo = _instant(first, time.min, self.hours.tz)
        hi = _instant(last + timedelta(days=3), time.min, self.hours.tz)
        busy: dict[int, list[Period]] = {r.pk: [] for r in self.resources}
        for resource_id, start, end in self._rows(list(busy), lo, hi):
            busy[resource_id].append((start, end))
        self._busy, self._span = busy, (first, last)

    def free(
        self,
        start: datetime,
        end: datetime,
        *,
        among: list[ServiceResource] | None = None,
        gap: timedelta = timedelta(0),
    ) -> ServiceResource | None:
        """The first resource with nothing in [start, end), bookings kept `gap` apart both ways."""
        for resource in self.resources if among is None else among:
            if all(not (s < end + gap and start < e + gap) for s, e in self._busy.get(resource.pk, ())):
                return resource
        return None


def _staff_rows(ids: list[int], lo: datetime, hi: datetime) -> Iterator[tuple[int, datetime, datetime]]:
    """Service bookings and consultations of these resources, in one query: a person giving a
    consultation cannot cut hair at the same time, and the reverse."""
    bookings = (
        ServiceBooking.objects.real()
        .filter(resource_id__in=ids, status__in=ACTIVE, starts_at__lt=hi, ends_at__gt=lo)
        .annotate(until=F("ends_at"), extra=Value(0, output_field=IntegerField()))
        .values_list("resource_id", "starts_at", "until", "extra")
        .order_by()
    )
    consultations = (
        Consultation.objects.real()
        .filter(
            resource_id__in=ids,
            status__in=CONSULTATION_ACTIVE,
            scheduled_at__isnull=False,
            scheduled_at__lt=hi,
            scheduled_at__gt=lo - LOOKBACK,
        )
        .annotate(until=F("scheduled_at"), extra=F("duration_minutes"))
        .values_list("resource_id", "scheduled_at", "until", "extra")
        .order_by()
    )
    return (
        (rid, start, until + _minutes(extra))
        for rid, start, until, extra in bookings.union(consultations, all=True)
    )


def _nearest(slots: list[Slot], wanted: datetime, limit: int) -> list[Slot]:
    return sorted(slots, key=lambda s: abs(s.starts_at.timestamp() - wanted.timestamp()))[:limit]


def _alternatives(
    plan: _Plan, day_slots: Callable[[date], list[Slot]], wanted: datetime, day: date, now: datetime
) -> list[Slot]:
    """Up to three free slots, best first (a caller's plain "yes" takes the first): the nearest to
    the wanted time on its own day, then the nearest to the same time of day on each following day
    with room, so a caller who wanted Monday 20:00 hears Tuesday 20:00, not Tuesday's first lunch."""
    tz = plan.hours.tz
    clock = wanted.astimezone(tz).time()
    if day < _day_of(now, tz):  # a day gone by: start from today, at the same time of day
        day = _day_of(now, tz)
        wanted = _instant(day, clock, tz)
    picks = _nearest(day_slots(day), wanted, MAX_ALTERNATIVES)
    if len(picks) < MAX_ALTERNATIVES:
        plan.load(day, day + timedelta(days=ALTERNATIVE_DAYS))
        for n in range(1, ALTERNATIVE_DAYS + 1):
            later = day + timedelta(days=n)
            picks += _nearest(day_slots(later), _instant(later, clock, tz), 1)
            if len(picks) >= MAX_ALTERNATIVES:
                break
    return picks


def _outside(hours: _Hours, at: datetime, last_start: Callable[[Period], datetime | None]) -> dict[str, str]:
    """Details for a time between periods: when the previous one closed, its last start, and when
    the next one opens that day."""
    periods = [p for _, p in hours.around(at)]
    details = {}
    before = [p for p in periods if p[1] <= at]
    if before:
        period = max(before, key=lambda p: p[1])
        details["closes_at"] = _hm(period[1], hours.tz)
        last = last_start(period)
        if last is not None:
            details["last_slot"] = _hm(last, hours.tz)
    after = [s for s, _ in periods if s > at]
    if after:
        details["opens_at"] = _hm(min(after), hours.tz)
    return details


def _closed_message(details: dict[str, str]) -> str:
    parts = ["That time is outside the booking hours."]
    if "last_slot" in details:
        parts.append(f"Closing at {details['closes_at']}, the last start is {details['last_slot']}.")
    if "opens_at" in details:
        parts.append(f"It opens again at {details['opens_at']}.")
    return " ".join(parts)


def _closed_day(hours: _Hours, at: datetime, alternatives: list[Slot]) -> Refusal:
    """Nothing opens that day: closed, or a public holiday the owner has not decided about (then
    nobody may say open or closed: the assistant says it will check)."""
    day = _day_of(at, hours.tz)
    opens = hours.next_start(at, ALTERNATIVE_DAYS)
    details: dict[str, Any] = {
        "date": day.isoformat(),
        "next_open": opens.astimezone(hours.tz).isoformat() if opens else None,
    }
    undecided = hours.undecided(day)
    if undecided:
        message = f"{undecided} is a public holiday and the owner has not said yet whether the store opens."
        return Refusal("holiday_unknown", message, alternatives, details | {"holiday": undecided})
    holiday = hours.holiday(day)
    return Refusal(
        "closed_day", "Closed that day.", alternatives, details | ({"holiday": holiday} if holiday else {})
    )


def first_slots(
    slots_fn: Callable[[date], list[Slot]], *, start_day: date, days: int = 14, limit: int = 3
) -> list[Slot]:
    """The first `limit` slots (one per start time) walking `days` days from `start_day`."""
    found: list[Slot] = []
    seen: set[float] = set()
    for n in range(days):
        for slot in slots_fn(start_day + timedelta(days=n)):
            if slot.starts_at.timestamp() not in seen:
                seen.add(slot.starts_at.timestamp())
                found.append(slot)
                if len(found) >= limit:
                    return found
    return found
