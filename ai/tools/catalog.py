"""Tools about the menu: search it, dietary facts, describe an item."""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process

from ai.context import ItemCtx, VariationCtx
from ai.matching import SIZE_WORDS, index_for
from ai.nlu.text import normalize
from ai.tools.registry import ToolContext, ToolError, _money, tool
from stores.models.dietary import ALLERGENS, DIETARY_TAGS


def _item(tc: ToolContext, ref: str | int) -> ItemCtx:
    index = index_for(tc.ctx)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        item = tc.ctx.item(int(ref))
        if item is not None:
            return item
    found = index.search(str(ref), limit=3)
    if not found:
        raise ToolError(
            "unknown_item",
            f"{ref!r} is not on the menu.",
            suggestions=[i.name for i, _ in index.search(str(ref).split()[0], limit=3)]
            if str(ref).split()
            else [],
        )
    return found[0][0]


def _variation(item: ItemCtx, wanted: str, pool: tuple[VariationCtx, ...]) -> VariationCtx | None:
    norm = normalize(wanted)
    for v in pool:
        if normalize(v.value) == norm or normalize(f"{v.name} {v.value}") == norm:
            return v
    for concept_words in SIZE_WORDS.values():
        if norm in concept_words:
            for v in pool:
                if normalize(v.value) in concept_words:
                    return v

    best = process.extractOne(norm, [normalize(v.value) for v in pool], scorer=fuzz.ratio, score_cutoff=80)
    return pool[best[2]] if best else None


def _choose_variations(item: ItemCtx, size: str | None, extras: list[str] | None) -> list[VariationCtx]:
    chosen: list[VariationCtx] = []
    if size:
        v = _variation(item, size, item.sizes)
        if v is None:
            raise ToolError(
                "unknown_size",
                f"{item.name} comes in {', '.join(s.value for s in item.sizes) or 'one size'}.",
                item=item.name,
                options=[s.value for s in item.sizes if s.is_available],
            )
        chosen.append(v)
    elif item.needs_size:
        raise ToolError(
            "missing_variation",
            f"Which size for {item.name}?",
            item=item.name,
            variation="size",
            options=[
                {"value": s.value, "price": _money(s.unit_price(item.price))}
                for s in item.sizes
                if s.is_available
            ],
        )
    elif item.sizes:
        chosen.append(next(s for s in item.sizes if s.is_available))
    for wanted in extras or []:
        v = _variation(item, wanted, item.extras)
        if v is None:
            raise ToolError(
                "unknown_extra",
                f"{wanted!r} is not an option for {item.name}.",
                item=item.name,
                options=[e.value for e in item.extras if e.is_available],
            )
        chosen.append(v)
    for v in chosen:
        if not v.is_available:
            raise ToolError(
                "variation_unavailable", f"{item.name} {v.value} is unavailable today.", item=item.name
            )
    return chosen


def _check_available(tc: ToolContext, item: ItemCtx) -> None:
    if item.available:
        return
    same = [i.name for i in tc.ctx.items if i.category == item.category and i.available and i.id != item.id][
        :3
    ]
    raise ToolError(
        "out_of_stock" if item.status == "out_of_stock" else "unavailable",
        f"{item.name} is not available today.",
        item=item.name,
        alternatives=same,
    )


def _item_view(item: ItemCtx) -> dict[str, Any]:
    return {
        **_item_summary(item),
        # Only what is known; a fact missing here is unknown, never "no" (see dietary_info).
        "dietary": [key for key, value in item.dietary if value],
        "allergens": [key for key, value in item.allergens if value],
    }


def _item_summary(item: ItemCtx) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "category": item.category,
        "price": _money(item.price),
        "available": item.available,
        "sizes": [
            {"value": v.value, "price": _money(v.unit_price(item.price))}
            for v in item.sizes
            if v.is_available
        ],
        "extras": [
            {"value": v.value, "price_delta": _money(v.price_delta)} for v in item.extras if v.is_available
        ],
    }


# --- catalog --------------------------------------------------------------------------------
@tool(
    "search_catalog",
    "Find menu items by name, keyword or category. Use before quoting any item or price. With "
    "`dietary` and/or `without_allergens` (and an empty query for the whole menu) it lists only "
    "the items known to match; items whose facts are unknown are counted in `unknown`, not listed.",
    {
        "query": {"type": "string", "description": "What the caller asked for, e.g. 'pizza jambon'"},
        "dietary": {"type": "string", "enum": list(DIETARY_TAGS), "description": "Only items with this tag"},
        "without_allergens": {
            "type": "array",
            "items": {"type": "string", "enum": list(ALLERGENS)},
            "description": "Only items known not to contain these allergens",
        },
    },
)
def search_catalog(
    tc: ToolContext, query: str = "", dietary: str | None = None, without_allergens: list[str] | None = None
) -> dict[str, Any]:
    index = index_for(tc.ctx)
    if dietary or without_allergens:
        return _diet_search(tc, query, dietary, without_allergens or [])
    found = [item for item, _ in index.search(query, limit=6)]
    if not found:
        found = index.items_in_category(normalize(query).split())[:8]
    return {"items": [_item_view(i) for i in found], "count": len(found)}


def diet_match(item: ItemCtx, dietary: str | None, without: list[str]) -> bool | None:
    """True: known to match; False: known not to; None: something needed is unknown."""
    facts = ([item.tag(dietary)] if dietary else []) + [
        None if item.contains(key) is None else not item.contains(key) for key in without
    ]
    if False in facts:
        return False
    return None if None in facts else True


def _diet_search(tc: ToolContext, query: str, dietary: str | None, without: list[str]) -> dict[str, Any]:
    unknown_keys = [k for k in [dietary, *without] if k and k not in DIETARY_TAGS + ALLERGENS]
    if dietary and dietary not in DIETARY_TAGS or unknown_keys:
        raise ToolError("bad_arguments", f"Unknown tag or allergen: {', '.join(unknown_keys)}.")
    index = index_for(tc.ctx)
    pool = list(tc.ctx.items)
    if query.strip():
        pool = index.items_in_category(normalize(query).split()) or [
            i for i, _ in index.search(query, limit=6)
        ]
    pool = [i for i in pool if i.available]
    verdicts = [(i, diet_match(i, dietary, without)) for i in pool]
    matching = [i for i, verdict in verdicts if verdict]
    unknown = [i.name for i, verdict in verdicts if verdict is None]
    return {
        "items": [_item_view(i) for i in matching],
        "count": len(matching),
        "unknown": len(unknown),
        "unknown_items": unknown[:8],
    }


@tool(
    "dietary_info",
    "Is an item vegetarian / vegan / halal / kosher / gluten-free, does it contain an allergen. "
    "Each answer is yes, no or unknown: on unknown say you do not know and offer to ask the team; "
    "never guess.",
    {
        "item": {"type": "string", "description": "Item name (or id)"},
        "dietary": {"type": "string", "enum": list(DIETARY_TAGS)},
        "allergen": {"type": "string", "enum": list(ALLERGENS)},
    },
    ("item",),
)
def dietary_info(
    tc: ToolContext, item: str, dietary: str | None = None, allergen: str | None = None
) -> dict[str, Any]:
    found = _item(tc, item)
    if dietary is not None and dietary not in DIETARY_TAGS:
        raise ToolError("bad_arguments", f"Unknown dietary tag {dietary!r}.", known=list(DIETARY_TAGS))
    if allergen is not None and allergen not in ALLERGENS:
        raise ToolError("bad_arguments", f"Unknown allergen {allergen!r}.", known=list(ALLERGENS))
    answer: dict[str, Any] = {"item": found.name}
    if dietary:
        answer["dietary"] = {"tag": dietary, "answer": _yes_no(found.tag(dietary))}
    if allergen:
        answer["allergen"] = {"allergen": allergen, "contains": _yes_no(found.contains(allergen))}
    answer["known_dietary"] = {key: _yes_no(value) for key, value in found.dietary}
    answer["known_allergens"] = {key: _yes_no(value) for key, value in found.allergens}
    answer["everything_else"] = "unknown"
    return answer


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


@tool(
    "describe_item",
    "Price, sizes, extras and availability of one menu item.",
    {"item": {"type": "string", "description": "Item name (or id)"}},
    ("item",),
)
def describe_item(tc: ToolContext, item: str) -> dict[str, Any]:
    found = _item(tc, item)
    return {"item": {**_item_view(found), "description": found.description, "status": found.status}}
