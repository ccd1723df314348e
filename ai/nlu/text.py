"""Normalisation of what speech-to-text (or a typing caller) gives us.

Lowercase, accents stripped, apostrophes and hyphens become spaces ("aujourd'hui" → "aujourd hui",
"vingt-deux" → "vingt deux"), punctuation becomes space. What belongs to a number survives: the
":" of "20:30", the "h" of "20h30" (a letter anyway), the decimal separator of "12,50" and the "/"
of "12/12". Every parser works on this form, so it is cached: one caller turn normalises the same
line several times (intents, dates, numbers, names)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters NFKD does not decompose into base + combining mark.
_LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "Œ": "OE", "Æ": "AE", "Ø": "O", "Ł": "L"}
)
# Apostrophes, hyphens and dashes separate words ("l'eau", "vingt-deux", "Jean–Pierre").
_SEPARATORS = re.compile(
    r"[\u0027\u2018\u2019\u02bc\u0060\u00b4\u2032\-\u2010\u2011\u2012\u2013\u2014\u2212_]"
)
# Any other punctuation is a space, except ":" "," "." "/" sitting between two digits.
_PUNCTUATION = re.compile(r"[^\w\s:,./]|(?<!\d)[:,./]|[:,./](?!\d)")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """ "Hélène" → "Helene", "cœur" → "coeur"; case is kept."""
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=2048)
def normalize(text: str) -> str:
    text = strip_accents(text.lower())
    text = _SEPARATORS.sub(" ", text)
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=2048)
def _token_tuple(text: str) -> tuple[str, ...]:
    return tuple(normalize(text).split())


def tokens(text: str) -> list[str]:
    # A fresh list each call: callers may mutate it, the cache must not be.
    return list(_token_tuple(text))
