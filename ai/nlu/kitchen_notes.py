"""What a caller asks the kitchen to do with one line, beyond the menu's options: a removal
("sans champignons", "no onions") and a free instruction ("bien cuite", "well done", "coupée en
parts"). Phrase data only; the brain decides which line a note belongs to.

Notes are kept in the caller's language, as they said them: the read-back repeats exactly what
the kitchen will read."""

from __future__ import annotations

import re

from ai.nlu.numbers import find_numbers
from ai.nlu.text import normalize

# Words that take the next ingredient off a line.
REMOVAL_LEADS = frozenset({"sans", "without", "no", "hold"})
# Words that ask for more of something: what follows must be an extra on the menu, or it is named.
EXTRA_LEADS = frozenset({"extra", "supplement", "rajout", "double"})
# Between the lead and the ingredient: "sans les oignons", "without any onions", "no more cheese".
_SKIPPED = frozenset("le la les l de d du des any the more of".split())
# After "no"/"without", what is not an ingredient ("no thanks", "without a doubt").
_NOT_INGREDIENTS = frozenset(
    "thanks thank problem problems more merci a an one it that this idea way worries doubt rush hurry".split()
)
_STOP = frozenset("et and avec with please plait svp merci thanks aussi also puis then".split())

# (pattern over normalized text, what the note says in French, in English)
FREE_NOTES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(
            r"\b(bien cuite?s?|tres cuite?s?|well done|well cooked|extra crispy|bien croustillante?s?)\b"
        ),
        "bien cuite",
        "well done",
    ),
    (
        re.compile(r"\b(peu cuite?s?|pas trop cuite?s?|lightly cooked|not too well done|not overcooked)\b"),
        "peu cuite",
        "lightly cooked",
    ),
    (
        re.compile(
            r"\b(coupee?s? en (?:parts|morceaux|tranches|huit|quatre|six|8|4|6)|pre ?coupee?s?|"
            r"(?:cut|sliced) (?:in|into) (?:slices|pieces|eight|four|six|8|4|6)|pre ?sliced|pre ?cut)\b"
        ),
        "coupée en parts",
        "cut into slices",
    ),
    (
        re.compile(r"\b(sauce a part|sauce on the side|dressing on the side|sauce separately)\b"),
        "sauce à part",
        "sauce on the side",
    ),
    (
        re.compile(r"\b(pas epicee?s?|pas pimentee?s?|non epicee?s?|not spicy|mild please|not hot)\b"),
        "pas épicé",
        "not spicy",
    ),
    (
        re.compile(r"\b(tres epicee?s?|bien epicee?s?|extra spicy|extra hot|very spicy)\b"),
        "bien épicé",
        "extra spicy",
    ),
)


def free_notes(words: list[str], lang: str) -> list[str]:
    """The free instructions said in these (normalized) words, in the caller's language."""
    said = " ".join(words)
    return [fr if lang == "fr" else en for pattern, fr, en in FREE_NOTES if pattern.search(said)]


def removals(words: list[str]) -> list[tuple[int, str]]:
    """ "sans les champignons", "with no onions": (index of the ingredient word, the removal as
    said, e.g. "sans champignons" / "no onions")."""
    found: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        if word not in REMOVAL_LEADS:
            continue
        j = i + 1
        while j < len(words) and words[j] in _SKIPPED:
            j += 1
        if j >= len(words) or words[j] in _NOT_INGREDIENTS or words[j] in _STOP or len(words[j]) < 3:
            continue
        if find_numbers(words[j]):  # "a burger, no, two burgers": a correction, not a removal
            continue
        lead = "sans" if word == "sans" else "no" if word in ("no", "hold") else "without"
        found.append((j, f"{lead} {words[j]}"))
    return found


def ingredient_words(words: list[str]) -> set[int]:
    """Positions of the words that a removal takes off (never an item nor an extra to add)."""
    return {j for j, _ in removals(words)}


def said_alone(words: list[str], lang: str) -> bool:
    """A note said in a turn of its own ("bien cuite s'il vous plaît", "without onions please"),
    for a line already in the order. A bare "no ..." is left out: it answers a question."""
    return bool(free_notes(words, lang)) or any(
        said.startswith(("sans ", "without ")) for _, said in removals(words)
    )


def spelled(note: str, text: str) -> str:
    """The note with the caller's own spelling back ("sans oeufs" → "sans œufs", "supplement" →
    "supplément"): the kitchen reads French, the matching works on normalized words."""
    own: dict[str, str] = {}
    for token in re.split(r"[\s'’\-,.;:!?]+", text.lower()):
        parts = normalize(token).split()
        if len(parts) == 1:
            own.setdefault(parts[0], token)
    return " ".join(own.get(word, word) for word in note.split(" "))
