from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kalliky.errors import Conflict, ValidationFailed
from kalliky.events import publish
from stores.events import announce_order_changed, order_placed, order_status_changed
from stores.models import Order, OrderItem, PreparationTicket, Product, Source, Store
from stores.services.customers import customer_touch

CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price(base: Decimal, chosen: Any) -> Decimal:
    """The one pricing rule, shared with the assistant's cart: a chosen variation with a price
    replaces the base price (a size); the others add their delta (extras)."""
    replacing = [v for v in chosen if v.price is not None]
    unit = replacing[0].price if replacing else base
    return _money(unit + sum((v.price_delta for v in chosen if v.price is None), Decimal("0")))


def price_line(product: Product, variation_ids: list[int], n: int) -> tuple[Decimal, list[dict[str, Any]]]:
    """Unit price and the variation snapshot: a variation with a price replaces the product's
    price (sizes); the others add their delta (extras)."""
    by_id = {v.pk: v for v in product.variations.all()}
    chosen = []
    for vid in variation_ids:
        variation = by_id.get(vid)
        if variation is None:
            raise ValidationFailed(
                f"Variation {vid} is not a variation of {product.name}.", field=f"items.{n}.variation_ids"
            )
        if not variation.is_available:
            raise ValidationFailed(
                f"{product.name} {variation.value} is unavailable.", field=f"items.{n}.variation_ids"
            )
        chosen.append(variation)
    replacing = [v for v in chosen if v.price is not None]
    if len(replacing) > 1:
        raise ValidationFailed(
            f"Choose one size for {product.name}, not {len(replacing)}.", field=f"items.{n}.variation_ids"
        )
    unit = unit_price(product.price, chosen)
    snapshot = [
        {
            "id": v.pk,
            "type": v.type,
            "name": v.name,
            "value": v.value,
            "price": str(v.price) if v.price is not None else None,
            "price_delta": str(v.price_delta),
        }
        for v in chosen
    ]
    return _money(unit), snapshot


def order_create(
    *,
    store: Store,
    items: list[dict[str, Any]],
    customer_phone: str = "",
    customer_name: str = "",
    delivery_type: str = Order.DeliveryType.TAKEAWAY,
    delivery_address: str = "",
    urgency: str = Order.Urgency.NORMAL,
    notes: str = "",
    source: str = Source.MANUAL,
) -> Order:
    """Create a confirmed order priced from the catalog, its items and its kitchen ticket.

    Catalog prices include tax (as menus do in France): the total is the sum of the lines and
    the tax is the part of it at the store's rate."""
    product_ids = {line["product_id"] for line in items}
    products = {p.pk: p for p in store.products.filter(pk__in=product_ids).prefetch_related("variations")}
    lines = []
    for n, line in enumerate(items):
        product = products.get(line["product_id"])
        if product is None:
            raise ValidationFailed(
                f"Product {line['product_id']} does not exist in this store.", field=f"items.{n}.product_id"
            )
        if product.status != Product.Status.AVAILABLE:
            raise ValidationFailed(
                _("%(name)s is %(status)s.")
                % {"name": product.name, "status": product.get_status_display().lower()},
                field=f"items.{n}.product_id",
            )
        unit, snapshot = price_line(product, line.get("variation_ids", []), n)
        lines.append((product, line["quantity"], unit, snapshot, line.get("notes", "")))

    total = _money(sum((unit * qty for _p, qty, unit, _s, _n in lines), Decimal("0")))
    tax = _money(total * store.tax_rate / (Decimal("100") + store.tax_rate))
    with transaction.atomic():
        # Lock the store row so two simultaneous orders never get the same number.
        Store.objects.select_for_update().filter(pk=store.pk).first()
        number = (store.orders.aggregate(m=Max("number"))["m"] or 0) + 1
        customer = customer_touch(business=store.business, phone=customer_phone, name=customer_name)
        now = timezone.now()
        order = Order.objects.create(
            store=store,
            customer=customer,
            customer_name=customer_name.strip(),
            number=number,
            status=Order.Status.CONFIRMED,
            delivery_type=delivery_type,
            delivery_address=delivery_address,
            urgency=urgency,
            subtotal=total - tax,
            tax=tax,
            total=total,
            notes=notes,
            source=source,
            confirmed_at=now,
        )
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                product=p,
                name=p.name,
                quantity=q,
                unit_price=u,
                variations=s,
                line_total=_money(u * q),
                notes=note,
            )
            for p, q, u, s, note in lines
        )
        PreparationTicket.objects.create(
            store=store,
            order=order,
            items=[
                {"name": p.name, "quantity": q, "variations": [v["value"] for v in s], "notes": note}
                for p, q, _unit, s, note in lines
            ],
            priority=PreparationTicket.Priority.URGENT
            if urgency != Order.Urgency.NORMAL
            else PreparationTicket.Priority.NORMAL,
        )
        if customer is not None:
            type(customer).objects.filter(pk=customer.pk).update(
                total_spent=F("total_spent") + total, order_count=F("order_count") + 1
            )
        announce_order_changed(store.pk, order.pk)  # the new ticket appears on the kitchen board
        # Once committed: billing records the commission (and a payment link for a large call
        # order), notifications tell the owner and text the caller.
        publish(order_placed, sender=Order, order=order, customer_phone=customer_phone)
    return order


def order_set_status(*, order: Order, status: str) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == status:
            return order
        if not order.can_become(status):
            raise Conflict(
                _("An order that is %(now)s cannot become %(then)s.")
                % {
                    "now": order.get_status_display().lower(),
                    "then": str(Order.Status(status).label).lower(),
                },
                field="status",
            )
        previous = order.status
        order.status = status
        fields = ["status", "updated_at"]
        if status == Order.Status.CONFIRMED:
            order.confirmed_at = timezone.now()
            fields.append("confirmed_at")
        order.save(update_fields=fields)
        if status == Order.Status.CANCELLED:
            PreparationTicket.objects.filter(order=order).update(status=PreparationTicket.Status.CANCELLED)
        announce_order_changed(order.store_id, order.pk)
        publish(order_status_changed, sender=Order, order=order, previous=previous, status=status)
    return order


def ticket_set_status(*, ticket: PreparationTicket, status: str) -> PreparationTicket:
    with transaction.atomic():
        ticket = PreparationTicket.objects.select_for_update().select_related("order").get(pk=ticket.pk)
        if ticket.status == status:
            return ticket
        if not ticket.can_become(status):
            raise Conflict(
                _("A ticket that is %(now)s cannot become %(then)s.")
                % {
                    "now": ticket.get_status_display().lower(),
                    "then": str(PreparationTicket.Status(status).label).lower(),
                },
                field="status",
            )
        now = timezone.now()
        ticket.status = status
        if status == PreparationTicket.Status.IN_PROGRESS:
            ticket.started_at = now
        if status == PreparationTicket.Status.READY:
            ticket.ready_at = now
            ticket.started_at = ticket.started_at or now
        ticket.save(update_fields=["status", "started_at", "ready_at", "updated_at"])
        # The kitchen drives the order forward too.
        follow = {
            PreparationTicket.Status.IN_PROGRESS: Order.Status.PREPARING,
            PreparationTicket.Status.READY: Order.Status.READY,
            PreparationTicket.Status.SERVED: Order.Status.COMPLETED,
        }.get(status)
        if follow and ticket.order.can_become(follow):
            Order.objects.filter(pk=ticket.order_id).update(status=follow, updated_at=now)
            previous, ticket.order.status = ticket.order.status, follow
            publish(order_status_changed, sender=Order, order=ticket.order, previous=previous, status=follow)
        announce_order_changed(ticket.store_id, ticket.order_id)
    return ticket
