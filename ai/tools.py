"""The tool catalogue every brain uses: one JSON schema per tool (OpenAI function / Realtime
tool definitions) and one implementation that calls the same `stores.services` the dashboard
uses. A tool never raises at the brain: a refusal comes back as
{"ok": false, "error": <code>, "message": ..., "alternatives": [...]} so the brain can offer
what is possible instead ("we close at 23:00, the last table is at 22:15")."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from rapidfuzz import fuzz, process

from ai.context import ItemCtx, StoreContext, VariationCtx, local_now
from ai.matching import SIZE_WORDS, index_for, service_words
from ai.nlu.text import normalize
from ai.session import CallSession, CartLine
from kalliky.errors import AppError
from stores import availability
from stores.holidays import public_holiday
from stores.models import (
    BookingStatus,
    Consultation,
    Customer,
    CustomerExchange,
    Order,
    Reservation,
    ServiceBooking,
    Source,
    Store,
    UniversalService,
)
from stores.models.dietary import ALLERGENS, DIETARY_TAGS
from stores.services import bookings as booking_services
from stores.services.customers import anonymous_customer, complaint_record, customer_touch
from stores.services.orders import order_create, unit_price
from telephony.models import Call

log = logging.getLogger(__name__)
# A consultation that names none of the store's request services lasts the model's default half hour.
CONSULTATION_MINUTES = 30
MAX_QUANTITY = 50
CHECK_QUANTITY = 19  # above this, a count of one item is confirmed with the caller before it is taken


class ToolError(Exception):
    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass
class ToolContext:
    session: CallSession
    ctx: StoreContext
    store: Store

    @property
    def now(self) -> datetime:
        return local_now(self.ctx, self.session.now())

    @property
    def tz(self) -> ZoneInfo:
        return self.now.tzinfo  # type: ignore[return-value]

    @property
    def source(self) -> str:
        return Source.TEST if self.session.sandbox else Source.CALL


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[..., dict[str, Any]]

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def realtime_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
        }


TOOLS: dict[str, Tool] = {}


def tool(
    name: str, description: str, properties: dict[str, Any] | None = None, required: tuple[str, ...] = ()
):
    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        TOOLS[name] = Tool(
            name=name,
            description=description,
            parameters={
                "type": "object",
                "properties": properties or {},
                "required": list(required),
                "additionalProperties": False,
            },
            run=fn,
        )
        return fn

    return register


def call_tool(tc: ToolContext, name: str, arguments: dict[str, Any] | str | None) -> dict[str, Any]:
    """Run one tool; always returns a JSON-serialisable dict and logs it on the session."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            arguments = None
        if not isinstance(arguments, dict):
            result = _error("bad_arguments", "Arguments must be a JSON object.")
            tc.session.tool_log.append({"tool": name, "arguments": {}, "result": result})
            return result
    arguments = dict(arguments or {})
    spec = TOOLS.get(name)
    if spec is None:
        result = _error("unknown_tool", f"There is no tool named {name!r}.")
    else:
        unknown = set(arguments) - set(spec.parameters["properties"])
        missing = [p for p in spec.parameters["required"] if arguments.get(p) in (None, "")]
        if unknown:
            result = _error("bad_arguments", f"Unknown argument(s): {', '.join(sorted(unknown))}.")
        elif missing:
            result = _error("missing_argument", f"Missing: {', '.join(missing)}.", missing=missing)
        else:
            try:
                result = {"ok": True, **spec.run(tc, **arguments)}
            except ToolError as exc:
                result = _error(exc.code, exc.message, **exc.details)
            except AppError as exc:  # a business rule of stores.services
                result = _error(exc.code, exc.detail)
            except (TypeError, ValueError) as exc:
                result = _error("bad_arguments", str(exc))
    tc.session.tool_log.append({"tool": name, "arguments": arguments, "result": result})
    return result


def _error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message, **details}


def openai_tools() -> list[dict[str, Any]]:
    return [t.openai_schema() for t in TOOLS.values()]


# --- helpers --------------------------------------------------------------------------------
def _money(value: Decimal) -> str:
    return f"{value:.2f}"


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


def _when(tc: ToolContext, day: str | None, at: str | None) -> datetime:
    if not day or not at:
        raise ToolError("missing_argument", "A date (YYYY-MM-DD) and a time (HH:MM) are needed.")
    try:
        parsed = datetime.combine(date.fromisoformat(day), time.fromisoformat(at))
    except ValueError:
        raise ToolError("bad_arguments", "Dates are YYYY-MM-DD and times HH:MM.") from None
    return parsed.replace(tzinfo=tc.tz)


def _slot_view(slot: availability.Slot) -> dict[str, Any]:
    return {
        "date": slot.starts_at.date().isoformat(),
        "time": f"{slot.starts_at:%H:%M}",
        "resource": slot.resource_name or None,
    }


def _refusal(refusal: availability.Refusal) -> ToolError:
    details = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in refusal.details.items()}
    return ToolError(
        refusal.code, refusal.message, alternatives=[_slot_view(s) for s in refusal.alternatives], **details
    )


def _service(tc: ToolContext, ref: str | int | None) -> UniversalService:
    services = list(tc.store.services.filter(is_active=True))
    if not services:
        raise ToolError("not_bookable", "This business has no bookable services.")
    if ref in (None, ""):
        if len(services) == 1:
            return services[0]
        raise ToolError("missing_argument", "Which service?", options=[s.name for s in services])
    if isinstance(ref, int) or str(ref).isdigit():
        for s in services:
            if s.pk == int(ref):
                return s

    names = [normalize(s.name) for s in services]
    best = process.extractOne(normalize(str(ref)), names, scorer=fuzz.WRatio, score_cutoff=70)
    if best is None:
        best = process.extractOne(service_words(str(ref)), names, scorer=fuzz.WRatio, score_cutoff=70)
    if best is None:
        raise ToolError(
            "unknown_service", f"{ref!r} is not a service here.", options=[s.name for s in services]
        )
    return services[best[2]]


def _resource_id(tc: ToolContext, ref: str | None, kinds: tuple[str, ...]) -> int | None:
    if not ref:
        return None

    pool = [r for r in tc.ctx.resources if r.type in kinds]
    best = process.extractOne(
        normalize(ref), [normalize(r.name) for r in pool], scorer=fuzz.WRatio, score_cutoff=75
    )
    if best is None:
        raise ToolError("unknown_resource", f"{ref!r} is not one of us.", options=[r.name for r in pool])
    return pool[best[2]].id


def _call(tc: ToolContext) -> Call | None:
    return Call.objects.filter(pk=tc.session.call_id).first() if tc.session.call_id else None


def _customer_name(tc: ToolContext, name: str | None) -> str:
    name = (name or tc.session.customer_name or "").strip()
    if name:
        tc.session.customer_name = name
    return name


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


# --- cart -----------------------------------------------------------------------------------
_LINE_PROPS: dict[str, Any] = {
    "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
    "size": {"type": "string", "description": "Size value as on the menu, e.g. 'Grande'"},
    "extras": {"type": "array", "items": {"type": "string"}, "description": "Extra toppings/options"},
    "notes": {"type": "string", "description": "Kitchen note, e.g. 'sans oignons'"},
    "quantity_confirmed": {
        "type": "boolean",
        "description": f"True only once the caller confirmed a count over {CHECK_QUANTITY} of one item",
    },
}


def _quantity(value: Any, confirmed: bool = False) -> int:
    quantity = int(value)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ToolError("bad_quantity", f"Quantities go from 1 to {MAX_QUANTITY}.")
    if quantity > CHECK_QUANTITY and not confirmed:
        # "cinquante" for "sans", "vingt" for "vin": a count this size is asked back, never taken
        # on the model's word alone.
        raise ToolError(
            "check_quantity",
            f"{quantity} of one item is usually a mishearing: ask the caller to confirm the number, "
            "then call again with quantity_confirmed true.",
            quantity=quantity,
        )
    return quantity


@tool(
    "add_to_order",
    "Add an item to the caller's order. Errors tell you what to ask (e.g. missing size). "
    f"More than {CHECK_QUANTITY} of one item is usually a slip: ask the caller to confirm the number first. "
    "To correct a line already in the order, use update_order_line (it sets, it does not add).",
    {"item": {"type": "string", "description": "Item name as on the menu"}, **_LINE_PROPS},
    ("item",),
)
def add_to_order(
    tc: ToolContext,
    item: str,
    quantity: int = 1,
    size: str | None = None,
    extras: list[str] | None = None,
    notes: str = "",
    quantity_confirmed: bool = False,
) -> dict[str, Any]:
    if not tc.ctx.has_products:
        raise ToolError("not_orderable", "This business does not take orders by phone.")
    if not availability.is_open_at(tc.store, tc.now):
        opens = availability.next_opening(tc.store, tc.now)
        raise ToolError(
            "closed",
            "The kitchen is closed now; orders are taken during opening hours.",
            next_opening=opens.isoformat() if opens else None,
        )
    found = _item(tc, item)
    _check_available(tc, found)
    quantity = _quantity(quantity, quantity_confirmed)
    chosen = _choose_variations(found, size, extras)
    session = tc.session
    ids = [v.id for v in chosen]
    for line in session.cart:  # the same thing again: more of it, not a second line
        if line.product_id == found.id and line.variation_ids == ids and line.notes == notes:
            line.quantity = min(MAX_QUANTITY, line.quantity + quantity)
            return {"line": _line_view(line), "cart": session.cart_view()}
    line = CartLine(
        line_id=session.next_line_id,
        product_id=found.id,
        name=found.name,
        quantity=quantity,
        variation_ids=ids,
        variation_labels=[v.value for v in chosen if not (v.type == "size" and not found.needs_size)],
        unit_price=unit_price(found.price, chosen),
        notes=notes,
    )
    session.next_line_id += 1
    session.cart.append(line)
    return {"line": _line_view(line), "cart": session.cart_view()}


def _line_view(line: CartLine) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "name": line.name,
        "quantity": line.quantity,
        "options": line.variation_labels,
        "notes": line.notes,
        "line_total": _money(line.line_total),
    }


def _line(tc: ToolContext, line_id: int | None, item: str | None) -> CartLine:
    cart = tc.session.cart
    if line_id is not None:
        for line in cart:
            if line.line_id == int(line_id):
                return line
        raise ToolError(
            "unknown_line", f"There is no line {line_id} in the order.", cart=tc.session.cart_view()
        )
    if item:
        wanted = _item(tc, item)
        for line in reversed(cart):
            if line.product_id == wanted.id:
                return line
        raise ToolError("not_in_order", f"{wanted.name} is not in the order.", cart=tc.session.cart_view())
    raise ToolError("missing_argument", "Say which line (line_id) or which item.")


@tool(
    "update_order_line",
    'Correct a line already in the order: the quantity given replaces the old one ("no, two not '
    'one" → quantity 2); size, extras (the full list) and notes replace theirs.',
    {
        "line_id": {"type": "integer"},
        "item": {"type": "string", "description": "Item name, when the line id is not known"},
        **_LINE_PROPS,
    },
)
def update_order_line(
    tc: ToolContext,
    line_id: int | None = None,
    item: str | None = None,
    quantity: int | None = None,
    size: str | None = None,
    extras: list[str] | None = None,
    notes: str | None = None,
    quantity_confirmed: bool = False,
) -> dict[str, Any]:
    line = _line(tc, line_id, item)
    product = tc.ctx.item(line.product_id)
    if product is None:
        raise ToolError("unknown_item", f"{line.name} is no longer on the menu.")
    if quantity is not None:
        line.quantity = _quantity(quantity, quantity_confirmed)
    if notes is not None:
        line.notes = notes
    if size is not None or extras is not None:
        current = [v for v in product.variations if v.id in line.variation_ids]
        keep_size = next((v.value for v in current if v.type == "size"), None)
        keep_extras = [v.value for v in current if v.type != "size"]
        chosen = _choose_variations(product, size or keep_size, extras if extras is not None else keep_extras)
        line.variation_ids = [v.id for v in chosen]
        line.variation_labels = [v.value for v in chosen if not (v.type == "size" and not product.needs_size)]
        line.unit_price = unit_price(product.price, chosen)
    return {"line": _line_view(line), "cart": tc.session.cart_view()}


@tool(
    "replace_order_line",
    'Swap a line for another item ("the calzone for a margherita instead"): same quantity and '
    "size unless given; the old line stays if the new item cannot be added.",
    {
        "line_id": {"type": "integer"},
        "item": {
            "type": "string",
            "description": "Item of the line to replace, when the line id is not known",
        },
        "new_item": {"type": "string", "description": "Item name as on the menu"},
        **_LINE_PROPS,
    },
    ("new_item",),
)
def replace_order_line(
    tc: ToolContext,
    new_item: str,
    line_id: int | None = None,
    item: str | None = None,
    quantity: int | None = None,
    size: str | None = None,
    extras: list[str] | None = None,
    notes: str = "",
    quantity_confirmed: bool = False,
) -> dict[str, Any]:
    line = _line(tc, line_id, item)
    found = _item(tc, new_item)
    _check_available(tc, found)
    old = tc.ctx.item(line.product_id)
    if size is None and old is not None:
        was = next((v.value for v in old.sizes if v.id in line.variation_ids), None)
        size = next((v.value for v in found.sizes if v.value == was), None)
    chosen = _choose_variations(found, size, extras)  # raises before anything changes
    line.product_id = found.id
    line.name = found.name
    line.quantity = _quantity(quantity, quantity_confirmed) if quantity is not None else line.quantity
    line.variation_ids = [v.id for v in chosen]
    line.variation_labels = [v.value for v in chosen if not (v.type == "size" and not found.needs_size)]
    line.unit_price = unit_price(found.price, chosen)
    line.notes = notes
    return {"replaced": old.name if old else "", "line": _line_view(line), "cart": tc.session.cart_view()}


@tool(
    "remove_from_order",
    "Remove a line (or one item) from the order.",
    {"line_id": {"type": "integer"}, "item": {"type": "string"}},
)
def remove_from_order(tc: ToolContext, line_id: int | None = None, item: str | None = None) -> dict[str, Any]:
    line = _line(tc, line_id, item)
    tc.session.cart.remove(line)
    return {"removed": line.name, "cart": tc.session.cart_view()}


@tool(
    "order_summary", "The order so far with the total computed by the server. Read it back before confirming."
)
def order_summary(tc: ToolContext) -> dict[str, Any]:
    return {
        "cart": tc.session.cart_view(),
        "currency": tc.ctx.currency,
        "delivery_type": tc.session.delivery_type or None,
        "delivery_available": tc.ctx.delivery_enabled,
    }


@tool(
    "confirm_order",
    "Place the order after the caller agreed to the read-back total.",
    {
        "delivery_type": {"type": "string", "enum": ["takeaway", "delivery", "dine_in"]},
        "delivery_address": {"type": "string"},
        "customer_name": {"type": "string"},
        "notes": {"type": "string"},
    },
)
def confirm_order(
    tc: ToolContext,
    delivery_type: str | None = None,
    delivery_address: str = "",
    customer_name: str | None = None,
    notes: str = "",
) -> dict[str, Any]:
    session = tc.session
    if not session.cart:
        raise ToolError("empty_order", "The order is empty.")
    delivery_type = delivery_type or session.delivery_type or Order.DeliveryType.TAKEAWAY
    if delivery_type not in Order.DeliveryType.values:
        raise ToolError("bad_arguments", "delivery_type is takeaway, delivery or dine_in.")
    if delivery_type == Order.DeliveryType.DELIVERY:
        if not tc.ctx.delivery_enabled:
            raise ToolError("no_delivery", "This business does not deliver; takeaway only.")
        delivery_address = delivery_address or session.delivery_address
        if not delivery_address:
            raise ToolError("missing_argument", "A delivery address is needed.", missing=["delivery_address"])
    order = order_create(
        store=tc.store,
        items=[
            {
                "product_id": li.product_id,
                "quantity": li.quantity,
                "variation_ids": li.variation_ids,
                "notes": li.notes,
            }
            for li in session.cart
        ],
        customer_phone=session.caller_phone,
        customer_name=_customer_name(tc, customer_name),
        delivery_type=delivery_type,
        delivery_address=delivery_address,
        notes=notes,
        source=tc.source,
        call=_call(tc),
    )
    session.orders.append(order.pk)
    session.cart = []
    session.delivery_type = ""
    if order.customer_id:
        session.customer_id = order.customer_id
    result = {"order_number": order.number, "total": _money(order.total), "delivery_type": delivery_type}
    if _payment_link_sent("order", order.pk):
        result["payment_link"] = "sent_by_sms"  # say so; the caller pays on Stripe's page, never here
    return result


@tool(
    "usual_order",
    "For a returning caller: their most frequent recent order. With add=true, put it in the cart.",
    {"add": {"type": "boolean"}},
)
def usual_order(tc: ToolContext, add: bool = False) -> dict[str, Any]:
    usual = usual_lines(tc)
    if not usual:
        raise ToolError("no_usual", "This caller has no previous order here.")
    if add:
        for line in usual:
            item = tc.ctx.item(line["product_id"])
            if item is None or not item.available:
                continue
            chosen = [v for v in item.variations if v.id in line["variation_ids"] and v.is_available]
            tc.session.cart.append(
                CartLine(
                    line_id=tc.session.next_line_id,
                    product_id=item.id,
                    name=item.name,
                    quantity=line["quantity"],
                    variation_ids=[v.id for v in chosen],
                    variation_labels=[
                        v.value for v in chosen if not (v.type == "size" and not item.needs_size)
                    ],
                    unit_price=unit_price(item.price, chosen),
                    notes=line["notes"],  # "bien cuite" last time is "bien cuite" again
                )
            )
            tc.session.next_line_id += 1
    return {
        "usual": [
            {"name": li["name"], "quantity": li["quantity"], "options": li["options"], "notes": li["notes"]}
            for li in usual
        ],
        "cart": tc.session.cart_view(),
    }


def usual_lines(tc: ToolContext) -> list[dict[str, Any]]:
    """The caller's most frequent order among their last ten (by the set of lines), most recent on ties."""
    if not tc.session.caller_phone:
        return []
    orders = list(
        Order.objects.filter(
            store_id=tc.ctx.store_id,
            customer__phone=tc.session.caller_phone,
            customer__business_id=tc.ctx.business_id,
        )
        .exclude(status=Order.Status.CANCELLED)
        .prefetch_related("items")
        .order_by("-created_at")[:10]
    )
    if not orders:
        return []
    signature = {
        o.pk: tuple(
            sorted(
                (i.product_id or 0, i.quantity, tuple(v["id"] for v in i.variations), i.notes)
                for i in o.items.all()
            )
        )
        for o in orders
    }
    counts = Counter(signature.values())
    best = max(orders, key=lambda o: (counts[signature[o.pk]], o.created_at))
    return [
        {
            "product_id": i.product_id,
            "name": i.name,
            "quantity": i.quantity,
            "variation_ids": [v["id"] for v in i.variations],
            "options": [v["value"] for v in i.variations],
            "notes": i.notes,
        }
        for i in best.items.all()
        if i.product_id
    ]


# --- bookings -------------------------------------------------------------------------------
_WHEN = {
    "date": {"type": "string", "description": "YYYY-MM-DD, in the store's time zone"},
    "time": {"type": "string", "description": "HH:MM, 24 h, in the store's time zone"},
}


@tool(
    "check_availability",
    "Is a time free? kind=reservation (party_size), service (service name) or consultation. "
    "Without a time, lists the free times of that date.",
    {
        "kind": {"type": "string", "enum": ["reservation", "service", "consultation"]},
        **_WHEN,
        "party_size": {"type": "integer", "minimum": 1},
        "service": {"type": "string"},
        "resource": {"type": "string", "description": "A stylist, advisor or room by name"},
        "from_time": {"type": "string", "description": "HH:MM: only list times from then (e.g. the evening)"},
        "to_time": {"type": "string", "description": "HH:MM: only list times before then"},
    },
    ("kind", "date"),
)
def check_availability(
    tc: ToolContext,
    kind: str,
    date: str,
    time: str | None = None,
    party_size: int | None = None,
    service: str | None = None,
    resource: str | None = None,
    from_time: str | None = None,
    to_time: str | None = None,
) -> dict[str, Any]:
    now = tc.now
    if time:
        slot = _check(
            tc, kind, _when(tc, date, time), party_size=party_size, service=service, resource=resource
        )
        return {"available": True, "slot": _slot_view(slot)}
    try:
        day = datetime.strptime(date, "%Y-%m-%d").date()
    except ValueError:
        raise ToolError("bad_arguments", "Dates are YYYY-MM-DD.") from None
    if kind == "reservation":
        slots = availability.reservation_slots(tc.store, day, int(party_size or 2), now=now)
    elif kind == "service":
        svc = _service(tc, service)
        slots = availability.service_slots(
            svc, day, now=now, resource_id=_resource_id(tc, resource, ("staff", "room", "equipment"))
        )
    else:
        slots = availability.consultation_slots(
            tc.store, day, now=now, resource_id=_resource_id(tc, resource, ("staff",))
        )
    seen: list[dict[str, Any]] = []
    for s in slots:
        view = _slot_view(s)
        if from_time and view["time"] < from_time or to_time and view["time"] >= to_time:
            continue
        if not any(v["time"] == view["time"] for v in seen):
            seen.append(view)
    return {"date": date, "slots": seen[:40], "count": len(seen)}


def _check(
    tc: ToolContext,
    kind: str,
    when: datetime,
    *,
    party_size: int | None = None,
    service: str | None = None,
    resource: str | None = None,
    duration_minutes: int | None = None,
) -> availability.Slot:
    now = tc.now
    if kind == "reservation":
        if not party_size:
            raise ToolError("missing_argument", "How many people?", missing=["party_size"])
        result = availability.check_reservation(tc.store, when, int(party_size), now=now)
    elif kind == "service":
        svc = _service(tc, service)
        result = availability.check_service_slot(
            svc, when, now=now, resource_id=_resource_id(tc, resource, ("staff", "room", "equipment"))
        )
    elif kind == "consultation":
        rid = _resource_id(tc, resource, ("staff",))
        minutes = duration_minutes or CONSULTATION_MINUTES
        result = availability.check_consultation(
            tc.store, when, now=now, resource_id=rid, duration_minutes=minutes
        )
    else:
        raise ToolError("bad_arguments", "kind is reservation, service or consultation.")
    if isinstance(result, availability.Refusal):
        raise _refusal(result)
    return result


@tool(
    "book_reservation",
    "Book a table. Check availability first; confirm the details with the caller.",
    {
        **_WHEN,
        "party_size": {"type": "integer", "minimum": 1},
        "customer_name": {"type": "string"},
        "notes": {"type": "string"},
    },
    ("date", "time", "party_size"),
)
def book_reservation(
    tc: ToolContext, date: str, time: str, party_size: int, customer_name: str | None = None, notes: str = ""
) -> dict[str, Any]:
    when = _when(tc, date, time)
    slot = _check(tc, "reservation", when, party_size=party_size)
    reservation = booking_services.reservation_save(
        store=tc.store,
        resource_id=slot.resource_id,
        customer_name=_customer_name(tc, customer_name),
        customer_phone=tc.session.caller_phone,
        source=tc.source,
        party_size=int(party_size),
        starts_at=when,
        duration_minutes=availability.reservation_duration(),
        notes=notes,
        call_id=tc.session.call_id,
    )
    tc.session.bookings.append(f"reservation:{reservation.pk}")
    result = {
        "booking_ref": f"reservation:{reservation.pk}",
        "date": date,
        "time": time,
        "party_size": int(party_size),
    }
    if _payment_link_sent("reservation", reservation.pk):
        result["deposit_link"] = "sent_by_sms"
    return result


def _payment_link_sent(kind: str, object_id: int) -> bool:
    """Whether the caller is texted a payment link for it (billing.deposits)."""
    from billing.models import PaymentLink

    return PaymentLink.objects.filter(kind=kind, object_id=object_id).exists()


@tool(
    "book_service",
    "Book an appointment for a service (haircut, colour…). Check availability first.",
    {
        "service": {"type": "string"},
        **_WHEN,
        "resource": {"type": "string", "description": "Preferred stylist/staff, if the caller named one"},
        "customer_name": {"type": "string"},
        "custom_fields": {"type": "object", "description": "Answers to the service's own questions"},
    },
    ("service", "date", "time"),
)
def book_service(
    tc: ToolContext,
    service: str,
    date: str,
    time: str,
    resource: str | None = None,
    customer_name: str | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    when = _when(tc, date, time)
    svc = _service(tc, service)
    slot = _check(tc, "service", when, service=str(svc.pk), resource=resource)
    booking = booking_services.service_booking_save(
        store=tc.store,
        service_id=svc.pk,
        resource_id=slot.resource_id,
        starts_at=when,
        customer_name=_customer_name(tc, customer_name),
        customer_phone=tc.session.caller_phone,
        custom_field_values=custom_fields or {},
        source=tc.source,
        call=_call(tc),
    )
    tc.session.bookings.append(f"service:{booking.pk}")
    return {
        "booking_ref": f"service:{booking.pk}",
        "service": svc.name,
        "date": date,
        "time": time,
        "with": slot.resource_name or None,
        "price": _money(svc.price),
    }


def _consultation_minutes(tc: ToolContext, *texts: str) -> int:
    """How long the consultation asked for lasts: the duration of the store's request service
    named in the expertise or the problem ("un bilan patrimonial" → its 60 minutes), else the
    default half hour."""
    services = [s for s in tc.ctx.services if s.pattern == UniversalService.Pattern.AVAILABILITY]
    for text in filter(None, texts):
        said = normalize(text)
        scored = [(fuzz.partial_ratio(normalize(s.name), said), s) for s in services]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is not None and best[0] >= 85:
            return best[1].duration_minutes
    return CONSULTATION_MINUTES


@tool(
    "request_consultation",
    "Record a consultation request: the problem, its urgency and the preferred time if any.",
    {
        "problem": {"type": "string"},
        "urgency": {"type": "string", "enum": ["normal", "high", "emergency"]},
        "expertise": {"type": "string"},
        "preferred_date": {"type": "string"},
        "preferred_time": {"type": "string"},
        "customer_name": {"type": "string"},
    },
    ("problem",),
)
def request_consultation(
    tc: ToolContext,
    problem: str,
    urgency: str = "normal",
    expertise: str = "",
    preferred_date: str | None = None,
    preferred_time: str | None = None,
    customer_name: str | None = None,
) -> dict[str, Any]:
    if not tc.ctx.has_consultations:
        raise ToolError("not_bookable", "This business does not take consultation requests.")
    if urgency not in Consultation.Urgency.values:
        urgency = Consultation.Urgency.NORMAL
    preferred = None
    scheduled = None
    minutes = _consultation_minutes(tc, expertise, problem)
    if preferred_date and preferred_time:
        preferred = _when(tc, preferred_date, preferred_time)
        if preferred < tc.now:
            raise ToolError("past", "That time has passed.")
        try:
            slot = _check(tc, "consultation", preferred, duration_minutes=minutes)
            scheduled = slot.starts_at
        except ToolError as exc:
            if exc.code not in ("full", "closed_hours", "closed_day"):
                raise
    consultation = booking_services.consultation_save(
        store=tc.store,
        customer_name=_customer_name(tc, customer_name),
        customer_phone=tc.session.caller_phone,
        source=tc.source,
        problem=problem,
        urgency=urgency,
        expertise_required=expertise,
        preferred_at=preferred,
        scheduled_at=scheduled,
        duration_minutes=minutes,
        call=_call(tc),
    )
    tc.session.bookings.append(f"consultation:{consultation.pk}")
    return {
        "booking_ref": f"consultation:{consultation.pk}",
        "status": consultation.status,
        "scheduled": scheduled.isoformat() if scheduled else None,
        "duration_minutes": minutes,
    }


def _caller_bookings(tc: ToolContext) -> list[tuple[str, Any]]:
    phone = tc.session.caller_phone
    if not phone:
        raise ToolError("no_caller_id", "The caller's number is unknown; bookings are found by phone number.")
    now = tc.now
    found: list[tuple[str, Any]] = []
    active = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    for r in Reservation.objects.filter(
        store=tc.store, customer_phone=phone, status__in=active, starts_at__gte=now
    ):
        found.append((f"reservation:{r.pk}", r))
    for b in ServiceBooking.objects.filter(
        store=tc.store, customer_phone=phone, status__in=active, starts_at__gte=now
    ).select_related("service", "resource"):
        found.append((f"service:{b.pk}", b))
    for c in Consultation.objects.filter(
        store=tc.store,
        customer_phone=phone,
        status__in=(Consultation.Status.REQUESTED, Consultation.Status.SCHEDULED),
    ):
        found.append((f"consultation:{c.pk}", c))
    return found


def _booking_view(tc: ToolContext, ref: str, booking: Any) -> dict[str, Any]:
    at = (
        getattr(booking, "starts_at", None)
        or getattr(booking, "scheduled_at", None)
        or getattr(booking, "preferred_at", None)
    )
    local = at.astimezone(tc.tz) if at else None
    view: dict[str, Any] = {
        "booking_ref": ref,
        "kind": ref.split(":")[0],
        "date": local.date().isoformat() if local else None,
        "time": f"{local:%H:%M}" if local else None,
        "status": booking.status,
    }
    if isinstance(booking, Reservation):
        view["party_size"] = booking.party_size
    if isinstance(booking, ServiceBooking):
        view["service"] = booking.service.name
        view["with"] = booking.resource.name if booking.resource else None
    return view


@tool("find_my_bookings", "The caller's upcoming bookings, found by their phone number.")
def find_my_bookings(tc: ToolContext) -> dict[str, Any]:
    found = _caller_bookings(tc)
    return {"bookings": [_booking_view(tc, ref, b) for ref, b in found], "count": len(found)}


def _own_booking(tc: ToolContext, booking_ref: str) -> tuple[str, Any]:
    found = dict(_caller_bookings(tc))
    if booking_ref not in found:
        raise ToolError("unknown_booking", "No upcoming booking with that reference for this caller.")
    return booking_ref, found[booking_ref]


@tool(
    "cancel_booking",
    "Cancel one of the caller's bookings (a booking_ref from find_my_bookings).",
    {"booking_ref": {"type": "string"}},
    ("booking_ref",),
)
def cancel_booking(tc: ToolContext, booking_ref: str) -> dict[str, Any]:
    ref, booking = _own_booking(tc, booking_ref)
    booking_services.booking_cancel(booking=booking)
    return {"cancelled": _booking_view(tc, ref, booking)}


@tool(
    "move_booking",
    "Move one of the caller's bookings to a new date and time (checked for availability).",
    {"booking_ref": {"type": "string"}, **_WHEN},
    ("booking_ref", "date", "time"),
)
def move_booking(tc: ToolContext, booking_ref: str, date: str, time: str) -> dict[str, Any]:
    ref, booking = _own_booking(tc, booking_ref)
    when = _when(tc, date, time)
    with transaction.atomic():
        if isinstance(booking, Reservation):
            # Free the current table for the check: cancel in the transaction, re-book, keep the row.
            Reservation.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
            slot = _check(tc, "reservation", when, party_size=booking.party_size)
            booking_services.reservation_save(
                store=tc.store,
                reservation=booking,
                resource_id=slot.resource_id,
                customer_name=booking.customer_name,
                customer_phone=booking.customer_phone,
                party_size=booking.party_size,
                starts_at=when,
                duration_minutes=booking.duration_minutes,
                status=BookingStatus.CONFIRMED,
            )
        elif isinstance(booking, ServiceBooking):
            ServiceBooking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
            slot = _check(tc, "service", when, service=str(booking.service_id))
            booking.status = BookingStatus.CONFIRMED
            booking_services.service_booking_save(
                store=tc.store,
                booking=booking,
                service_id=booking.service_id,
                resource_id=slot.resource_id,
                starts_at=when,
                customer_name=booking.customer_name,
                customer_phone=booking.customer_phone,
                custom_field_values=booking.custom_field_values,
                notes=booking.notes,
            )
        else:
            booking.preferred_at = when
            booking.save(update_fields=["preferred_at", "updated_at"])
    booking.refresh_from_db()
    return {"moved": _booking_view(tc, ref, booking)}


# --- the rest -------------------------------------------------------------------------------
@tool(
    "report_issue",
    "Record a complaint or a problem the caller reports, for the owner to follow up.",
    {
        "description": {"type": "string"},
        "category": {
            "type": "string",
            "enum": [
                "quality",
                "delay",
                "missing_item",
                "wrong_order",
                "staff",
                "billing",
                "hygiene",
                "other",
            ],
        },
        "urgency": {"type": "string", "enum": ["low", "normal", "high", "emergency"]},
    },
    ("description",),
)
def report_issue(
    tc: ToolContext, description: str, category: str = "other", urgency: str = "normal"
) -> dict[str, Any]:
    if urgency not in CustomerExchange.Severity.values:
        urgency = CustomerExchange.Severity.NORMAL
    customer = customer_touch(
        business=tc.store.business, phone=tc.session.caller_phone, name=tc.session.customer_name
    ) or _anonymous_customer(tc)
    exchange = complaint_record(
        customer=customer,
        store=tc.store,
        description=description,
        content={"source": tc.source, "session": tc.session.id},
        category=category,
        severity=urgency,
        call_id=tc.session.call_id,
    )
    tc.session.exchanges.append(exchange.pk)
    return {"reference": exchange.pk, "follow_up": True, "severity": urgency}


def _anonymous_customer(tc: ToolContext) -> Customer:
    # A complaint from a hidden number still needs a customer row; one per business holds them.
    return anonymous_customer(business_id=tc.ctx.business_id)


@tool(
    "business_info",
    "Opening hours, whether it is open now, the address and delivery.",
    {"topic": {"type": "string", "enum": ["hours", "open_now", "address", "delivery", "all"]}},
)
def business_info(tc: ToolContext, topic: str = "all") -> dict[str, Any]:
    now = tc.now
    open_now = availability.is_open_at(tc.store, now)
    closes = availability.closes_at(tc.store, now) if open_now else None
    opens = None if open_now else availability.next_opening(tc.store, now)
    lang = tc.session.lang if tc.session.lang in ("fr", "en") else tc.ctx.language
    later = [(s, e) for s, e in availability.opening_periods(tc.store, now.date()) if s > now]
    evening = [(s, e) for s, e in availability.opening_periods(tc.store, now.date()) if _evening(s, e)]
    return {
        "store": tc.ctx.store_name,
        "open_now": open_now,
        "closes_at": f"{closes.astimezone(tc.tz):%H:%M}" if closes else None,
        # "what time do you close tonight?" asked at lunch: the evening service, not the lunch one
        "later_today": [{"opens": f"{s:%H:%M}", "closes": f"{e:%H:%M}"} for s, e in later],
        "tonight": {"opens": f"{evening[-1][0]:%H:%M}", "closes": f"{evening[-1][1]:%H:%M}"}
        if evening
        else None,
        "next_opening": opens.astimezone(tc.tz).isoformat() if opens else None,
        "hours": list(tc.ctx.hours_lines.get(lang, ())),
        "address": tc.ctx.address,
        "phone": tc.ctx.phone,
        "delivery": tc.ctx.delivery_enabled,
        "now": now.isoformat(),
    }


def _evening(starts: datetime, ends: datetime) -> bool:
    """A period that is still open in the evening (after 18:00, or running past midnight)."""
    return ends.date() > starts.date() or ends.time() > time(18, 0)


@tool(
    "hours_on_date",
    "Whether the business opens on a given date and its hours that day: closed dates, special hours "
    "and public holidays included. status 'unknown' means a public holiday the owner has not decided "
    "about: say you will check, never guess open or closed.",
    {"date": _WHEN["date"]},
    ("date",),
)
def hours_on_date(tc: ToolContext, date: str) -> dict[str, Any]:
    try:
        day = datetime.strptime(date, "%Y-%m-%d").date()
    except ValueError:
        raise ToolError("bad_arguments", "Dates are YYYY-MM-DD.") from None
    found = availability.day_hours(tc.store, day)
    lang = tc.session.lang if tc.session.lang in ("fr", "en") else tc.ctx.language
    holiday = public_holiday(tc.store.country, day, lang) if found.holiday else None  # the caller's language
    after = max(datetime.combine(day, time.min, tzinfo=tc.tz), tc.now)
    opens = None if found.periods else availability.next_opening(tc.store, after)
    return {
        "date": date,
        "status": found.status,
        "hours": [f"{s:%H:%M}–{e:%H:%M}" for s, e in found.periods],
        "holiday": holiday,
        "reason": found.reason if found.reason != found.holiday else holiday,
        "past": day < tc.now.date(),
        "next_opening": opens.isoformat() if opens else None,
    }


@tool(
    "transfer_to_human",
    "Hand the call to a person (the caller asked, or you cannot help).",
    {"reason": {"type": "string"}},
)
def transfer_to_human(tc: ToolContext, reason: str = "") -> dict[str, Any]:
    return {"action": "transfer", "reason": reason or "caller request", "to": tc.ctx.phone or None}


@tool("end_call", "End the call after saying goodbye.", {"reason": {"type": "string"}})
def end_call(tc: ToolContext, reason: str = "") -> dict[str, Any]:
    return {"action": "hangup", "reason": reason or "goodbye"}
