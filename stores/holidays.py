"""Public holidays of a store's country, from the `holidays` package (computed offline, no
download). Names come in the store's language where the package has it, in its default otherwise."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as holiday_calendars

_LANGUAGES = {"fr": ("fr",), "en": ("en_US", "en_GB")}


@lru_cache(maxsize=256)
def _year(country: str, year: int, lang: str) -> dict[date, str]:
    """{date: name} for one country and year; an unknown country has none rather than failing a call."""
    try:
        calendar_class = holiday_calendars.country_holidays(country, years=year).__class__
    except NotImplementedError:
        return {}
    supported = set(getattr(calendar_class, "supported_languages", ()))
    language = next((code for code in _LANGUAGES.get(lang, ()) if code in supported), None)
    return dict(holiday_calendars.country_holidays(country, years=year, language=language).items())


def public_holiday(country: str, day: date, lang: str = "en") -> str | None:
    """The holiday's name when `day` is a public holiday in `country` (ISO 3166 alpha-2), else None."""
    if not country:
        return None
    return _year(country.upper(), day.year, lang).get(day)


def public_holidays(country: str, first: date, last: date, lang: str = "en") -> list[tuple[date, str]]:
    """The holidays from `first` to `last` included, in date order."""
    if not country:
        return []
    found: list[tuple[date, str]] = []
    for year in range(first.year, last.year + 1):
        found += [(d, n) for d, n in _year(country.upper(), year, lang).items() if first <= d <= last]
    return sorted(found)


def is_supported(country: str) -> bool:
    return country.upper() in holiday_calendars.list_supported_countries()
