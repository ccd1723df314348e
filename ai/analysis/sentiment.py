"""A small French and English sentiment lexicon for phone calls, and the satisfaction score.

Words are matched on normalised text (lower case, no accents). A negator within the two words
before a word flips it ("pas bon", "not happy"), so "pas mal" and "not bad" come out mildly
positive, as people mean them. It reads the caller's lines only: the assistant is always polite.

satisfaction (1–10) = 6 + 3 × lexicon score (−1…1) + outcome, clamped, where outcome is
+1 when the call got what it came for (an order or a booking confirmed), −2 for a complaint of
high severity or more (−1 for a lesser one), −1 when a human was asked for and never reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai.nlu.text import normalize

POSITIVE = {
    # French
    "merci": 1.0, "parfait": 1.5, "super": 1.5, "genial": 2.0, "excellent": 2.0, "excellente": 2.0,
    "top": 1.0, "nickel": 1.5, "impeccable": 1.5, "bravo": 1.5, "adore": 2.0, "delicieux": 2.0,
    "delicieuse": 2.0, "bon": 0.5, "bonne": 0.5, "content": 1.5, "contente": 1.5, "ravi": 2.0,
    "ravie": 2.0, "formidable": 2.0, "sympa": 1.0, "gentil": 1.0, "gentille": 1.0,
    # English
    "thanks": 1.0, "thank": 1.0, "perfect": 1.5, "great": 1.5, "awesome": 2.0, "lovely": 1.5,
    "wonderful": 2.0, "amazing": 2.0, "good": 0.5, "nice": 1.0, "happy": 1.5, "delicious": 2.0,
    "brilliant": 2.0, "fantastic": 2.0, "love": 1.5, "pleased": 1.5, "cheers": 1.0,
}  # fmt: skip
NEGATIVE = {
    # French
    "nul": 2.0, "nulle": 2.0, "decu": 2.0, "decue": 2.0, "deception": 2.0, "inadmissible": 3.0,
    "scandaleux": 3.0, "scandale": 3.0, "honteux": 3.0, "froid": 1.0, "froide": 1.0, "retard": 1.5,
    "horrible": 2.5, "degoutant": 3.0, "immangeable": 3.0, "mauvais": 1.5, "mauvaise": 1.5,
    "plainte": 1.5, "reclamation": 1.5, "probleme": 1.0, "enerve": 2.0, "furieux": 3.0, "pire": 2.5,
    "inacceptable": 3.0, "malade": 2.0, "rembourser": 1.5, "remboursement": 1.5, "oublie": 1.0,
    "manquait": 1.0, "manque": 1.0, "attendu": 0.5, "desagreable": 2.0, "sale": 1.5, "brule": 1.5,
    # English
    "bad": 1.5, "terrible": 2.5, "awful": 2.5, "disappointed": 2.0, "disappointing": 2.0,
    "cold": 1.0, "late": 1.5, "angry": 2.5, "furious": 3.0, "rude": 2.0, "worst": 3.0,
    "disgusting": 3.0, "unacceptable": 3.0, "complaint": 1.5, "complain": 1.5, "problem": 1.0,
    "refund": 1.5, "missing": 1.0, "wrong": 1.5, "sick": 2.0, "burnt": 1.5, "dirty": 1.5,
}  # fmt: skip
NEGATORS = {"pas", "plus", "jamais", "not", "never", "no", "isnt", "wasnt", "dont", "didnt", "aucun"}
# "pas mal" / "not bad" are praise, not blame.
_PRAISING_NEGATIONS = {"mal", "bad"}


@dataclass(frozen=True)
class Reading:
    score: float  # −1 … 1
    positive: float
    negative: float


def read(lines: list[str]) -> Reading:
    positive = negative = 0.0
    for line in lines:
        words = normalize(line).split()
        for i, word in enumerate(words):
            negated = any(w in NEGATORS for w in words[max(0, i - 2) : i])
            if negated and word in _PRAISING_NEGATIONS:
                positive += 1.0
                continue
            if word in POSITIVE and POSITIVE[word] > 0:
                if negated:
                    negative += POSITIVE[word]
                else:
                    positive += POSITIVE[word]
            elif word in NEGATIVE and NEGATIVE[word] > 0:
                if negated:
                    positive += NEGATIVE[word] / 3  # "pas de problème" is mildly good, not a complaint
                else:
                    negative += NEGATIVE[word]
    total = positive + negative
    score = 0.0 if total == 0 else (positive - negative) / total
    # Few words say little: damp the score until there is some evidence.
    score *= min(1.0, total / 3)
    return Reading(score=round(score, 3), positive=positive, negative=negative)


def label(reading: Reading, *, worst_complaint: str | None) -> str:
    if worst_complaint in ("high", "emergency") or reading.score <= -0.25:
        return "negative"
    if reading.score >= 0.25 and worst_complaint is None:
        return "positive"
    return "neutral"


def satisfaction(
    reading: Reading, *, fulfilled: bool, worst_complaint: str | None, human_missed: bool
) -> int:
    outcome = 1.0 if fulfilled else 0.0
    if worst_complaint in ("high", "emergency"):
        outcome -= 2
    elif worst_complaint is not None:
        outcome -= 1
    if human_missed:
        outcome -= 1
    return max(1, min(10, round(6 + 3 * reading.score + outcome)))
