"""Complaint triage, in French and English: what a complaint is about (`complaint_category`) and
how urgent a matter is (`urgency`: a health emergency, an angry caller, a minor remark).

Its own module because it answers a different question from `ai.nlu.intents`: once a line is
known to be a complaint, what went wrong. Its phrases describe the problem (cold, late, missing,
rude…), not what the caller wants. The local brain uses it to file complaints and to flag urgent
consultations; the post-call analysis, to read them back from a transcript.
"""

from __future__ import annotations

import re

from ai.nlu.text import normalize
from stores.models import ComplaintCategory

# (category, weight, pattern): the category with the most evidence wins, ties go to the earlier.
_CATEGORY_RULES: list[tuple[str, float, re.Pattern[str]]] = [
    (category, weight, re.compile(r"\b(?:" + pattern + r")"))
    for category, weight, pattern in [
        ("hygiene", 1.0, r"cheveux?|poils?|insectes?|cafards?|mouches?|salete|pas propre|crasseu|hygiene|moisi|"
                         r"degoutant|rats?\b|souris|hair (?:in|on)|insects?|cockroach|bugs? in|fly in|dirty|filthy|"
                         r"mou?ldy?|unhygienic|disgusting"),
        ("missing_item", 1.0, r"manqu|oubli|pas dans le sac|il n y avait pas|missing|forgot|left out|wasn t in|"
                              r"not in the bag|didn t get (?:my|the)"),
        ("wrong_order", 1.0, r"pas ce que j (?:ai|avais) commande|mauvaise (?:commande|pizza|taille)|erreur|trompe|"
                             r"pas la bonne|pas le bon|inverse|wrong|not what i (?:ordered|asked)|mixed up|instead of|"
                             r"someone else s|(?:gave|sent|brought|delivered|served) (?:me|us)(?: \w+){1,6} instead|au lieu d|"
                             r"a la place"),
        ("delay", 1.0, r"retard|jamais (?:ete )?(?:arrive|livre|recu)|pas (?:encore )?(?:ete )?(?:arrive|livre)|"
                       r"attendu|j attends|attente|ca fait (?:une|deux|\d+) heures?|trop long|late|never (?:arrived|came)|"
                       r"still waiting|waited|waiting for|took (?:too |so )?long|hasn t (?:arrived|come)|"
                       r"didn t (?:arrive|come)|did not arrive|over an hour|delay"),
        ("billing", 1.0, r"factur|paye deux fois|payee? deux fois|debite|preleve|trop paye|trop cher|prix|rembours|"
                         r"ticket de caisse|monnaie|bill\b|charged|overcharged|refund|price|receipt|payment|paid twice"),
        ("staff", 1.0, r"impoli|desagreable|malpoli|grossier|agressi|mal (?:parle|accueilli|recu)|insult|rude|"
                       r"unfriendly|yelled|shouted|attitude|unprofessional"),
        ("staff", 0.5, r"serveu|livreur|employe|coiffeu|personnel|accueil|staff|waiter|waitress|driver|"
                       r"delivery (?:guy|man)|employee|hairdresser"),
        ("quality", 1.0, r"froid|tiede|brule|pas cuit|trop cuit|crue?\b|mauvais|infect|immangeable|qualite|gout|"
                         r"fade|trop sale|rassis|pas frais|perime|ecrase|dur\b|sec\b|seche|gras|cold|lukewarm|burn|"
                         r"undercooked|overcooked|raw|bad|quality|taste|bland|stale|soggy|greasy|salty|dry|squashed|"
                         r"expired|allerg|intoxi|malade|sick|poison|rate|abime|damaged|came out|turned out|loupe|"
                         r"botched|ruined|ruine|mal (?:fait|coupe|coiffe)"),
    ]
]  # fmt: skip
# Which category wins a tie; every one of them is in stores.models.COMPLAINT_CATEGORIES.
_CATEGORY_ORDER: tuple[ComplaintCategory, ...] = (
    "hygiene",
    "missing_item",
    "wrong_order",
    "delay",
    "billing",
    "staff",
    "quality",
)
_EMERGENCY = re.compile(
    r"\b(?:allerg|anaphyla|intoxi|empoisonn|malades?\b|vomi|hopital|urgences?\b|samu|ambulance|pompiers|etouff|"
    r"respire (?:plus|pas|mal)|me suis brule|brulure|blesse|sick\b|ill\b|poison|hospital|emergency|"
    r"can t breathe|cannot breathe|choking|vomit|throwing up|threw up|epipen|swelling|burned myself|"
    r"burnt myself|injured|cut myself)"
)
_HIGH = re.compile(
    r"\b(?:inadmissible|inacceptable|scandal|honte|honteux|lamentable|furieu|en colere|enerve|excede|"
    r"plus jamais|jamais plus|avocat|police|porter plainte|tribunal|justice|reseaux sociaux|avis negatif|"
    r"mauvais avis|tres urgent|urgent|(?<!pas )grave|pire|troisieme fois|encore une fois|unacceptable|"
    r"outrageous|furious|angry|livid|disgrace|ridiculous|ridicule|never again|lawyer|sue\b|bad review|"
    r"social media|worst|third time|yet again|asap|immediately|upset|fed up|en ai marre|ras le bol|exaspere)"
)
_LOW = re.compile(
    r"\b(?:petit (?:souci|probleme)|pas (?:bien )?grave|juste pour (?:vous )?(?:signaler|informer|dire|prevenir)|"
    r"just (?:wanted to )?(?:let you know|mention|so you know|a heads up)|minor|small (?:issue|problem|thing)|"
    r"slight|un peu|a bit|a little|sans gravite|not a big deal|no big deal|rien de grave|pour info|fyi|"
    r"legerement|slightly)"
)


def complaint_category(text: str) -> ComplaintCategory:
    """One of stores' COMPLAINT_CATEGORIES: the best-evidenced rule's, "other" when none matches."""
    norm = normalize(text)
    totals: dict[str, float] = {}
    for category, weight, pattern in _CATEGORY_RULES:
        hits = len(pattern.findall(norm))
        if hits:
            totals[category] = totals.get(category, 0.0) + weight * hits
    if not totals:
        return "other"
    return max(_CATEGORY_ORDER, key=lambda c: (totals.get(c, 0.0), -_CATEGORY_ORDER.index(c)))


def urgency(text: str) -> str:
    """ "emergency" (health: allergy, poisoning, sick), "high" (angry, threats, urgent), "low" (a minor
    remark) or "normal"."""
    norm = normalize(text)
    if _EMERGENCY.search(norm):
        return "emergency"
    shouting = sum(1 for w in text.split() if len(w) > 2 and w.isupper()) >= 3
    if _HIGH.search(norm) or shouting:
        return "high"
    if _LOW.search(norm):
        return "low"
    return "normal"
