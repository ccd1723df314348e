"""Tools that build the caller's order: the cart, its confirmation, "the usual"."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import transaction

from ai.session import CartLine
from ai.tools.catalog import _check_available, _choose_variations, _item
from ai.tools.registry import (
    ToolContext,
    ToolError,
    _customer_name,
    _money,
    _payment_link_sent,
    _produced,
    tool,
)
from stores import availability
from stores.models import Order
from stores.services.orders import order_create, unit_price

# --- cart -----------------------------------------------------------------------------------
MAX_QUANTITY = 50
CHECK_QUANTITY = 19  # above this, a count of one item is confirmed with the caller before it is taken
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
    with transaction.atomic():  # the row and the record that this conversation made it, together
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
        )
        _produced(tc, order)
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
