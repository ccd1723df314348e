"""Dates and times as callers say them, resolved against the store's local "now".

Rules for what speech leaves open (the brain relies on them):
- Hours without am/pm: an hour from 1 to 7 is afternoon/evening (7 → 19:00: nobody books at 7 am
  on the phone); 8 to 11 is taken as said (8 → 08:00) and flagged `ambiguous`, unless the sentence
  carries an evening/afternoon marker (ce soir, tonight, du soir, dinner, pm…) which makes it pm.
  The brain, which knows the opening hours, may try +12 h when an ambiguous morning is closed.
  "du matin"/"am"/"this morning" keep the hour as said; "at night" makes 1–5 am and 6–11 pm.
- A weekday alone is its next occurrence, today included ("samedi" said on a Saturday is today);
  "prochain"/"next" means the next 7 days without today; "la semaine prochaine"/"next week" is the
  weekday of next (Monday-based) week; "samedi en huit" adds a week.
- A day of the month alone ("le 3", "on the 3rd") is this month while not past, else next month;
  a day and a month without year is this year while not past, else next year; "12/12" is day/month.
- "dans une heure", "in 20 minutes" give both date and time (now + delta, to the minute);
  "dans huit jours" is a week and "dans quinze jours" two weeks, as French means them.
- A part of the day without a time ("demain soir") leaves `time` empty and sets `part_of_day`;
  `combine` turns it into morning 10:00, noon 12:30, afternoon 15:00, evening 20:00, night 21:00.
- `date` stays None when only a time is said: today or tomorrow is the caller's decision.
- Quantities are not times: a bare number is a time only after a preposition (à, at, vers,
  around…) and before nothing that looks like a noun; "2 personnes", "deux pizzas" are not 2:00.
- Ordinal words alone ("le premier", "the second") are choices, not dates: only with a month.
- "midi"/"noon" is 12:00 (and part of day "noon"), except "le midi"/"du midi" (lunchtime in
  general); "minuit"/"midnight" is 00:00. Durations ("pendant deux heures", "plus d'une heure",
  "j'ai attendu une heure") are not clock times.
- `lang="en"` stops "a 8" from being read as the French "à 8".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ai.nlu.numbers import NumberMatch, find_numbers
from ai.nlu.text import normalize

WEEKDAYS: dict[str, int] = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
MONTHS: dict[str, int] = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "janv": 1, "jan": 1, "fevr": 2, "fev": 2, "feb": 2, "avr": 4, "apr": 4, "juil": 7, "jul": 7, "aug": 8,
    "sept": 9, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Month words that are also other words (Mars bars, "may I", "sept" = 7): only with a digit day
# or after "le"/"the".
_SHY_MONTHS = frozenset({"mars", "may", "sept", "jan", "sep", "dec", "oct", "nov", "apr", "aug", "jul"})
ORDINAL_WORDS: dict[str, int] = {
    "premier": 1, "premiere": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
PART_TIMES: dict[str, time] = {
    "morning": time(10),
    "noon": time(12, 30),
    "afternoon": time(15),
    "evening": time(20),
    "night": time(21),
}

# --- patterns (compiled once) ----------------------------------------------------------------
_GREETINGS = re.compile(
    r"\b(?:good (?:morning|afternoon|evening|night|day)|bonne (?:soiree|nuit|journee|apres midi|fin de \w+)|"
    r"have a (?:good|nice|great) (?:day|evening|night|afternoon|one))\b|"
    r"^(?:evening|morning|afternoon)\b(?= \w)"  # "Evening! A beer please": a greeting
)
_PARTS = re.compile(
    r"\b(apres midi|aprem|afternoon|petit dejeuner|breakfast|ce soir|tonight|tonite|soir|soiree|evening|"
    r"diner|dinner|matin|matinee|morning|midi|noon|lunch|lunchtime|dejeuner|nuit|night)\b"
)
_PART_OF: dict[str, str] = {
    "apres midi": "afternoon", "aprem": "afternoon", "afternoon": "afternoon",
    "petit dejeuner": "morning", "breakfast": "morning", "matin": "morning", "matinee": "morning",
    "morning": "morning", "ce soir": "evening", "tonight": "evening", "tonite": "evening", "soir": "evening",
    "soiree": "evening", "evening": "evening", "diner": "evening", "dinner": "evening", "midi": "noon",
    "noon": "noon", "lunch": "noon", "lunchtime": "noon", "dejeuner": "noon", "nuit": "night",
    "night": "night",
}  # fmt: skip
_AFTER_TOMORROW = re.compile(r"\b(?:apres demain|after tomorrow|surlendemain)\b")
_TOMORROW = re.compile(r"\b(?:demain|tomorrow|tomorow|tommorow|tommorrow|tmrw)\b")
_BEFORE_YESTERDAY = re.compile(r"\b(?:avant hier|day before yesterday)\b")
_YESTERDAY = re.compile(r"\b(?:hier|yesterday)\b")
_TODAY = re.compile(
    r"\b(?:aujourd hui|aujourdhui|today|tonight|tonite|ce soir|ce midi|ce matin|cet apres midi|cette nuit|"
    r"this (?:morning|afternoon|evening)|later today)\b"
)
_WEEKEND = re.compile(r"\b(?:week end|weekend)\b")
_NEXT_WEEK = re.compile(r"\b(?:semaine prochaine|next week|following week|semaine d apres|week after)\b")
_NEXT = re.compile(r"\b(?:next|prochain|prochaine)\b")
_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b")
_DAY_TOKEN = re.compile(r"^(\d{1,2})(er|re|e|eme|ieme|st|nd|rd|th)?$")
_CLOCK_TOKEN = re.compile(r"^(\d{1,2})(?:h|:)(\d{2})?$")  # 20h30, 20h, 20:30
_AMPM_TOKEN = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$")  # 8pm, 8:30pm
_ISH_TOKEN = re.compile(r"^(\d{1,2})ish$")
_DURATION_TOKEN = re.compile(r"^(\d{1,3})(h|mn|min|mins)(\d{2})?$")  # dans 1h30, in 20min
_YEAR_TOKEN = re.compile(r"^20\d\d$")
_HALF_HOUR = ("une demi heure", "half an hour", "a half hour", "half hour", "a half an hour")
_QUARTER_HOUR = ("un quart d heure", "a quarter of an hour", "quarter of an hour", "a quarter hour")
_THREE_QUARTERS = ("trois quarts d heure", "three quarters of an hour")

_CHOOSING = frozenset("prends prend prendrai prenez veux voudrais choisis choisi take want have".split())
_HOUR_WORDS = frozenset({"h", "heure", "heures"})
# A bare number is an hour after one of these ("à 8", "at eight", "vers 9", "around 7").
_PREPS = frozenset(
    "a at vers around about round toward towards avant before apres after des by until till jusqu".split()
)
# What may follow a bare hour: nothing, or words that are not the noun a quantity would count.
_TIME_FOLLOWERS = frozenset(
    "pm am p ce cet cette du de demain tomorrow tonight tonite today aujourd this le la on next prochain "
    "prochaine s il svp please merci thanks thank et ou or and si if pour for alors then c ca au sous under "
    "in precises precise pile sharp environ approximately oclock o je j i we nous vous you ok okay plait is "
    "it that maybe peut plutot rather instead soir matin evening morning night afternoon midi possible "
    "ish exactement exactly please euh um hein non no oui yes mais but avec with par".split()
) | frozenset(WEEKDAYS)
# Duration words before an hour count ("pendant 2 heures"): not a clock time.
# Markers that also start a date phrase: after a bare number they do not make it an hour.
_SOFT_MARKERS = frozenset(
    {("ce", "soir"), ("ce", "matin"), ("this", "evening"), ("this", "morning"), ("this", "afternoon"),
     ("le", "soir"), ("le", "matin"), ("cette", "nuit"), ("cet", "apres")}
)  # fmt: skip
_DURATION_LEADS = frozenset(
    "pendant durant depuis during attendu attends attend attendre patiente fait waited wait waiting "
    "took".split()
)
_NOT_MINUTES_AFTER = frozenset(
    "personnes personne pers people persons guests couverts adultes adults enfants kids children "
    "pizzas pizza euros euro eur dollars bucks pounds".split()
)


@dataclass(frozen=True)
class When:
    date: date | None
    time: time | None
    part_of_day: str | None = None  # "morning" | "noon" | "afternoon" | "evening" | "night"
    ambiguous: bool = False  # an hour 8–11 said with no am/pm nor part of day


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    marker: str | None  # "am" | "pm" | "night" | None: said right after the time
    start: int
    strength: int  # 3: unmistakably a time (20h, 8 pm, midi); 2: a bare hour in a time context


# --- small helpers ---------------------------------------------------------------------------
def _numbers(norm: str) -> tuple[dict[int, NumberMatch], dict[int, NumberMatch]]:
    found = find_numbers(norm)
    return {m.start: m for m in found}, {m.end: m for m in found}


def _part_of_day(norm: str) -> str | None:
    m = _PARTS.search(norm)
    if m is None:
        return None
    # "apres midi" is afternoon, not noon; the alternation lists it first at the same position
    return _PART_OF[m.group(1)]


def _marker_after(words: list[str], j: int) -> str | None:
    """am/pm said right after a time: "8h du soir", "8 in the morning", "seven at night"."""
    a, b, c, d = (words[j : j + 4] + ["", "", "", ""])[:4]
    if a == "pm" or (a, b) == ("p", "m") or a == "tonight":
        return "pm"
    if a == "am" or (a, b) == ("a", "m"):
        return "am"
    if a in ("du", "le", "ce", "this"):
        if b in ("soir", "evening", "afternoon"):
            return "pm"
        if b in ("matin", "morning"):
            return "am"
    if (a, b) == ("in", "the"):
        if c in ("evening", "afternoon"):
            return "pm"
        if c == "morning":
            return "am"
    if (a, b, c, d) == ("de", "l", "apres", "midi") or (a, b, c) == ("cet", "apres", "midi"):
        return "pm"
    if (a, b, c) == ("de", "la", "nuit"):
        return "am"
    if (a, b) in (("at", "night"), ("cette", "nuit")):
        return "night"
    return None


def _to_24h(hour: int, marker: str | None, part: str | None) -> tuple[int, bool] | None:
    """(hour 0–23, ambiguous) from a spoken hour, its own am/pm and the sentence's part of day."""
    if not 0 <= hour <= 24:
        return None
    if hour == 24:
        return 0, False
    if marker == "pm":
        return (hour + 12 if hour < 12 else hour), False
    if marker == "am":
        return (0 if hour == 12 else hour), False
    if marker == "night" or (marker is None and part == "night" and 1 <= hour <= 11):
        if hour == 12:
            return 0, False
        return (hour if hour <= 5 or hour > 12 else hour + 12), False
    if hour == 0 or hour >= 12:
        return hour, False
    if part in ("afternoon", "evening"):
        return hour + 12, False
    if part == "morning":
        return hour, False
    if part == "noon":  # lunch at 1 is 13:00, at 11 is 11:00
        return (hour + 12 if hour <= 7 else hour), False
    if hour <= 7:
        return hour + 12, False
    return hour, True


def _minutes_after(
    words: list[str], j: int, starts: dict[int, NumberMatch], hour: int
) -> tuple[int, int, int]:
    """Minutes spoken after an hour: (hour, minute, index after them). "et demie", "moins le quart",
    "trente", "quarante cinq", "oh five"."""
    n = len(words)
    a = words[j] if j < n else ""
    b = words[j + 1] if j + 1 < n else ""
    if a == "et" and b in ("demie", "demi"):
        return hour, 30, j + 2
    if a == "et" and b == "quart":
        return hour, 15, j + 2
    if a == "moins":
        if b == "le" and j + 2 < n and words[j + 2] == "quart":
            return hour - 1, 45, j + 3
        if b == "quart":
            return hour - 1, 45, j + 2
        m = starts.get(j + 1)
        if m is not None and 1 <= m.value <= 30:
            return hour - 1, 60 - m.value, m.end
    if words[j : j + 3] == ["and", "a", "half"]:
        return hour, 30, j + 3
    if a in ("o", "oh") and b != "clock":
        m = starts.get(j + 1)
        if m is not None and 1 <= m.value <= 9:
            return hour, m.value, m.end
    m = starts.get(j)
    if m is not None and 1 <= m.value <= 59 and words[j] not in ("un", "une", "a", "an"):
        after = words[m.end] if m.end < n else ""
        if after in ("minutes", "minute", "min"):
            return hour, m.value, m.end + 1
        # "vingt heures cinq" but not "à 20h deux margherita": small minutes need a clean ending
        if after not in _NOT_MINUTES_AFTER and after not in _HOUR_WORDS:
            if m.value >= 10 or _follower_ok(words, m.end):
                return hour, m.value, m.end
    return hour, 0, j


def _follower_ok(words: list[str], j: int) -> bool:
    return j >= len(words) or words[j] in _TIME_FOLLOWERS or words[j] in MONTHS


def _clock_at(
    words: list[str], i: int, starts: dict[int, NumberMatch], lang: str | None
) -> tuple[_Clock, int] | None:
    """A time starting at token i, with the index after it."""
    w = words[i]
    n = len(words)
    prev = words[i - 1] if i > 0 else ""
    # compact forms: 20h30, 20h, 20:30, 8pm, 8:30pm, 8ish
    m = _CLOCK_TOKEN.match(w)
    if m:
        if prev in _DURATION_LEADS:
            return None
        hour = int(m.group(1))
        if m.group(2) is not None:
            minute, end = int(m.group(2)), i + 1
        else:
            hour, minute, end = _minutes_after(words, i + 1, starts, hour)
        return _Clock(hour, minute, _marker_after(words, end), i, 3), end
    m = _AMPM_TOKEN.match(w)
    if m:
        return _Clock(int(m.group(1)), int(m.group(2) or 0), m.group(3), i, 3), i + 1
    m = _ISH_TOKEN.match(w)
    if m:
        return _Clock(int(m.group(1)), 0, _marker_after(words, i + 1), i, 2), i + 1
    if w in ("midi", "noon", "minuit", "midnight"):
        if w == "midi" and prev in ("apres", "du", "le", "les", "tous", "chaque", "de"):
            return None
        base = 24 if w in ("minuit", "midnight") else 12  # "minuit moins le quart" is 23:45
        hour, minute, end = _minutes_after(words, i + 1, starts, base)
        return _Clock(hour, minute, None, i, 3), end
    if w in ("half", "quarter") or i in starts:
        past = _past_to(words, i, starts)
        if past is not None:
            return past
    num = starts.get(i)
    if num is None or not 0 <= num.value <= 24:
        return None
    j = num.end
    nxt = words[j] if j < n else ""
    if nxt in _HOUR_WORDS:  # "vingt heures trente", "19 heures", "20 h 30", "une heure du matin"
        if prev in _DURATION_LEADS or prev == "d" or (prev == "a" and i >= 2 and words[i - 2] == "y"):
            return None  # "pendant deux heures", "plus d'une heure", "il y a une heure": durations
        hour, minute, end = _minutes_after(words, j + 1, starts, num.value)
        return _Clock(hour, minute, _marker_after(words, end), i, 3), end
    if (nxt, words[j + 1] if j + 1 < n else "") == ("o", "clock") or nxt == "oclock":
        end = j + (2 if nxt == "o" else 1)
        return _Clock(num.value, 0, _marker_after(words, end), i, 3), end
    hour, minute, end = _minutes_after(words, j, starts, num.value)
    marker = _marker_after(words, end)
    soft = tuple(words[end : end + 2]) in _SOFT_MARKERS or words[end : end + 1] == ["tonight"]
    if marker is not None and not soft:
        # "8 pm", "eight thirty pm", "8 du soir", "11 at night"; not "pour 4 ce soir"
        return _Clock(hour, minute, marker, i, 3), end
    if num.value > 23 or (lang == "en" and prev == "a"):
        return None
    at = prev in _PREPS or (prev == "les" and i >= 2 and words[i - 2] in ("vers", "sur"))
    if at and 1 <= num.value <= 23 and _follower_ok(words, end):
        return _Clock(hour, minute, marker, i, 2), end
    # "eight thirty", "dix neuf trente": an hour then a quarter-hour, nothing noun-like after
    if end > j and minute in (15, 30, 45) and 1 <= num.value <= 23 and _follower_ok(words, end):
        if prev not in ("coute", "coutent", "costs", "cost", "fait", "price", "prix", "for", "pour", "de"):
            return _Clock(hour, minute, marker, i, 2), end
    return None


def _past_to(words: list[str], i: int, starts: dict[int, NumberMatch]) -> tuple[_Clock, int] | None:
    """English "half past seven", "quarter to eight", "ten past eight", "twenty five to nine"."""
    n = len(words)
    w = words[i]
    if w in ("half", "quarter"):
        minutes, j = (30 if w == "half" else 15), i + 1
    else:
        m = starts[i]
        if not 1 <= m.value <= 29:
            return None
        minutes, j = m.value, m.end
        if j < n and words[j] in ("minutes", "minute"):
            j += 1
    if j >= n or words[j] not in ("past", "after", "to", "til", "till", "before"):
        return None
    if w != "half" and i > 0 and words[i - 1] in ("from", "between", "de", "entre"):
        return None
    hour_match = starts.get(j + 1)
    if hour_match is None or not 1 <= hour_match.value <= 12 or not _follower_ok(words, hour_match.end):
        return None
    hour = hour_match.value
    if words[j] in ("to", "til", "till", "before"):
        if w == "half":
            return None
        hour, minutes = hour - 1, 60 - minutes
    start = i - 1 if i > 0 and words[i - 1] == "a" else i
    end = hour_match.end
    strength = 3 if w in ("half", "quarter") else 2
    return _Clock(hour, minutes, _marker_after(words, end), start, strength), end


def _find_clock(words: list[str], starts: dict[int, NumberMatch], lang: str | None) -> _Clock | None:
    best: _Clock | None = None
    i = 0
    while i < len(words):
        found = _clock_at(words, i, starts, lang)
        if found is None:
            i += 1
            continue
        clock, end = found
        if best is None or clock.strength > best.strength:
            best = clock
            if clock.strength == 3:
                break
        i = max(end, i + 1)
    return best


# --- dates -----------------------------------------------------------------------------------
def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _day_of_month(day: int, today: date) -> date | None:
    """Day `day` of this month while not past, else the next month that has it."""
    if not 1 <= day <= 31:
        return None
    for ahead in range(0, 4):
        year, month = _add_months(today, ahead)
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _day_and_month(day: int, month: int, today: date, year: int | None = None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _day_before(words: list[str], k: int, ends: dict[int, NumberMatch]) -> int | None:
    """The day said right before a month word at k: "12", "12th of", "douze", "premier", "twelfth"."""
    j = k - 1 if k >= 1 and words[k - 1] == "of" else k
    if j < 1:
        return None
    w = words[j - 1]
    m = _DAY_TOKEN.match(w)
    if m:
        return int(m.group(1))
    if w in ORDINAL_WORDS:
        unit = ORDINAL_WORDS[w]
        if j >= 2 and words[j - 2] in ("twenty", "thirty") and unit < 10:
            return (20 if words[j - 2] == "twenty" else 30) + unit
        return unit
    num = ends.get(j)
    if num is not None and 1 <= num.value <= 31:
        lead = words[num.start - 1] if num.start >= 1 else ""
        if words[k] in _SHY_MONTHS and lead not in ("le", "the", "on", "du", "au"):
            return None  # "deux mars" is two chocolate bars
        return num.value
    return None


def _day_after(words: list[str], k: int, starts: dict[int, NumberMatch]) -> int | None:
    """The day said right after a month word: "december 12", "december the 12th", "may twelfth"."""
    if words[k] == "sept":
        return None
    j = k + 2 if k + 1 < len(words) and words[k + 1] == "the" else k + 1
    if j >= len(words):
        return None
    w = words[j]
    m = _DAY_TOKEN.match(w)
    if m:
        nxt = words[j + 1] if j + 1 < len(words) else ""
        return None if nxt in _HOUR_WORDS or nxt in ("pm", "am") else int(m.group(1))
    if w in ORDINAL_WORDS:
        return ORDINAL_WORDS[w]
    if w in ("twenty", "thirty") and j + 1 < len(words) and words[j + 1] in ORDINAL_WORDS:
        return (20 if w == "twenty" else 30) + ORDINAL_WORDS[words[j + 1]]
    num = starts.get(j)
    if num is not None and 1 <= num.value <= 31 and words[k] not in _SHY_MONTHS:
        return num.value
    return None


def _explicit_date(
    words: list[str], today: date, starts: dict[int, NumberMatch], ends: dict[int, NumberMatch]
) -> date | None:
    for k, w in enumerate(words):
        if w not in MONTHS:
            continue
        day = _day_before(words, k, ends)
        if day is None:
            day = _day_after(words, k, starts)
        if day is None:
            continue
        year = next((int(t) for t in words[k + 1 : k + 4] if _YEAR_TOKEN.match(t)), None)
        return _day_and_month(day, MONTHS[w], today, year)
    return None


def _weekday_date(words: list[str], norm: str, today: date) -> date | None:
    for k, w in enumerate(words):
        if w not in WEEKDAYS:
            continue
        target = WEEKDAYS[w]
        before = words[k - 1] if k >= 1 else ""
        after = words[k + 1] if k + 1 < len(words) else ""
        # "samedi 12", "saturday the 12th": the day of the month is the more precise word
        j = k + 2 if after == "the" else k + 1
        m = _DAY_TOKEN.match(words[j]) if j < len(words) else None
        if m and (_follower_ok(words, j + 1) or words[j + 1] in _PREPS):
            found = _day_of_month(int(m.group(1)), today)
            if found is not None:
                return found
        delta = (target - today.weekday()) % 7
        if _NEXT_WEEK.search(norm):
            monday = today + timedelta(days=7 - today.weekday())
            return monday + timedelta(days=target)
        if after in ("prochain", "prochaine") or before == "next" or words[k + 1 : k + 3] == ["d", "apres"]:
            return today + timedelta(days=delta or 7)
        if before == "last" or after in ("dernier", "derniere"):
            return today - timedelta(days=(today.weekday() - target) % 7 or 7)
        if words[k + 1 : k + 3] == ["en", "huit"]:
            return today + timedelta(days=delta + 7)
        return today + timedelta(days=delta)
    return None


def _day_only(words: list[str], today: date, starts: dict[int, NumberMatch]) -> date | None:
    """ "le 3", "the 3rd", "on the 12th", "le 12 au soir"; spelled ("le trois") only before a time."""
    for i, w in enumerate(words):
        m = _DAY_TOKEN.match(w)
        prev = words[i - 1] if i >= 1 else ""
        if m:
            ordinal = m.group(2) is not None
            if not ordinal and prev not in ("le", "the", "du", "au"):
                continue
            if prev == "le" and i >= 2 and words[i - 2] in _CHOOSING:
                continue  # "je prends le 3": a menu number
            if ordinal and m.group(2) == "e" and prev != "le":
                continue
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if nxt in _HOUR_WORDS or nxt in ("pm", "am", ":"):
                continue
            if _follower_ok(words, i + 1) or nxt in ("a", "at", "vers", "around", "of", "du", "de"):
                return _day_of_month(int(m.group(1)), today)
        elif prev == "le" and i in starts:
            num = starts[i]
            nxt = words[num.end] if num.end < len(words) else ""
            if nxt in ("a", "vers", "au", "prochain", "matin", "soir", "midi", "du") and 1 <= num.value <= 31:
                if nxt == "du" and words[num.end + 1 : num.end + 2] != ["mois"]:
                    continue
                return _day_of_month(num.value, today)
    return None


def _relative_days(words: list[str], starts: dict[int, NumberMatch]) -> int | None:
    """ "dans deux jours" 2, "in a week" 7, "dans quinze jours" 14."""
    for i, w in enumerate(words):
        if w not in ("dans", "in", "within") and not (w == "ici" and i >= 1 and words[i - 1] == "d"):
            continue
        num = starts.get(i + 1)
        if num is None:
            continue
        unit = words[num.end] if num.end < len(words) else ""
        if unit in ("jours", "jour", "days", "day"):
            if unit.startswith("jour") and num.value in (8, 15):
                return num.value - 1  # French counts both ends: huit jours = a week
            return num.value
        if unit in ("semaines", "semaine", "weeks", "week"):
            return 7 * num.value
    return None


def _relative_minutes(words: list[str], starts: dict[int, NumberMatch]) -> int | None:
    """ "dans une heure" 60, "in 20 minutes" 20, "dans une demi heure" 30, "in an hour and a half" 90,
    "dans 1h30" 90, "dans trois quarts d heure" 45."""
    n = len(words)
    for i, w in enumerate(words):
        if w not in ("dans", "in", "within") and not (w == "ici" and i >= 1 and words[i - 1] == "d"):
            continue
        rest = words[i + 1 : i + 7]
        text = " ".join(rest)
        if text.startswith(_HALF_HOUR):
            return 30
        if text.startswith(_QUARTER_HOUR):
            return 15
        if text.startswith(_THREE_QUARTERS):
            return 45
        if rest and (m := _DURATION_TOKEN.match(rest[0])):
            value = int(m.group(1))
            if m.group(2) == "h":
                return value * 60 + int(m.group(3) or 0)
            return value
        num = starts.get(i + 1)
        if num is None or num.value <= 0:
            continue
        j = num.end
        unit = words[j] if j < n else ""
        half = words[j + 1 : j + 3] in (["et", "demie"], ["et", "demi"]) or words[j + 1 : j + 4] == [
            "and", "a", "half",
        ]  # fmt: skip
        if words[j : j + 3] == ["and", "a", "half"] and j + 3 < n:  # "one and a half hours"
            unit, half = words[j + 3], True
        if unit in ("minutes", "minute", "min", "mins", "mn"):
            return num.value
        if unit in ("heures", "heure", "hours", "hour", "h", "hrs", "hr"):
            return num.value * 60 + (30 if half else 0)
    return None


def _date_of(
    words: list[str], norm: str, today: date, starts: dict[int, NumberMatch], ends: dict[int, NumberMatch]
) -> date | None:
    days = _relative_days(words, starts)
    if days is not None:
        return today + timedelta(days=days)
    explicit = _explicit_date(words, today, starts, ends)
    if explicit is not None:
        return explicit
    m = _SLASH.search(norm)
    if m:
        day, month = int(m.group(1)), int(m.group(2))
        if month > 12 >= day:  # 12/25: said the American way
            day, month = month, day
        year = int(m.group(3)) if m.group(3) else None
        if year is not None and year < 100:
            year += 2000
        if 1 <= month <= 12:
            return _day_and_month(day, month, today, year)
    weekday = _weekday_date(words, norm, today)
    if weekday is not None:
        return weekday
    only = _day_only(words, today, starts)
    if only is not None:
        return only
    if _AFTER_TOMORROW.search(norm):
        return today + timedelta(days=2)
    if _TOMORROW.search(norm):
        return today + timedelta(days=1)
    if _BEFORE_YESTERDAY.search(norm):
        return today - timedelta(days=2)
    if _YESTERDAY.search(norm):
        return today - timedelta(days=1)
    if _TODAY.search(norm):
        return today
    if _WEEKEND.search(norm):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            saturday = today
        if _NEXT.search(norm):
            saturday += timedelta(days=7)
        return saturday
    return None


def _prepare(text: str) -> tuple[list[str], str, dict[int, NumberMatch], dict[int, NumberMatch]]:
    norm = _GREETINGS.sub(" ", normalize(text))
    norm = " ".join(norm.split())
    words = norm.split()
    starts, ends = _numbers(norm)
    return words, norm, starts, ends


def _time_of(
    words: list[str], norm: str, starts: dict[int, NumberMatch], part: str | None, lang: str | None
) -> tuple[time, bool] | None:
    clock = _find_clock(words, starts, lang)
    if clock is None:
        return None
    converted = _to_24h(clock.hour, clock.marker, part)
    if converted is None or not 0 <= clock.minute <= 59:
        return None
    hour, ambiguous = converted
    if not 0 <= hour <= 23:
        hour %= 24
    return time(hour, clock.minute), ambiguous


# --- public API ------------------------------------------------------------------------------
def parse_time(text: str, lang: str | None = None) -> time | None:
    """The clock time in the text ("20h30", "eight thirty pm", "midi et demi"), or None."""
    words, norm, starts, _ = _prepare(text)
    found = _time_of(words, norm, starts, _part_of_day(norm), lang)
    return found[0] if found else None


def parse_date(text: str, today: date) -> date | None:
    """The calendar day in the text ("demain", "samedi prochain", "le 12/12", "december 12"), or None."""
    words, norm, starts, ends = _prepare(text)
    return _date_of(words, norm, today, starts, ends)


def parse_when(text: str, now: datetime, lang: str | None = None) -> When | None:
    """Date, time and part of the day in a caller's line, against the store's local `now`
    (aware). None when nothing in the line is about time."""
    words, norm, starts, ends = _prepare(text)
    if not words:
        return None
    minutes = _relative_minutes(words, starts)
    if minutes is not None:
        at = now + timedelta(minutes=minutes)
        return When(at.date(), time(at.hour, at.minute))
    part = _part_of_day(norm)
    found = _time_of(words, norm, starts, part, lang)
    day = _date_of(words, norm, now.date(), starts, ends)
    if found is None and day is None and part is None:
        return None
    the_time, ambiguous = found if found is not None else (None, False)
    if day == now.date() and _bare_weekday_gone(words, norm, now, the_time or PART_TIMES.get(part or "")):
        day += timedelta(days=7)
    return When(day, the_time, part, ambiguous)


def _bare_weekday_gone(words: list[str], norm: str, now: datetime, clock: time | None) -> bool:
    """"mardi à 10 h" said on a Tuesday at 15:00 means next Tuesday: a weekday named on that very
    day is today only while its time is still ahead ("aujourd'hui" and dates said in full stay)."""
    if clock is None or clock > now.time() or _TODAY.search(norm):
        return False
    named = [k for k, w in enumerate(words) if WEEKDAYS.get(w) == now.weekday()]
    return any(not (k + 1 < len(words) and _DAY_TOKEN.match(words[k + 1])) for k in named)


def combine(when: When, now: datetime) -> datetime | None:
    """A concrete aware datetime in `now`'s timezone: a missing date is today (whether that moment
    has passed is the caller's business), a missing time is the part of day's usual time. None when
    neither a time nor a part of day was said."""
    the_time = when.time if when.time is not None else PART_TIMES.get(when.part_of_day or "")
    if the_time is None:
        return None
    return datetime.combine(when.date or now.date(), the_time, tzinfo=now.tzinfo)
