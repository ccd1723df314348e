"""The rules a store's hours obey, in one place: what the API's PUT .../hours, the dashboard's
hours editor and a holiday's special hours are all checked against before anything is written.

- an opening cannot start and end at the same time;
- two weekly openings cannot overlap. An evening past midnight (18:00 → 02:00, `closes` earlier
  than `opens`, as OpeningInterval stores it) runs into the next morning, Sunday's into Monday's;
- a closed date is listed once;
- two special openings cannot overlap, on the same date or from an evening into the next date.

Each problem names the field as the API does ("intervals.3", "closed_dates.1", "special_hours.0.closes"),
so the API answers 422 naming it and the editor shows it next to the row it came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.utils.translation import gettext as _

from kalliky.errors import ValidationFailed

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES


@dataclass(frozen=True)
class HoursProblem:
    group: str  # "intervals", "closed_dates" or "special_hours"
    index: int  # the row in that list
    message: str
    part: str = ""  # the row's field at fault, when it is one ("closes")

    @property
    def field(self) -> str:
        return ".".join(str(bit) for bit in (self.group, self.index, self.part) if bit != "")


class HoursRefused(ValidationFailed):
    """The hours break a rule; every problem is listed, each naming its field."""

    def __init__(self, problems: Sequence[HoursProblem]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field)
        self.problems = list(problems)

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [{"field": p.field, "message": p.message} for p in self.problems]
        return body


def _clock(value: time | str) -> time | None:
    """A time, also from "HH:MM" as some callers pass it (the model field takes both)."""
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _day(value: date | str) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _overlapping(spans: Iterable[tuple[int, int, time, time]], wrap: int | None) -> list[int]:
    """The indexes of the spans (index, day number, opens, closes) that start before an earlier
    one has ended. A span whose closing is earlier than its opening ends the next day; with
    `wrap` (the week's length in minutes) the last day's night runs into the first day."""
    segments = []
    for index, day, opens, closes in spans:
        start = day * DAY_MINUTES + _minutes(opens)
        end = day * DAY_MINUTES + _minutes(closes) + (DAY_MINUTES if closes < opens else 0)
        segments.append((start, end, index))
        if wrap is not None and end > wrap:  # Sunday night into Monday morning
            segments.append((start - wrap, end - wrap, index))
    segments.sort()
    found: list[int] = []
    latest_end = None
    for start, end, index in segments:
        if latest_end is not None and start < latest_end and index not in found:
            found.append(index)
        latest_end = end if latest_end is None else max(latest_end, end)
    return found


def hours_problems(
    *,
    intervals: Sequence[dict[str, Any]],
    closed_dates: Sequence[dict[str, Any]],
    special_hours: Sequence[dict[str, Any]] | None = None,
) -> list[HoursProblem]:
    """What is wrong with these hours (the arguments of hours_set), in the order of the lists."""
    problems: list[HoursProblem] = []
    same_time = _("An opening cannot start and end at the same time.")
    unreadable = _("Give both the opening and the closing time, like 11:30 and 14:30.")

    weekly: list[tuple[int, int, time, time]] = []
    for n, interval in enumerate(intervals):
        opens, closes = _clock(interval["opens"]), _clock(interval["closes"])
        if opens is None or closes is None:
            problems.append(HoursProblem("intervals", n, unreadable))
        elif opens == closes:
            problems.append(HoursProblem("intervals", n, same_time, "closes"))
        else:
            weekly.append((n, interval["weekday"], opens, closes))
    for n in sorted(_overlapping(weekly, wrap=WEEK_MINUTES)):
        problems.append(
            HoursProblem(
                "intervals",
                n,
                _("Two openings overlap here (an evening past midnight counts on the next morning too)."),
            )
        )

    seen: set[date] = set()
    for n, closed in enumerate(closed_dates):
        day = _day(closed["date"])
        if day is None:
            problems.append(HoursProblem("closed_dates", n, _("Pick a closed date in the calendar."), "date"))
        elif day in seen:
            problems.append(
                HoursProblem("closed_dates", n, _("%(date)s is listed twice.") % {"date": day.isoformat()})
            )
        else:
            seen.add(day)

    special: list[tuple[int, int, time, time]] = []
    dates: dict[int, date] = {}
    for n, hours in enumerate(special_hours or ()):
        day, opens, closes = _day(hours["date"]), _clock(hours["opens"]), _clock(hours["closes"])
        if day is None:
            message = _("Pick the date of the special hours in the calendar.")
            problems.append(HoursProblem("special_hours", n, message, "date"))
        elif opens is None or closes is None:
            problems.append(HoursProblem("special_hours", n, unreadable))
        elif opens == closes:
            problems.append(HoursProblem("special_hours", n, same_time, "closes"))
        else:
            special.append((n, day.toordinal(), opens, closes))
            dates[n] = day
    for n in sorted(_overlapping(special, wrap=None)):
        message = _("Two special openings of %(date)s overlap.") % {"date": dates[n].isoformat()}
        problems.append(HoursProblem("special_hours", n, message))
    return problems


def hours_check(
    *,
    intervals: Sequence[dict[str, Any]],
    closed_dates: Sequence[dict[str, Any]],
    special_hours: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Raise HoursRefused (422, each problem naming its field) unless the hours obey the rules."""
    problems = hours_problems(intervals=intervals, closed_dates=closed_dates, special_hours=special_hours)
    if problems:
        raise HoursRefused(problems)
