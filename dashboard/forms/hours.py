"""The weekly hours editor: rows of time inputs per day, closed dates and special hours picked in a
calendar. It reads the posted rows, says what is wrong next to the row (nothing is saved then),
or hands hours_set() clean intervals.

An evening past midnight is one interval whose end is earlier than its start (18:00 → 02:00), as
OpeningInterval stores it; it may not overlap the next morning's hours. That rule and the others
(no empty opening, no date twice) live in stores.services.hours, shared with the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from stores.models import OpeningInterval, Store
from stores.services.hours import hours_problems

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
    """(opens, closes), None for an empty row, or what is wrong with it. Whether the times make an
    opening (not ending when it starts, not overlapping another) is the store's rule, asked below."""
    if not row["opens"] and not row["closes"]:
        return None
    opens, closes = _time(row["opens"]), _time(row["closes"])
    if opens is None or closes is None:
        return _("Give both the opening and the closing time, like 11:30 and 14:30.")
    return opens, closes


def editor_read(post: QueryDict) -> HoursEditor:
    """The editor as typed; `errors` empty means `cleaned` holds what to save. Rows that cannot be
    read are refused here; what was read is checked by stores.services.hours, the rules the API
    obeys too, and each problem is shown next to the day or the list it came from."""
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

    closed_rows = _columns(post, "closed", ("date", "reason"))
    closed = []
    for row in closed_rows:
        if not row["date"]:  # an emptied date is removed, whatever its reason said
            continue
        day = _date(row["date"])
        if day is None:
            errors.setdefault("closed", _("Pick a closed date in the calendar."))
        else:
            closed.append({"date": day, "reason": row["reason"][:200]})

    special_rows = _columns(post, "special", ("date", "opens", "closes", "reason"))
    special = []
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

    for problem in hours_problems(intervals=intervals, closed_dates=closed, special_hours=special):
        if problem.group == "intervals":
            errors.setdefault(f"day{intervals[problem.index]['weekday']}", problem.message)
        else:
            errors.setdefault(
                {"closed_dates": "closed", "special_hours": "special"}[problem.group], problem.message
            )

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
