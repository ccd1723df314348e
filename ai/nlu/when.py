"""Dates and times as callers say them, resolved against the store's "now".

Rules for what speech leaves open (documented because the brain relies on them):
- an hour from 1 to 7 with no am/pm, no "du matin"/"morning" is afternoon or evening (7 → 19:00);
- an hour from 8 to 11 with no marker is taken as said but flagged `ambiguous`, and becomes
  evening when the sentence says tonight/ce soir/dinner; the brain may retry it + 12 h when the
  morning is closed;
- a weekday alone means its next occurrence, today included; "prochain"/"next" excludes today;
- a day of the month alone is this month, or next month once it has passed;
- a part of the day without a time (demain soir) leaves `time` empty and sets `part_of_day`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ai.nlu.numbers import HUNDRED, TENS, UNITS, find_numbers
from ai.nlu.text import normalize

WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "fev": 2, "apr": 4, "avr": 4, "jun": 6, "jul": 7, "juil": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
PART_TIMES = {
    "morning": time(10),
    "noon": time(12, 30),
    "afternoon": time(15),
    "evening": time(20),
    "night": time(21),
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:er|re|eme|st|nd|rd|th)?"

RE_HHMM = re.compile(
    r"\b(\d{1,2})\s*(?:h|:|heures?)\s*(\d{2})?\b(?:\s*(du soir|du matin|de l apres midi|pm|am|p m|a m))?"
)
RE_AMPM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a m|p m)\b")
RE_AMPM_GLUED = re.compile(r"\b(\d{1,2})(am|pm)\b")
RE_AT_HOUR = re.compile(
    r"\b(?:a|at|vers|around|for about|des)\s+(\d{1,2})\b"
    r"(?!\s*(?:personnes?|people|persons?|pers|couverts?|h\b|:|heures?))"
)
RE_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH_RE})\b")
RE_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\s+(?:the\s+)?(\d{{1,2}}){_ORD}\b")
RE_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
RE_DAY_ONLY = re.compile(
    r"\b(?:le|the|on the)\s+(\d{1,2})" + _ORD + r"\b(?!\s*(?:personnes?|people|h\b|heures?|:))"
)
RE_IN_DELTA = re.compile(r"\b(?:dans|in)\s+(\S+(?:\s+\S+)?)\s+(minutes?|min|heures?|hours?|h|jours?|days?)\b")


@dataclass(frozen=True)
class When:
    date: date | None
    time: time | None
    part_of_day: str | None = None
    ambiguous: bool = False


def _num(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text in ("une", "un", "a", "an", "one"):
        return 1
    found = find_numbers(text)
    return found[0].value if found else None


def _part_of_day(norm: str) -> str | None:
    if re.search(r"\b(ce soir|tonight|this evening|soir|soiree|evening|diner|dinner)\b", norm):
        return "evening"
    if re.search(r"\b(apres midi|afternoon)\b", norm):
        return "afternoon"
    if re.search(r"\b(ce midi|midi|noon|lunch|dejeuner|lunchtime)\b", norm):
        return "noon"
    if re.search(r"\b(matin|morning|matinee)\b", norm):
        return "morning"
    if re.search(r"\b(nuit|night)\b", norm):
        return "night"
    return None


def _apply_marker(hour: int, marker: str | None, part: str | None) -> tuple[int, bool]:
    """(24 h hour, ambiguous?) from a spoken hour and its am/pm marker or part of day."""
    marker = (marker or "").replace(" ", "")
    if marker in ("pm", "dusoir", "del apresmidi", "del'apresmidi", "delapresmidi"):
        return (hour + 12 if hour < 12 else hour), False
    if marker in ("am", "dumatin"):
        return (0 if hour == 12 else hour), False
    if hour >= 12 or hour == 0:
        return hour, False
    if part in ("evening", "night", "afternoon") and hour <= 11:
        return hour + 12, False
    if part == "morning":
        return hour, False
    if 1 <= hour <= 7:
        return hour + 12, False
    return hour, True


def parse_time(text: str, part: str | None = None) -> tuple[time, bool] | None:
    norm = normalize(text)
    part = part if part is not None else _part_of_day(norm)
    for regex in (RE_AMPM, RE_AMPM_GLUED):
        m = regex.search(norm)
        if m:
            hour = int(m.group(1))
            minutes = int(m.group(2)) if regex is RE_AMPM and m.group(2) else 0
            marker = m.group(3) if regex is RE_AMPM else m.group(2)
            h, _ = _apply_marker(hour, marker, part)
            if 0 <= h < 24 and minutes < 60:
                return time(h, minutes), False
    m = RE_HHMM.search(norm)
    if m:
        hour, minutes = int(m.group(1)), int(m.group(2) or 0)
        rest = norm[m.end() :]
        if not m.group(2):
            if re.match(r"\s*(et demie?|and a half)\b", rest):
                minutes = 30
            elif re.match(r"\s*et quart\b", rest):
                minutes = 15
            elif re.match(r"\s*moins (le )?quart\b", rest):
                hour, minutes = hour - 1, 45
            else:
                following = re.match(r"\s*(\S+(?:\s+\S+)?)", rest)
                if following:
                    value = _num(following.group(1))
                    if value is not None and 0 < value < 60 and following.group(1).split()[0] not in (
                        "personnes", "people",
                    ):  # fmt: skip
                        words = following.group(1).split()
                        if words[0] in TENS or words[0] in UNITS or words[0].isdigit():
                            minutes = value
        h, ambiguous = _apply_marker(hour, m.group(3), part)
        if 0 <= h < 24 and 0 <= minutes < 60:
            return time(h, minutes), ambiguous
    if re.search(r"\bmidi\b", norm) and not re.search(r"\bapres midi\b", norm):
        minutes = (
            30
            if re.search(r"\bmidi (et demi|trente|30)\b", norm)
            else 15
            if re.search(r"\bmidi et quart\b", norm)
            else 0
        )
        return time(12, minutes), False
    if re.search(r"\bnoon\b", norm):
        return time(12, 0), False
    if re.search(r"\b(minuit|midnight)\b", norm):
        return time(0, 0), False
    words = norm.split()
    # "half past seven", "quarter past eight", "quarter to eight"
    m = re.search(r"\b(half|quarter) (past|to) (\S+)", norm)
    if m:
        hour = _num(m.group(3))
        if hour is not None and 1 <= hour <= 12:
            minutes = 30 if m.group(1) == "half" else 15
            if m.group(2) == "to":
                hour, minutes = hour - 1, 60 - minutes
            h, ambiguous = _apply_marker(hour, None, part)
            return time(h % 24, minutes), ambiguous
    # spoken words: "vingt heures trente", "huit heures du soir", "seven o clock", "at eight thirty"
    for i, word in enumerate(words):
        if word in ("heures", "heure", "o", "oclock"):
            if word == "o" and not (i + 1 < len(words) and words[i + 1] == "clock"):
                continue
            hour = _hour_before(words, i)
            if hour is None:
                continue
            after = words[i + 2 :] if word == "o" else words[i + 1 :]
            minutes = 0
            if after[:2] == ["et", "demie"] or after[:2] == ["et", "demi"]:
                minutes = 30
            elif after[:2] == ["et", "quart"]:
                minutes = 15
            elif after and (after[0] in TENS or after[0] in UNITS or after[0].isdigit()):
                value = _num(" ".join(after[:2]))
                if value is not None and 0 < value < 60:
                    minutes = value
            marker = "du soir" if "soir" in after[:3] else "du matin" if "matin" in after[:3] else None
            h, ambiguous = _apply_marker(hour, marker, part)
            if 0 <= h < 24:
                return time(h, minutes), ambiguous
    for i, word in enumerate(words[:-1]):
        if word in ("at", "a", "vers", "around"):
            j = i + 1
            hour = _num(words[j]) if (words[j] in UNITS or words[j] in TENS or words[j].isdigit()) else None
            if hour is None or not 1 <= hour <= 23:
                continue
            if j + 1 < len(words) and words[j + 1] in ("personnes", "personne", "people", "persons", "pers"):
                continue
            minutes = 0
            if j + 1 < len(words) and (words[j + 1] in TENS or words[j + 1] in ("fifteen", "quinze")):
                value = _num(" ".join(words[j + 1 : j + 3]))
                if value is not None and value < 60:
                    minutes = value
            tail = words[j + 1 : j + 5]
            marker = next((w for w in tail if w in ("pm", "am")), None)
            if marker is None and "soir" in tail:
                marker = "du soir"
            h, ambiguous = _apply_marker(hour, marker, part)
            return time(h, minutes), ambiguous
    m = RE_AT_HOUR.search(norm)
    if m:
        h, ambiguous = _apply_marker(int(m.group(1)), None, part)
        if 0 <= h < 24:
            return time(h, 0), ambiguous
    return None


def _hour_before(words: list[str], i: int) -> int | None:
    """The hour spoken right before "heures" (one to three words: "vingt et une", "dix huit")."""
    for span in (3, 2, 1):
        if i - span < 0:
            continue
        chunk = words[i - span : i]
        if not all(w in UNITS or w in TENS or w in HUNDRED or w.isdigit() or w == "et" for w in chunk):
            continue
        value = _num(" ".join(chunk))
        if value is not None and 0 <= value <= 24:
            return value
    return None


def parse_date(text: str, today: date) -> date | None:
    norm = normalize(text)
    if re.search(r"\b(apres demain|day after tomorrow)\b", norm):
        return today + timedelta(days=2)
    if re.search(r"\b(demain|tomorrow)\b", norm):
        return today + timedelta(days=1)
    if re.search(
        r"\b(aujourd hui|today|tonight|ce soir|ce midi|this evening|this afternoon|ce matin)\b", norm
    ):
        return today
    m = RE_IN_DELTA.search(norm)
    if m and m.group(2).startswith(("jour", "day")):
        n = _num(m.group(1))
        if n is not None:
            return today + timedelta(days=n)
    for regex, day_group, month_group in ((RE_DAY_MONTH, 1, 2), (RE_MONTH_DAY, 2, 1)):
        m = regex.search(norm)
        if m:
            return _resolve_day_month(int(m.group(day_group)), MONTHS[m.group(month_group)], today)
    # "le douze decembre", "le premier mars", "december twelfth" is rare: words before a month
    words = norm.split()
    for i, word in enumerate(words):
        if word in MONTHS and i > 0 and (word not in ("mars", "mai", "may", "sept") or words[i - 1] != "a"):
            before = " ".join(words[max(0, i - 3) : i])
            if words[i - 1] in ("premier", "1er"):
                return _resolve_day_month(1, MONTHS[word], today)
            found = find_numbers(before)
            if found and 1 <= found[-1].value <= 31 and found[-1].end == len(before.split()):
                return _resolve_day_month(found[-1].value, MONTHS[word], today)
    m = RE_SLASH.search(norm)
    if m:
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return _resolve_day_month(day, month, today)
    for i, word in enumerate(words):
        if word in WEEKDAYS:
            target = WEEKDAYS[word]
            context = words[max(0, i - 1) : i + 2]
            strictly_next = "prochain" in context or "next" in context
            delta = (target - today.weekday()) % 7
            if strictly_next and delta == 0:
                delta = 7
            return today + timedelta(days=delta)
    m = RE_DAY_ONLY.search(norm)
    if m:
        day = int(m.group(1))
        if 1 <= day <= 31:
            month, year = today.month, today.year
            if day < today.day:
                month, year = (1, year + 1) if month == 12 else (month + 1, year)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def _resolve_day_month(day: int, month: int, today: date) -> date | None:
    year = today.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return None
    if candidate < today:
        try:
            candidate = date(year + 1, month, day)
        except ValueError:
            return None
    return candidate


def parse_when(text: str, now: datetime, lang: str | None = None) -> When | None:
    norm = normalize(text)
    m = RE_IN_DELTA.search(norm)
    if m and not m.group(2).startswith(("jour", "day")):
        n = _num(m.group(1))
        if n is not None and n > 0:
            unit = m.group(2)
            delta = (
                timedelta(hours=n)
                if unit.startswith(("heure", "hour")) or unit == "h"
                else timedelta(minutes=n)
            )
            at = now + delta
            return When(at.date(), time(at.hour, at.minute))
    part = _part_of_day(norm)
    parsed_time = parse_time(text, part)
    day = parse_date(text, now.date())
    if parsed_time is None and day is None and part is None:
        return None
    if (
        parsed_time is None
        and day is None
        and part is not None
        and not re.search(
            r"\b(ce soir|tonight|ce midi|this evening|this afternoon|ce matin|this morning)\b", norm
        )
    ):
        # "le soir" alone in a sentence about something else is not a date
        if not re.search(
            r"\b(soir|midi|matin|evening|afternoon|morning|lunch|dinner|diner|dejeuner)\b", norm
        ):
            return None
    the_time, ambiguous = parsed_time if parsed_time is not None else (None, False)
    return When(day, the_time, part, ambiguous)


def combine(when: When, now: datetime) -> datetime | None:
    """A concrete local datetime: the date defaults to today, the time to the part of day."""
    the_time = when.time or (PART_TIMES.get(when.part_of_day) if when.part_of_day else None)
    if the_time is None:
        return None
    day = when.date or now.date()
    return datetime.combine(day, the_time, tzinfo=now.tzinfo)
