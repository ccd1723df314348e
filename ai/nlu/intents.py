"""What the caller wants, in French and English: weighted phrase patterns over normalised text.

A line often carries several intents ("oui et ajoutez un coca" is yes + order, "non c'est tout" is
no + done), so `classify` returns a score per intent with evidence, and the dialogue manager
decides with its context. Scores ≥ 0.5 are evidence the brain acts on; weaker hints stay below.

Patterns are phrases, not sentences: "je voudrais", "can I get", "vous livrez", "how much".
Yes/no/greeting/repeat patterns are anchored at the start of the line, after fillers ("euh",
"alors", "well", "ah"). Small typos from typing callers are forgiven on longer words
("reservaton", "comander") by a cached edit-distance lookup against the patterns' own words.

The phrases themselves live in `ai.nlu.phrasebook`; this module is the classifier that reads them.
Which language the line is in is `ai.nlu.language`; what a complaint is about, `ai.nlu.complaints`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ai.nlu.phrasebook import (
    ALREADY_KNOWN,
    ASKING,
    FILLER_HEAD,
    FILLERS_ANYWHERE,
    OWN_ADDRESS,
    PHRASES,
    REPEAT_SHORT,
    RUNNING_LATE,
)
from ai.nlu.text import normalize

INTENTS = (
    "order", "modify_order", "cancel_item", "reservation", "service_booking", "consultation", "my_bookings",
    "cancel_booking", "move_booking", "question_price", "question_hours", "question_address",
    "question_delivery", "question_menu", "complaint", "human", "goodbye", "yes", "no", "greeting", "thanks",
    "done", "repeat", "usual",
)  # fmt: skip

# A specific intent explains "je voudrais …" better than an order does.
_SPECIFIC = (
    "reservation", "service_booking", "consultation", "my_bookings", "cancel_booking", "move_booking",
    "question_price", "question_hours", "question_address", "question_delivery", "question_menu",
    "complaint", "human", "usual", "cancel_item", "modify_order",
)  # fmt: skip
_BOOKING_ACTIONS = ("cancel_booking", "move_booking", "my_bookings")


def _compile() -> list[tuple[str, float, re.Pattern[str]]]:
    compiled = []
    for intent, rules in PHRASES.items():
        for weight, phrases in rules:
            anchored = [p for p in phrases if p.startswith("^")]
            free = [p for p in phrases if not p.startswith("^")]
            if anchored:
                compiled.append((intent, weight, re.compile("(?:" + "|".join(anchored) + r")\b")))
            if free:
                compiled.append((intent, weight, re.compile(r"\b(?:" + "|".join(free) + r")\b")))
    return compiled


_PATTERNS = _compile()
_VOCABULARY = frozenset(
    w for rules in PHRASES.values() for _, ps in rules for p in ps for w in re.findall(r"[a-z]{4,}", p)
)
_FUZZY_TARGETS = sorted(w for w in _VOCABULARY if len(w) >= 6)


@lru_cache(maxsize=4096)
def _fix_typo(word: str) -> str:
    """The pattern word a longer unknown word is one edit away from ("reservaton" → "reservation")."""
    if len(word) < 6 or word in _VOCABULARY or not word.isalpha():
        return word
    limit = 1 if len(word) < 11 else 2
    best = process.extractOne(word, _FUZZY_TARGETS, scorer=OSA.distance, score_cutoff=limit)
    if best is None:
        return word
    target = best[0]
    if word[:-1] == target[:-1] or word[:-2] == target[:-2] or word[:-1] == target or word == target[:-1]:
        return word  # another form of the same word ("retirer" is not a misspelt "retirez")
    return target


@lru_cache(maxsize=1024)
def _prepared(text: str) -> str:
    norm = FILLERS_ANYWHERE.sub(" ", normalize(text))
    norm = FILLER_HEAD.sub("", " ".join(norm.split()))
    return " ".join(_fix_typo(w) for w in norm.split())


def _settle(scores: dict[str, float], norm: str) -> None:
    """Resolve the overlaps the patterns cannot see on their own."""
    want = scores.pop("_want", 0.0)
    if want and not any(scores.get(i, 0) >= 0.5 for i in _SPECIFIC) and not ASKING.search(norm):
        scores["order"] = max(scores.get("order", 0.0), want)
    if max((scores.get(i, 0) for i in _BOOKING_ACTIONS), default=0) >= 0.85:
        # "annuler ma réservation" is not a new reservation, nor an item to remove
        for intent in ("reservation", "service_booking", "cancel_item", "modify_order", "order"):
            if intent in scores:
                scores[intent] = min(scores[intent], 0.3)
        if scores.get("cancel_booking", 0) >= 0.9 or scores.get("move_booking", 0) >= 0.9:
            scores.pop("my_bookings", None)
            if scores.get("complaint", 0) < 0.9:
                scores.pop("complaint", None)  # "je suis malade, je dois annuler"
    if scores.get("cancel_booking", 0) < 0.9 and scores.get("cancel_item", 0) >= 0.85:
        scores.pop("cancel_booking", None)  # "annulez le coca"
    if scores.get("question_delivery", 0) >= 0.9:
        scores.pop("order", None)
    if scores.get("complaint", 0) >= 0.85 and "order" in scores:
        scores["order"] = min(scores["order"], 0.3)  # "ma commande n'est jamais arrivée"
    if any(
        scores.get(i, 0) >= 0.8 for i in ("reservation", "service_booking", "consultation") + _BOOKING_ACTIONS
    ):
        if "question_menu" in scores:
            scores["question_menu"] = min(scores["question_menu"], 0.3)  # "do you have a table"
    if "question_hours" in scores and ALREADY_KNOWN.search(norm) and max(scores.values()) >= 0.85:
        if sum(1 for v in scores.values() if v >= 0.8) >= 2:
            scores.pop("question_hours")
    if "question_address" in scores and OWN_ADDRESS.search(norm):
        scores.pop("question_address")
    if "complaint" in scores and RUNNING_LATE.search(norm):
        scores.pop("complaint")
    if "done" in scores and "no" in scores:
        scores["no"] = min(scores["no"], 0.6)  # "non merci c'est tout": finishing, not refusing
    if scores.get("no", 0) >= 0.9 and "yes" in scores and scores["yes"] < 0.9:
        scores.pop("yes")  # "non pas de problème"
    if "greeting" in scores and scores.get("yes", 0) and norm.startswith(("good ", "bon ")):
        scores.pop("yes")  # "good evening" is not agreement


def classify(text: str, lang: str | None = None) -> dict[str, float]:
    """Scores in [0, 1] for every intent the line gives evidence of (`lang` is accepted for callers
    that know it; the patterns cover both languages at once)."""
    norm = _prepared(text)
    if not norm:
        return {}
    scores: dict[str, float] = {}
    for intent, weight, pattern in _PATTERNS:
        if weight > scores.get(intent, 0.0) and pattern.search(norm):
            scores[intent] = weight
    if REPEAT_SHORT.match(norm):
        scores["repeat"] = max(scores.get("repeat", 0.0), 0.9)
    _settle(scores, norm)
    return scores


def is_yes(text: str) -> bool:
    scores = classify(text)
    return scores.get("yes", 0.0) >= 0.5 and scores.get("no", 0.0) < scores.get("yes", 0.0)


def is_no(text: str) -> bool:
    scores = classify(text)
    return scores.get("no", 0.0) >= 0.5 and scores.get("yes", 0.0) < scores.get("no", 0.0)
