"""When a store is open and which slot is free: the read-only rules behind the assistant's
availability tools and the dashboard. The writes live in stores.services.bookings; a slot offered
here is never one its overlap checks (`_table_taken`, `_overlapping_bookings`) would refuse.

Time. Everything is computed on UTC instants and only results are shown in the store's zone:
Python compares and subtracts two datetimes of the same zone by their wall clocks, which is wrong
across a DST change. A wall time skipped in spring (02:30 in Paris on the last Sunday of March) is
read with the offset in force before the change, so it lands as far past the gap as it was into it
(03:30), as java.time does; a wall time repeated in autumn is its first occurrence (fold=0). Grids
step in real minutes, so a 23-hour day has no 02:xx slots and a 25-hour day has them twice.

Days. A local day's periods are the ones that open on it: Friday 19:00–01:00 belongs to Friday (its
reservations are Friday's, as the store's sign says), so `opening_periods(saturday)` leaves that
tail out and no period is counted twice when walking days. Questions about a moment (`is_open_at`,
`closes_at`, the check_* functions) also look at the previous day's periods, so Saturday 00:30 is
open. A closed date removes the periods that open on it, tail included.

Queries. Hours and closed dates cost one query (none when the store comes with opening_intervals
and closed_dates prefetched, as the assistant's does), resources one, busy times one per span of
days. `service.store` is one more when the service was not fetched through its store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import DateField, F, IntegerField, TimeField, Value
from django.utils import timezone

from stores.holidays import public_holiday
from stores.models import (
    BookingStatus,
    ClosedDate,
    Consultation,
    HolidayDecision,
    OpeningInterval,
    Reservation,
    ServiceBooking,
    ServiceResource,
    SpecialHours,
    Store,
    UniversalService,
)

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
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

# Row kinds of the hours union besides weekdays 0..6.
_CLOSED, _SPECIAL, _DECIDED = -1, -2, -3

Period = tuple[datetime, datetime]
Spans = dict[int, list[tuple[time, time]]]  # weekday → (opens, closes) wall-clock pairs
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


def reservation_duration() -> int:
    return int(getattr(settings, "RESERVATION_DURATION_MINUTES", RESERVATION_DURATION))


def last_seating() -> int:
    return int(getattr(settings, "RESERVATION_LAST_SEATING_MINUTES", LAST_SEATING_BEFORE_CLOSE))


# --- Time helpers ---------------------------------------------------------------------------
def zone_named(name: str) -> ZoneInfo:
    """A zone by name; a bad name falls back to the platform's zone rather than failing a call."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo(settings.TIME_ZONE)


def store_tz(store: Store) -> ZoneInfo:
    return zone_named(store.timezone)


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError("availability works on aware datetimes")  # astimezone would guess the zone
    return moment.astimezone(UTC)


def _instant(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _day_of(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _hm(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


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


# --- Opening hours --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Hours:
    tz: ZoneInfo
    weekly: Spans
    closed: frozenset[date]
    special: dict[date, list[tuple[time, time]]] = field(default_factory=dict)  # date → its own spans
    decided: frozenset[date] = frozenset()  # public holidays the owner answered for
    country: str = ""
    lang: str = "en"

    def holiday(self, day: date) -> str | None:
        return public_holiday(self.country, day, self.lang)

    def undecided(self, day: date) -> str | None:
        """The holiday's name when `day` is a public holiday the owner has said nothing about: no
        closed date, no special hours, no decision. Nobody can say whether the store opens."""
        if day in self.closed or day in self.special or day in self.decided:
            return None
        return self.holiday(day)

    def periods(self, day: date) -> list[Period]:
        """UTC periods opening on this local day, sorted, touching ones merged. An undecided
        holiday has none: nothing is offered on it until the owner answers."""
        if day in self.closed or self.undecided(day):
            return []
        spans = []
        for opens, closes in self.special.get(day) or self.weekly.get(day.weekday(), ()):
            ends_on = day + timedelta(days=1) if closes <= opens else day
            start, end = _instant(day, opens, self.tz), _instant(ends_on, closes, self.tz)
            if start < end:  # an opening pushed past the spring gap can overtake its closing
                spans.append((start, end))
        merged: list[Period] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def around(self, moment: datetime) -> list[tuple[date, Period]]:
        """The periods of the moment's local day and of the day before (its past-midnight tail)."""
        today = _day_of(moment, self.tz)
        return [(d, p) for d in (today - timedelta(days=1), today) for p in self.periods(d)]

    def containing(self, moment: datetime) -> tuple[date, Period] | None:
        return next(((d, p) for d, p in self.around(moment) if p[0] <= moment < p[1]), None)

    def next_start(self, after: datetime, horizon_days: int) -> datetime | None:
        """The first period start at or after `after`, skipping starts that only continue a period
        ending at that very moment (Friday 18:00–00:00 then Saturday 00:00–02:00)."""
        first = _day_of(after, self.tz)
        ends: set[datetime] = set()
        for n in range(-1, horizon_days + 1):
            for start, end in self.periods(first + timedelta(days=n)):
                if start >= after and start not in ends:
                    return start
                ends.add(end)
        return None


def _load_hours(store: Store, since: date | None = None) -> _Hours:
    """The store's weekly hours, and its closed dates, special hours and holiday decisions from
    `since` on. One query (a union, each row kind told apart by its first column), none when the
    four relations were prefetched."""
    cache = getattr(store, "_prefetched_objects_cache", {})
    rows: list[tuple[int, time | None, time | None, date | None]]
    if all(
        name in cache for name in ("opening_intervals", "closed_dates", "special_hours", "holiday_decisions")
    ):
        rows = [(i.weekday, i.opens, i.closes, None) for i in store.opening_intervals.all()]
        rows += [(_CLOSED, None, None, c.date) for c in store.closed_dates.all()]
        rows += [(_SPECIAL, h.opens, h.closes, h.date) for h in store.special_hours.all()]
        rows += [(_DECIDED, None, None, d.date) for d in store.holiday_decisions.all()]
    else:
        intervals = (
            OpeningInterval.objects.filter(store_id=store.pk)
            .annotate(on=Value(None, output_field=DateField()))
            .values_list("weekday", "opens", "closes", "on")
            .order_by()
        )
        dated = []
        for model, kind, with_hours in (
            (ClosedDate, _CLOSED, False),
            (SpecialHours, _SPECIAL, True),
            (HolidayDecision, _DECIDED, False),
        ):
            rows_qs = model.objects.filter(store_id=store.pk)
            if since is not None:
                rows_qs = rows_qs.filter(date__gte=since)
            clocks = (
                {"o": F("opens"), "c": F("closes")}
                if with_hours
                else {"o": Value(None, output_field=TimeField()), "c": Value(None, output_field=TimeField())}
            )
            dated.append(
                rows_qs.annotate(kind=Value(kind, output_field=IntegerField()), on=F("date"), **clocks)
                .values_list("kind", "o", "c", "on")
                .order_by()
            )
        rows = list(intervals.union(*dated, all=True))
    weekly: Spans = {}
    special: dict[date, list[tuple[time, time]]] = {}
    closed_days, decided = set(), set()
    for kind, opens, closes, on in rows:
        if kind == _CLOSED and on is not None:
            closed_days.add(on)
        elif kind == _DECIDED and on is not None:
            decided.add(on)
        elif kind == _SPECIAL and on is not None and opens is not None and closes is not None:
            special.setdefault(on, []).append((opens, closes))
        elif kind >= 0 and opens is not None and closes is not None:
            weekly.setdefault(kind, []).append((opens, closes))
    return _Hours(
        store_tz(store),
        weekly,
        frozenset(closed_days),
        special,
        frozenset(decided),
        store.country,
        "fr" if store.language.startswith("fr") else "en",
    )


def _hours_at(store: Store, moment: datetime) -> _Hours:
    return _load_hours(store, since=_day_of(moment, store_tz(store)) - timedelta(days=1))


def opening_periods(store: Store, day: date) -> list[tuple[datetime, datetime]]:
    """Aware (local) periods opening on this local day; a past-midnight one ends the next day and
    the previous evening's tail is not repeated here (see the module docstring). One query."""
    hours = _load_hours(store, since=day)
    return [(s.astimezone(hours.tz), e.astimezone(hours.tz)) for s, e in hours.periods(day)]


def is_open_at(store: Store, at: datetime) -> bool:
    """Opening minute included, closing minute excluded. One query."""
    at = _utc(at)
    return _hours_at(store, at).containing(at) is not None


def closes_at(store: Store, at: datetime) -> datetime | None:
    """End of the period `at` falls in (followed through periods that continue it), None when
    closed. One query."""
    at = _utc(at)
    hours = _hours_at(store, at)
    found = hours.containing(at)
    if found is None:
        return None
    end = found[1][1]
    for _ in range(7):  # a store open round the clock would chain forever
        following = next((e for _, (s, e) in hours.around(end) if s <= end < e), None)
        if following is None:
            break
        end = following
    return end.astimezone(hours.tz)


def next_opening(store: Store, after: datetime, *, horizon_days: int = 14) -> datetime | None:
    """The first opening at or after `after` within the horizon (local time). One query."""
    after = _utc(after)
    start = _hours_at(store, after).next_start(after, horizon_days)
    return start.astimezone(store_tz(store)) if start else None


@dataclass(frozen=True)
class DayHours:
    """What a store does on one date, as the assistant says it."""

    day: date
    # open (its weekday's hours) | special (hours of its own) | closed | unknown (an undecided
    # public holiday: say you will check, never guess)
    status: str
    periods: list[tuple[datetime, datetime]]  # aware, local; empty unless open/special
    holiday: str | None = None  # the public holiday's name, in the store's language
    reason: str = ""  # the closed date's or special hours' reason


def day_hours(store: Store, day: date) -> DayHours:
    """The store's hours on one date, with why (closed date, holiday decision, special hours).
    Two queries: hours, and the reason of the date's exception."""
    hours = _load_hours(store, since=day)
    holiday = hours.holiday(day)
    if hours.undecided(day):
        return DayHours(day, "unknown", [], holiday)
    periods = [(s.astimezone(hours.tz), e.astimezone(hours.tz)) for s, e in hours.periods(day)]
    if day in hours.closed:
        reason = (
            ClosedDate.objects.filter(store_id=store.pk, date=day).values_list("reason", flat=True).first()
        )
        return DayHours(day, "closed", [], holiday, reason or "")
    if day in hours.special:
        reason = SpecialHours.objects.filter(store_id=store.pk, date=day).exclude(reason="")
        return DayHours(
            day, "special", periods, holiday, reason.values_list("reason", flat=True).first() or ""
        )
    return DayHours(day, "open" if periods else "closed", periods, holiday)


def hours_summary(store: Store, lang: str) -> list[str]:
    """One line per run of days with the same hours, Monday first: "du mardi au samedi :
    11:30–14:30, 18:30–23:00", "Sunday and Monday: closed". French or English. One query."""
    lang = "fr" if lang.lower().startswith("fr") else "en"
    names = DAY_NAMES[lang]
    spans: dict[int, list[str]] = {d: [] for d in range(7)}
    for interval in store.opening_intervals.all():
        spans[interval.weekday].append(f"{interval.opens:%H:%M}–{interval.closes:%H:%M}")
    closed = "fermé" if lang == "fr" else "closed"
    texts = [", ".join(sorted(spans[d])) or closed for d in range(7)]  # "HH:MM" sorts in time order
    lines, first = [], 0
    while first < 7:
        last = first
        while last + 1 < 7 and texts[last + 1] == texts[first]:
            last += 1
        if last == first:
            label = names[first]
        elif last == first + 1:
            label = f"{names[first]} {'et' if lang == 'fr' else 'and'} {names[last]}"
        else:
            label = (
                f"du {names[first]} au {names[last]}" if lang == "fr" else f"{names[first]} to {names[last]}"
            )
        lines.append(f"{label} : {texts[first]}" if lang == "fr" else f"{label}: {texts[first]}")
        first = last + 1
    return lines


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


def _reservation_rows(ids: list[int], lo: datetime, hi: datetime) -> Iterator[tuple[int, datetime, datetime]]:
    rows = (
        Reservation.objects.filter(
            resource_id__in=ids, status__in=ACTIVE, starts_at__lt=hi, starts_at__gt=lo - LOOKBACK
        )
        .values_list("resource_id", "starts_at", "duration_minutes")
        .order_by()
    )
    return ((rid, start, start + _minutes(minutes)) for rid, start, minutes in rows)


def _staff_rows(ids: list[int], lo: datetime, hi: datetime) -> Iterator[tuple[int, datetime, datetime]]:
    """Service bookings and consultations of these resources, in one query: a person giving a
    consultation cannot cut hair at the same time, and the reverse."""
    bookings = (
        ServiceBooking.objects.filter(
            resource_id__in=ids, status__in=ACTIVE, starts_at__lt=hi, ends_at__gt=lo
        )
        .annotate(until=F("ends_at"), extra=Value(0, output_field=IntegerField()))
        .values_list("resource_id", "starts_at", "until", "extra")
        .order_by()
    )
    consultations = (
        Consultation.objects.filter(
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
