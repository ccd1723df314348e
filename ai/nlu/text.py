"""Normalisation of what speech-to-text gives us: lowercase, no accents, no punctuation except
what belongs to times (20:30, 20h30) and amounts (12,50)."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"[’'`´\-‐–—_]|(?<!\d)/|/(?!\d)")
_KEEP_INSIDE_NUMBERS = re.compile(r"(?<=\d)[:.,h](?=\d)")
_OTHER = re.compile(r"[^\w\s:.,/]|(?<!\d)[:.,]|[:.,](?!\d)")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe").replace("æ", "ae")
    )


def normalize(text: str) -> str:
    text = strip_accents(text.lower())
    text = _APOSTROPHES.sub(" ", text)
    text = _OTHER.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    return normalize(text).split()
