"""Numbers as callers say them: digits, French and English words up to 999, and quantity
phrases ("une douzaine", "a couple of", "half a dozen")."""

from __future__ import annotations

from dataclasses import dataclass

from ai.nlu.text import tokens

UNITS = {
    # French
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16,
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
HUNDRED = {"cent", "cents", "hundred"}
ARTICLES = {"un", "une", "a", "an", "one"}
NOT_ONE = {"few", "little", "lot", "bit", "while", "moment", "minute", "second", "quarter", "half"}
# Multi-word quantities first (longest match wins).
PHRASES: list[tuple[tuple[str, ...], int]] = sorted(
    [
        (("une", "douzaine"), 12),
        (("une", "demi", "douzaine"), 6),
        (("demi", "douzaine"), 6),
        (("douzaine",), 12),
        (("a", "dozen"), 12),
        (("dozen",), 12),
        (("half", "a", "dozen"), 6),
        (("a", "couple", "of"), 2),
        (("a", "couple"), 2),
        (("couple", "of"), 2),
        (("a", "pair", "of"), 2),
        (("une", "paire", "de"), 2),
        (("une", "dizaine"), 10),
    ],
    key=lambda p: -len(p[0]),
)


@dataclass(frozen=True)
class NumberMatch:
    value: int
    start: int
    end: int


def _word_number(words: list[str], i: int) -> tuple[int, int] | None:
    """A number spelled in words starting at i: (value, next index)."""
    n = len(words)
    w = words[i]
    value = 0
    j = i
    if w in ("soixante", "quatre") and j + 1 < n and words[j + 1] in ("dix", "vingt", "vingts"):
        # soixante dix (70), quatre vingt(s) (80), quatre vingt dix (90)
        if w == "soixante":
            value, j = 70, j + 2
            value, j = _teen_after(words, j, value, base_unit=10)
        else:
            value, j = 80, j + 2
            if (
                j < n
                and words[j] in UNITS
                and UNITS[words[j]] <= 19
                and words[j] not in ARTICLES - {"un", "one"}
            ):
                value += UNITS[words[j]]
                j += 1
            elif j < n and words[j] == "dix":
                value += 10
                j += 1
                value, j = _teen_after(words, j, value, base_unit=0)
        return value, j
    if w in TENS:
        value, j = TENS[w], j + 1
        if j < n and words[j] == "et" and j + 1 < n and words[j + 1] in ("un", "une", "onze"):
            value += 1 if words[j + 1] != "onze" else 11
            j += 2
        elif j < n and words[j] in ("dix",) and w == "soixante":
            value += 10
            j += 1
        elif j < n and words[j] in UNITS and 1 <= UNITS[words[j]] <= 9 and words[j] not in ("un", "une", "a"):
            value += UNITS[words[j]]
            j += 1
        return value, j
    if w in UNITS or w == "six":
        value = UNITS.get(w, 6)
        j += 1
        if w == "dix" and j < n and words[j] in ("sept", "huit", "neuf"):
            value += UNITS[words[j]]
            j += 1
        if j < n and words[j] in HUNDRED:
            value *= 100
            j += 1
            more = _word_number(words, j) if j < n and (words[j] in UNITS or words[j] in TENS) else None
            if more and more[0] < 100:
                value += more[0]
                j = more[1]
        return value, j
    if w in HUNDRED:
        value, j = 100, j + 1
        more = _word_number(words, j) if j < n and (words[j] in UNITS or words[j] in TENS) else None
        if more and more[0] < 100:
            value += more[0]
            j = more[1]
        return value, j
    return None


def _teen_after(words: list[str], j: int, value: int, base_unit: int) -> tuple[int, int]:
    # "soixante dix sept" = 77, "soixante et onze" handled by the caller
    if j < len(words) and words[j] in ("sept", "huit", "neuf"):
        return value + UNITS[words[j]], j + 1
    return value, j


def find_numbers(text: str) -> list[NumberMatch]:
    words = tokens(text)
    found: list[NumberMatch] = []
    i = 0
    n = len(words)
    while i < n:
        matched = False
        for phrase, value in PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.append(NumberMatch(value, i, i + len(phrase)))
                i += len(phrase)
                matched = True
                break
        if matched:
            continue
        w = words[i]
        if w.isdigit():
            found.append(NumberMatch(int(w), i, i + 1))
            i += 1
            continue
        if w in ("a", "an"):
            # "a" is a number only as an article before a noun: "a pizza" = 1
            if (
                i + 1 < n
                and words[i + 1] not in UNITS
                and words[i + 1] not in TENS
                and words[i + 1] not in HUNDRED
                and words[i + 1] not in NOT_ONE
            ):
                found.append(NumberMatch(1, i, i + 1))
            i += 1
            continue
        parsed = _word_number(words, i) if (w in UNITS or w in TENS or w in HUNDRED or w == "six") else None
        if parsed is not None:
            found.append(NumberMatch(parsed[0], i, parsed[1]))
            i = parsed[1]
            continue
        i += 1
    return found


def parse_int(text: str) -> int | None:
    found = find_numbers(text)
    return found[0].value if found else None
