"""Cardinal numbers as callers say them: digits, French and English words up to 999, and the
spoken quantity phrases ("une douzaine", "half a dozen", "a couple of", "une paire de").

Rules worth knowing:
- "un"/"une"/"a"/"an" count as 1 when they stand before a word that is not itself a number
  ("une pizza" → 1, "a coke" → 1); inside a number they are part of it ("vingt et un" → 21,
  "a dozen" → 12, "a hundred" → 100). Whether an article is a quantity is the caller's call.
- French "à" loses its accent in speech-to-text ("a emporter", "a quelle heure"): "a" is not an
  article when the raw text had "à" there, after "il/y/on/qui…" (the verb "a") or before the
  French words that follow "à".
- Vague amounts ("quelques", "a few", "plusieurs", "un peu") and ordinals ("12th", "premier")
  are not numbers; "une dizaine" is 10, an order of magnitude the caller meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ai.nlu.text import tokens

UNITS: dict[str, int] = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS: dict[str, int] = {
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    # Belgian and Swiss speakers say septante/huitante/octante/nonante.
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70,
    "huitante": 80, "octante": 80, "nonante": 90,
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
HUNDRED = frozenset({"cent", "cents", "hundred"})
NUMBER_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | HUNDRED | {"vingts"}
_FR_WORDS = frozenset(
    "zero un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "vingt vingts trente quarante cinquante soixante septante huitante octante nonante cent cents".split()
)
_ARTICLES = frozenset({"un", "une", "a", "an"})
# Multipliers: "une douzaine" 12, "deux douzaines" 24, "a dozen" 12, "une dizaine" 10.
_MULTIPLIERS = {"douzaine": 12, "douzaines": 12, "dozen": 12, "dozens": 12, "dizaine": 10, "dizaines": 10}
_PAIRS = frozenset({"couple", "pair", "paire"})
# After "un"/"une" these make a fraction or a vague amount, not 1.
_NOT_ONE_FR = frozenset({"demi", "demie", "quart", "peu", "tiers"})
# After "a"/"an": vague amounts and English idioms ("a bit", "a while", "a quarter past").
_NOT_ONE_EN = frozenset(
    "few little lot lots bit while moment tad bunch number quarter half third second minute sec".split()
)
# Words that follow the preposition "à" (accent lost): "a emporter", "a la", "a quelle heure".
_AFTER_FRENCH_A = frozenset(
    "la le les l un une des du emporter manger domicile livrer partir quelle quel quels quelles qui quoi "
    "moi toi lui vous nous eux elle elles demain midi minuit bientot plus cote peu ce cet cette son sa ses "
    "mon ma mes ton ta tes notre votre nos vos leur leurs faire prendre ete eu fait dit pris commande "
    "appele besoin droit lieu part nouveau present combien pied cause gauche droite tout toute tous "
    "toutes huit cinq emporte".split()
)
# The verb "a" (il a, on a, y a, qui a): never an article.
_BEFORE_VERB_A = frozenset("il elle on y qui ca cela ce c j l n m t s".split())
_RAW_SEPARATORS = re.compile(r"[^\w:,./]+|_")


@dataclass(frozen=True)
class NumberMatch:
    value: int
    start: int
    end: int


def _tail_1_to_19(words: tuple[str, ...], j: int) -> tuple[int, int] | None:
    """1–19 after "soixante" or "quatre vingt": "dix sept", "douze", "deux"."""
    if j >= len(words):
        return None
    w = words[j]
    if w == "dix" and j + 1 < len(words) and words[j + 1] in ("sept", "huit", "neuf"):
        return 10 + UNITS[words[j + 1]], j + 2
    if w in TEENS and w in _FR_WORDS:
        return TEENS[w], j + 1
    if w in UNITS and w in _FR_WORDS and UNITS[w] >= 1:
        return UNITS[w], j + 1
    return None


def _below_hundred(words: tuple[str, ...], i: int) -> tuple[int, int] | None:
    """A spelled number 0–99 starting at i: (value, index after it)."""
    n = len(words)
    w = words[i]
    nxt = words[i + 1] if i + 1 < n else ""
    if w == "quatre" and nxt in ("vingt", "vingts"):
        tail = _tail_1_to_19(words, i + 2) if nxt == "vingt" else None
        return (80 + tail[0], tail[1]) if tail else (80, i + 2)
    if w in TENS:
        value = TENS[w]
        french = w in _FR_WORDS
        if french and nxt == "et" and i + 2 < n:
            after = words[i + 2]
            if after in ("un", "une"):
                return value + 1, i + 3
            if after == "onze" and value == 60:
                return 71, i + 3
        if french and value == 60:
            tail = _tail_1_to_19(words, i + 1)
            if tail:
                return 60 + tail[0], tail[1]
            return 60, i + 1
        if nxt in UNITS and UNITS[nxt] >= 1 and (nxt == "six" or (nxt in _FR_WORDS) == french):
            # "vingt deux", "twenty one"; speech-to-text sometimes drops the "et" of "vingt et un"
            return value + UNITS[nxt], i + 2
        return value, i + 1
    if w == "dix" and nxt in ("sept", "huit", "neuf"):
        return 10 + UNITS[nxt], i + 2
    if w in TEENS:
        return TEENS[w], i + 1
    if w in UNITS:
        return UNITS[w], i + 1
    return None


def _spelled(words: tuple[str, ...], i: int) -> tuple[int, int] | None:
    """A spelled number 0–999 starting at i, hundreds included."""
    n = len(words)
    if words[i] in ("cent", "hundred"):
        value, j = 100, i + 1
    else:
        first = _below_hundred(words, i)
        if first is None:
            return None
        value, j = first
        if not (1 <= value <= 9 and j < n and words[j] in HUNDRED):
            return first
        value, j = value * 100, j + 1
        if words[j - 1] == "cents":  # "deux cents" closes the number
            return value, j
    k = j + 1 if j < n and words[j] == "and" else j  # "one hundred and twenty"
    if k < n and words[k] in NUMBER_WORDS and words[k] not in HUNDRED:
        rest = _below_hundred(words, k)
        if rest is not None and rest[0] >= 1:
            return value + rest[0], rest[1]
    return value, j


def _a_is_article(words: tuple[str, ...], i: int, accented: tuple[str, ...] | None) -> bool:
    if accented is not None and accented[i] == "à":
        return False
    if i + 1 >= len(words):
        return False
    nxt = words[i + 1]
    if nxt in NUMBER_WORDS or nxt.isdigit() or nxt in _NOT_ONE_EN or nxt in _AFTER_FRENCH_A:
        return False
    prev = words[i - 1] if i > 0 else ""
    if prev in _BEFORE_VERB_A or prev.isdigit() or prev in NUMBER_WORDS:
        return False
    return not nxt[:1].isdigit()  # "a 20h", "a 12th"


def _quantity_after(words: tuple[str, ...], value: int, j: int) -> tuple[int, int]:
    """A number followed by a multiplier: "deux douzaines" 24, "two dozen" 24."""
    n = len(words)
    if j < n and words[j] in _MULTIPLIERS:
        return value * _MULTIPLIERS[words[j]], j + 1
    return value, j


def _accented_tokens(text: str, count: int) -> tuple[str, ...] | None:
    # Only needed to tell "à" from "a"; aligned with the normalised tokens when counts agree.
    if "à" not in text and "À" not in text:
        return None
    raw = tuple(t for t in _RAW_SEPARATORS.split(text.lower()) if t)
    return raw if len(raw) == count else None


@lru_cache(maxsize=1024)
def _find(text: str) -> tuple[NumberMatch, ...]:
    words = tuple(tokens(text))
    n = len(words)
    accented = _accented_tokens(text, n)
    found: list[NumberMatch] = []
    i = 0
    while i < n:
        w = words[i]
        nxt = words[i + 1] if i + 1 < n else ""
        span = _quantity_phrase(words, i)
        if span is not None:
            found.append(NumberMatch(span[0], i, span[1]))
            i = span[1]
            continue
        if w in _ARTICLES:
            if w in ("a", "an"):
                if _a_is_article(words, i, accented):
                    found.append(NumberMatch(1, i, i + 1))
                i += 1
            elif nxt in _NOT_ONE_FR:  # "une demi heure", "un peu": not a count
                i += 2
            else:
                # the article is 1 unless a number follows it ("un deux trois", "une 4 fromages")
                if not (nxt in NUMBER_WORDS or nxt.isdigit()):
                    found.append(NumberMatch(1, i, i + 1))
                i += 1
            continue
        if w.isdigit():
            value, end = _quantity_after(words, int(w), i + 1)
            found.append(NumberMatch(value, i, end))
            i = end
            continue
        if w in NUMBER_WORDS and w not in ("cents", "vingts"):
            spelled = _spelled(words, i)
            if spelled is not None:
                value, end = _quantity_after(words, *spelled)
                found.append(NumberMatch(value, i, end))
                i = end
                continue
        if w in _MULTIPLIERS:  # "douzaine d huitres" without its article
            found.append(NumberMatch(_MULTIPLIERS[w], i, i + 1))
        i += 1
    return tuple(found)


def _quantity_phrase(words: tuple[str, ...], i: int) -> tuple[int, int] | None:
    """Spoken quantities that start with an article or "half": (value, end)."""
    n = len(words)
    w = words[i]
    nxt = words[i + 1] if i + 1 < n else ""
    if w == "half":
        if nxt == "dozen":
            return 6, i + 2
        if nxt == "a" and i + 2 < n and words[i + 2] == "dozen":
            return 6, i + 3
        return None
    if w == "demi" and nxt == "douzaine":
        return 6, i + 2
    if w not in _ARTICLES:
        return None
    if nxt == "demi" and i + 2 < n and words[i + 2] == "douzaine":
        return 6, i + 3
    if nxt in _PAIRS:  # "a couple of", "a pair of", "une paire de", "un couple"
        end = i + 2
        if end < n and words[end] in ("of", "de", "d"):
            end += 1
        return 2, end
    if nxt in _MULTIPLIERS:  # "une douzaine", "a dozen", "une dizaine"
        return _MULTIPLIERS[nxt], i + 2
    if nxt == "hundred":  # "a hundred and twenty"
        spelled = _spelled(words, i + 1)
        if spelled is not None:
            return spelled[0], spelled[1]
    return None


def find_numbers(text: str) -> list[NumberMatch]:
    """Every number in the text, left to right, with its token span in `tokens(text)`."""
    return list(_find(text))


def parse_int(text: str) -> int | None:
    """The first number in the text, or None."""
    found = _find(text)
    return found[0].value if found else None
