"""The weekly hours editor: rows of time inputs per day, closed dates and special hours picked in a
calendar. It reads the posted rows, says what is wrong next to the row (nothing is saved then),
or hands hours_set() clean intervals.

An evening past midnight is one interval whose end is earlier than its start (18:00 → 02:00), as
OpeningInterval stores it; it may not overlap the next morning's hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from stores.models import OpeningInterval, Store

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
SPARE_ROWS = 1  # empty rows offered after the saved ones, to add an interval or a date


@dataclass
class HoursEditor:
    """What the hours tab shows: the rows as saved or as typed, and each row group's error."""

    days: list[dict[str, Any]]
    closed: list[dict[str, str]]
    special: list[dict[str, str]]
    errors: dict[str, str] = field(default_factory=dict)
    cleaned: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _hm(value: time) -> str:
    return f"{value:%H:%M}"


def _pad(rows: list[dict[str, str]], blank: dict[str, str], least: int) -> list[dict[str, str]]:
    return rows + [dict(blank) for _ in range(max(SPARE_ROWS, least - len(rows)))]


def editor_of(store: Store) -> HoursEditor:
    """The editor filled with what is saved."""
    intervals = list(store.opening_intervals.order_by("weekday", "opens"))
    days = []
    for n, label in OpeningInterval.Weekday.choices:
        rows = [{"opens": _hm(i.opens), "closes": _hm(i.closes)} for i in intervals if i.weekday == n]
        days.append({"n": n, "label": label, "rows": _pad(rows, {"opens": "", "closes": ""}, 2)})
    closed = [{"date": d.date.isoformat(), "reason": d.reason} for d in store.closed_dates.order_by("date")]
    special = [
        {"date": h.date.isoformat(), "opens": _hm(h.opens), "closes": _hm(h.closes), "reason": h.reason}
        for h in store.special_hours.order_by("date", "opens")
    ]
    return HoursEditor(
        days=days,
        closed=_pad(closed, {"date": "", "reason": ""}, 1),
        special=_pad(special, {"date": "", "opens": "", "closes": "", "reason": ""}, 1),
    )


def _columns(post: QueryDict, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    columns = [post.getlist(f"{prefix}_{name}") for name in names]
    count = max((len(c) for c in columns), default=0)
    rows = []
    for i in range(count):
        cells = zip(names, columns, strict=True)
        rows.append({name: (col[i].strip() if i < len(col) else "") for name, col in cells})
    return rows


def _time(raw: str) -> time | None:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        return None


def _span(row: dict[str, str]) -> tuple[time, time] | str | None:
    """(opens, closes), None for an empty row, or what is wrong with it."""
    if not row["opens"] and not row["closes"]:
        return None
    opens, closes = _time(row["opens"]), _time(row["closes"])
    if opens is None or closes is None:
        return _("Give both the opening and the closing time, like 11:30 and 14:30.")
    if opens == closes:
        return _("An opening cannot start and end at the same time.")
    return opens, closes


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _week_overlap(spans: list[tuple[int, time, time]]) -> int | None:
    """The weekday of the first interval that overlaps an earlier one (an evening past midnight
    runs into the next day, Sunday's into Monday), or None."""
    segments = []
    for weekday, opens, closes in spans:
        start = weekday * DAY_MINUTES + _minutes(opens)
        end = weekday * DAY_MINUTES + _minutes(closes) + (DAY_MINUTES if closes < opens else 0)
        segments.append((start, end, weekday))
        if end > WEEK_MINUTES:  # Sunday night into Monday morning
            segments.append((start - WEEK_MINUTES, end - WEEK_MINUTES, weekday))
    segments.sort()
    for (_s1, end1, _d1), (start2, _e2, day2) in zip(segments, segments[1:], strict=False):
        if start2 < end1:
            return day2
    return None


def editor_read(post: QueryDict) -> HoursEditor:
    """The editor as typed; `errors` empty means `cleaned` holds what to save."""
    errors: dict[str, str] = {}
    days, intervals = [], []
    for n, label in OpeningInterval.Weekday.choices:
        rows = _columns(post, f"day{n}", ("opens", "closes"))
        days.append({"n": n, "label": label, "rows": _pad(rows, {"opens": "", "closes": ""}, 2)})
        for row in rows:
            span = _span(row)
            if isinstance(span, str):
                errors.setdefault(f"day{n}", span)
            elif span is not None:
                intervals.append({"weekday": n, "opens": span[0], "closes": span[1]})
    overlap = _week_overlap([(i["weekday"], i["opens"], i["closes"]) for i in intervals])
    if overlap is not None:
        errors.setdefault(
            f"day{overlap}",
            _("Two openings overlap here (an evening past midnight counts on the next morning too)."),
        )

    closed_rows = _columns(post, "closed", ("date", "reason"))
    closed, seen = [], set()
    for row in closed_rows:
        if not row["date"]:  # an emptied date is removed, whatever its reason said
            continue
        day = _date(row["date"])
        if day is None:
            errors.setdefault("closed", _("Pick a closed date in the calendar."))
        elif day in seen:
            errors.setdefault("closed", _("%(date)s is listed twice.") % {"date": day.isoformat()})
        else:
            seen.add(day)
            closed.append({"date": day, "reason": row["reason"][:200]})

    special_rows = _columns(post, "special", ("date", "opens", "closes", "reason"))
    special, special_spans = [], []
    for row in special_rows:
        if not (row["date"] or row["opens"] or row["closes"]):
            continue
        day, span = _date(row["date"]), _span(row)
        if day is None:
            errors.setdefault("special", _("Pick the date of the special hours in the calendar."))
        elif not isinstance(span, tuple):
            errors.setdefault("special", span or _("Give the special hours of %(date)s.") % {"date": day})
        else:
            special.append({"date": day, "opens": span[0], "closes": span[1], "reason": row["reason"][:200]})
            special_spans.append((day.weekday(), day, span))
    for day in {d for _w, d, _s in special_spans}:
        same = [(0, s[0], s[1]) for _w, d, s in special_spans if d == day]
        if _week_overlap(same) is not None:
            errors.setdefault("special", _("Two special openings of %(date)s overlap.") % {"date": day})

    for day in days:
        day["error"] = errors.get(f"day{day['n']}", "")
    return HoursEditor(
        days=days,
        closed=_pad(closed_rows, {"date": "", "reason": ""}, 1),
        special=_pad(special_rows, {"date": "", "opens": "", "closes": "", "reason": ""}, 1),
        errors=errors,
        cleaned={} if errors else {"intervals": intervals, "closed_dates": closed, "special_hours": special},
    )


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
