"""Questions about diets and allergens, in French and English, over normalised text.

"la burrata, c'est végétarien ?", "il y a des noix dans le tiramisu ?", "qu'avez-vous sans
viande ?", "anything vegan?", "does the pesto have nuts". `parse` says which fact is asked
(a dietary tag or an allergen, present or absent) and whether the line is a question at all:
"une pizza aux anchois" names an allergen but orders a pizza, so it is not one of ours."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ai.nlu.text import normalize

# Phrase → dietary tag (keys of stores.models.dietary.DIETARY_TAGS). Longest phrases first.
TAG_WORDS: dict[str, str] = {
    "sans viande": "vegetarian",
    "without meat": "vegetarian",
    "no meat": "vegetarian",
    "meat free": "vegetarian",
    "meatless": "vegetarian",
    "vegetarien": "vegetarian",
    "vegetarienne": "vegetarian",
    "vegetariens": "vegetarian",
    "vegetariennes": "vegetarian",
    "vegetarian": "vegetarian",
    "veggie": "vegetarian",
    "vegan": "vegan",
    "vegans": "vegan",
    "vegane": "vegan",
    "veganes": "vegan",
    "vegetalien": "vegan",
    "vegetalienne": "vegan",
    "plant based": "vegan",
    "halal": "halal",
    "casher": "kosher",
    "cacher": "kosher",
    "kasher": "kosher",
    "kosher": "kosher",
    "sans gluten": "gluten_free",
    "gluten free": "gluten_free",
    "without gluten": "gluten_free",
    "no gluten": "gluten_free",
}

# Word → allergen (keys of stores.models.dietary.ALLERGENS): the legal names and the common
# foods that carry them ("fromage" is milk, "crevettes" crustaceans).
ALLERGEN_WORDS: dict[str, str] = {
    **dict.fromkeys(["gluten", "ble", "wheat", "farine", "flour"], "gluten"),
    **dict.fromkeys(
        ["crustace", "crustaces", "crustacean", "crustaceans", "crevette", "crevettes", "shrimp",
         "shrimps", "prawn", "prawns", "crabe", "crab", "homard", "lobster"], "crustaceans"
    ),
    **dict.fromkeys(["oeuf", "oeufs", "egg", "eggs"], "eggs"),
    **dict.fromkeys(
        ["poisson", "poissons", "fish", "anchois", "anchovy", "anchovies", "thon", "tuna"], "fish"
    ),
    **dict.fromkeys(
        ["arachide", "arachides", "cacahuete", "cacahuetes", "cacahouete", "cacahouetes", "peanut",
         "peanuts"], "peanuts"
    ),
    **dict.fromkeys(["soja", "soy", "soya", "soybean", "soybeans"], "soybeans"),
    **dict.fromkeys(
        ["lait", "laitier", "laitiers", "lactose", "milk", "dairy", "fromage", "fromages", "cheese",
         "creme", "cream", "beurre", "butter"], "milk"
    ),
    **dict.fromkeys(
        ["noix", "noisette", "noisettes", "amande", "amandes", "pistache", "pistaches", "cajou", "nut",
         "nuts", "walnut", "walnuts", "hazelnut", "hazelnuts", "almond", "almonds", "pistachio",
         "pistachios", "cashew", "cashews"], "nuts"
    ),
    **dict.fromkeys(["celeri", "celery"], "celery"),
    **dict.fromkeys(["moutarde", "mustard"], "mustard"),
    **dict.fromkeys(["sesame"], "sesame"),
    **dict.fromkeys(["sulfite", "sulfites", "sulphite", "sulphites"], "sulphites"),
    **dict.fromkeys(["lupin"], "lupin"),
    **dict.fromkeys(
        ["mollusque", "mollusques", "mollusc", "molluscs", "mollusk", "mollusks", "moule", "moules",
         "mussel", "mussels", "calamar", "calamars", "squid", "huitre", "huitres", "oyster", "oysters",
         "poulpe", "octopus"], "molluscs"
    ),
}  # fmt: skip

_TAG = re.compile(r"\b(" + "|".join(sorted(TAG_WORDS, key=len, reverse=True)) + r")\b")
_ALLERGEN = re.compile(r"\b(" + "|".join(sorted(ALLERGEN_WORDS, key=len, reverse=True)) + r")\b")
# "sans noix", "without nuts", "nut free", "pas de lait", "no dairy"
_WITHOUT = re.compile(r"\b(?:sans|without|no|pas de|pas d|free of|free from)\s+(?:\w+\s+)?$")
_FREE_AFTER = re.compile(r"^\s*free\b")
# What makes a line a question when speech-to-text gives no "?".
_ASKS = re.compile(
    r"^(?:est ce|est il|est elle|sont|is|are|does|do|did|can|could|any|anything|something|quelque chose|"
    r"qu avez|vous avez|avez vous|vous auriez|auriez vous|y a t il|il y a|ya t il|what|which|whats|quels?|"
    r"quelles?|lesquel\w*|c est|contient|contiennent|ca contient|cela contient|do you have|have you got|"
    r"tell me|dites moi|savez vous|je voudrais savoir|i d like to know|i want to know)\b"
    r"|\b(?:contient|contiennent|contain|contains|containing|y a t il|il y a|is there|are there|est ce)\b"
)
# Words that ask about an ingredient rather than order it.
_ABOUT_ALLERGEN = re.compile(
    r"\b(?:contient|contiennent|contenir|contain|contains|containing|il y a|y a t il|ya t il|is there|"
    r"are there|sans|without|no|pas de|pas d|free|avec|with|has|have|dans|in it|dedans|allergi\w*|"
    r"allergen\w*|traces?|intoleran\w*)\b"
)
# "c'est végétarien", "is it vegan": a tag said as an attribute is asked about.
_IS_TAG = re.compile(
    r"\b(?:c est|est|sont|is it|is that|is this|are they) (?:bien |vraiment |really )?(?:"
    + "|".join(sorted(TAG_WORDS, key=len, reverse=True))
    + r")\b"
)
_FILLERS = re.compile(
    r"^(?:(?:euh|alors|bon|oui|ok|d accord|bonjour|bonsoir|hello|hi|well|so|and|et|"
    r"dites|dis|excusez moi|sorry|pardon|please|s il vous plait)\s+)+"
)


@dataclass(frozen=True)
class DietQuestion:
    """One fact a line may ask about. `kind` is "tag" or "allergen"; `key` the registry key;
    `absent` is True when the caller wants it absent ("sans noix", "without nuts"); `span` the
    tokens of its words in the normalised line, so the brain can tell "Végétarienne" the pizza
    from "végétarienne" the question."""

    kind: str
    key: str
    span: tuple[int, int]
    absent: bool = False


def _token_span(norm: str, start: int, end: int) -> tuple[int, int]:
    first = len(norm[:start].split())
    return first, first + len(norm[start:end].split())


def parse(text: str) -> list[DietQuestion]:
    """The diet and allergen words of `text` when it is a question (tags first), else []."""
    norm = normalize(text)
    stripped = _FILLERS.sub("", norm)
    if not norm or not ("?" in text or _ASKS.search(stripped) or _IS_TAG.search(norm)):
        return []
    found = [
        DietQuestion(kind="tag", key=TAG_WORDS[m.group(1)], span=_token_span(norm, m.start(), m.end()))
        for m in _TAG.finditer(norm)
    ]
    if not _ABOUT_ALLERGEN.search(norm):
        return found  # "une pizza aux anchois ?" names an allergen without asking about it
    for m in _ALLERGEN.finditer(norm):
        absent = bool(_WITHOUT.search(norm[: m.start()])) or bool(_FREE_AFTER.search(norm[m.end() :]))
        span = _token_span(norm, m.start(), m.end())
        found.append(DietQuestion(kind="allergen", key=ALLERGEN_WORDS[m.group(1)], span=span, absent=absent))
    return found
