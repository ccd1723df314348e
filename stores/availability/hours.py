"""Opening hours: when a store is open, its periods on a day, and what it does on a date.
Periods are UTC instants; see the package docstring for days, DST and queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import DateField, F, IntegerField, TimeField, Value

from stores.holidays import public_holiday
from stores.models import ClosedDate, HolidayDecision, OpeningInterval, SpecialHours, Store

# Row kinds of the hours union besides weekdays 0..6.
_CLOSED, _SPECIAL, _DECIDED = -1, -2, -3

Period = tuple[datetime, datetime]
Spans = dict[int, list[tuple[time, time]]]  # weekday → (opens, closes) wall-clock pairs


# --- Time helpers ---------------------------------------------------------------------------
def store_tz(store: Store) -> ZoneInfo:
    return store.zone


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


def weekly_hours(store: Store) -> list[list[tuple[time, time]]]:
    """The store's regular week, Monday first: each day's (opens, closes) pairs in time order, an
    empty list when closed. Data only; the assistant words it (ai.brains.phrases.hours_lines)."""
    week: list[list[tuple[time, time]]] = [[] for _ in range(7)]
    for interval in store.opening_intervals.all():
        week[interval.weekday].append((interval.opens, interval.closes))
    return [sorted(spans) for spans in week]
