"""The rows a menu file is read into, the prices in them, and their match in the catalog."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from rapidfuzz import fuzz, process

from ai.nlu.dietary import ALLERGEN_WORDS, TAG_WORDS
from ai.nlu.text import normalize
from stores.models.dietary import ALLERGENS, DIETARY_TAGS

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 500
MAX_PDF_PAGES = 50
# Rapidfuzz ratio (0-100) above which a row is taken for an item already in the catalog: high,
# because a wrong match would overwrite another item's price ("Reine" is not "Reine blanche").
MATCH_CUTOFF = 90.0
NAME_MAX = 200
CATEGORY_MAX = 120
DESCRIPTION_MAX = 2000

Progress = Callable[[float], None]  # fraction of the extraction done, 0.0 to 1.0


class MenuImportError(Exception):
    """The file cannot be turned into rows; the message is for the owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Size:
    name: str
    price: str


@dataclass(frozen=True)
class Match:
    """The catalog item a row probably is, so the review offers to update it."""

    product_id: int
    name: str
    price: str
    score: int


@dataclass(frozen=True)
class MenuRow:
    name: str
    price: str  # "9.50", or "" when the file gave none the owner must fill in
    category: str = ""
    description: str = ""
    variations: tuple[Size, ...] = ()
    warning: str = ""
    match: Match | None = None
    # Keys of what the file says the item is / contains; anything not listed stays unknown.
    dietary: tuple[str, ...] = ()
    allergens: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "name": self.name,
            "description": self.description,
            "price": self.price,
            "variations": [{"name": v.name, "price": v.price} for v in self.variations],
            "warning": self.warning,
            "dietary": list(self.dietary),
            "allergens": list(self.allergens),
            "match": None if self.match is None else vars(self.match).copy(),
        }


@dataclass(frozen=True)
class CatalogEntry:
    product_id: int
    name: str
    price: str


# --- diets and allergens ------------------------------------------------------------------------
def dietary_keys(cell: str) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """ "végétarien, sans gluten" → tags; "gluten; lait, noix" → allergens, with the words the
    lexicon does not know (so the review can say so rather than drop them silently)."""
    tags: list[str] = []
    allergens: list[str] = []
    unknown: list[str] = []
    for piece in re.split(r"[,;/|+]", cell):
        words = normalize(piece)
        if not words:
            continue
        key = words.replace(" ", "_")
        if words in TAG_WORDS or key in DIETARY_TAGS:
            tags.append(TAG_WORDS.get(words, key))
        elif words in ALLERGEN_WORDS or key in ALLERGENS:
            allergens.append(ALLERGEN_WORDS.get(words, key))
        else:
            unknown.append(piece.strip())
    return tuple(dict.fromkeys(tags)), tuple(dict.fromkeys(allergens)), unknown


# --- prices ------------------------------------------------------------------------------------
CURRENCY = r"(?:€|eur(?:os?)?\b)"
# "9,50" "9.50" "9" "9 €" "€9.50" "9€50" "9,50 EUR"; at most 4 digits before the separator.
AMOUNT = rf"(?:€\s?)?\d{{1,4}}(?:[.,]\d{{1,2}}|\s?€\s?\d{{2}})?(?:\s?{CURRENCY})?"
_PRICE_LIMIT = Decimal("99999999.99")  # Product.price is max_digits=10, decimal_places=2


def parse_price(text: str) -> Decimal | None:
    """The amount in "9,50", "9.50 €", "€9.50", "9€50" or "9,50 EUR"; None when it is none.
    Negative amounts are not prices: they are None too (callers that need to say why check)."""
    cleaned = re.sub(r"\s+", " ", str(text)).strip()
    if not cleaned:
        return None
    cleaned = re.sub(r"^(\d+)\s?€\s?(\d{2})$", r"\1.\2", cleaned)  # 9€50
    cleaned = re.sub(rf"\s?{CURRENCY}\s?", "", cleaned, flags=re.IGNORECASE).strip()
    cleaned = cleaned.replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"\d{1,8}(?:\.\d{1,2})?", cleaned):
        return None
    try:
        amount = Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return amount if amount <= _PRICE_LIMIT else None


def price_text(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def clip(text: str, limit: int) -> str:
    return re.sub(r"\s+", " ", text).strip()[:limit].strip()


# --- matching against the catalog --------------------------------------------------------------
def match_rows(rows: Sequence[MenuRow], catalog: Sequence[CatalogEntry]) -> list[MenuRow]:
    """Each row with the catalog item it names (same name once normalized, or nearly: a score of
    MATCH_CUTOFF or more), so the owner updates that item instead of creating a duplicate."""
    by_name = {normalize(entry.name): entry for entry in catalog}
    names = list(by_name)
    matched = []
    for row in rows:
        key = normalize(row.name)
        entry, score = by_name.get(key), 100.0
        if entry is None and names:
            best = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=MATCH_CUTOFF)
            if best is not None:
                entry, score = by_name[best[0]], best[1]
        match = None if entry is None else Match(entry.product_id, entry.name, entry.price, round(score))
        matched.append(replace(row, match=match))
    return matched
