from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from accounts.models import Business
from kalliky.bulk import update_rows
from kalliky.events import publish
from stores.events import complaint_recorded
from stores.models import Customer, CustomerBehavior, CustomerExchange, Order, OrderItem, Store
from stores.models.bookings import Source


def customer_touch(*, business: Business, phone: str, name: str = "") -> Customer | None:
    """The business's customer for this phone (created on first contact), or None without a phone."""
    if not phone:
        return None
    customer, created = Customer.objects.get_or_create(
        business=business, phone=phone, defaults={"name": name}
    )
    if created:
        CustomerBehavior.objects.create(customer=customer)
        return customer
    customer.last_seen = timezone.now()
    fields = ["last_seen", "updated_at"]
    if name and not customer.name:
        customer.name = name
        fields.append("name")
    customer.save(update_fields=fields)
    return customer


def anonymous_customer(*, business_id: int) -> Customer:
    """The one customer row per business that holds exchanges from hidden numbers."""
    customer, _ = Customer.objects.get_or_create(business_id=business_id, phone="", defaults={"name": "—"})
    return customer


def complaint_record(
    *,
    customer: Customer,
    store: Store | None,
    description: str,
    category: str = "other",
    severity: str = CustomerExchange.Severity.NORMAL,
    content: dict[str, Any] | None = None,
) -> CustomerExchange:
    """A complaint heard from a customer; once committed, `complaint_recorded` is published (the
    owner is told according to its severity)."""
    exchange = CustomerExchange.objects.create(
        customer=customer,
        store=store,
        type=CustomerExchange.Type.COMPLAINT,
        description=description[:500],
        category=category or "other",
        severity=severity,
        follow_up_required=True,
        content=content or {},
    )
    publish(complaint_recorded, sender=CustomerExchange, exchange=exchange)
    return exchange


def customer_refresh_behaviour(customer: Customer) -> CustomerBehavior:
    """Recompute one customer's totals and behaviour (see customers_refresh_behaviour)."""
    return customers_refresh_behaviour([customer])[customer.pk]


def customers_refresh_behaviour(customers: list[Customer]) -> dict[int, CustomerBehavior]:
    """Recompute customers' totals and behaviour from their orders and complaints, in a fixed
    number of queries whatever their number (the post-call analysis refreshes a batch at once).

    Recomputed, not incremented, so running it again (a re-analysed call) changes nothing.
    Cancelled orders and assistant test orders do not count.

    loyalty_score (0–100) = orders (10 per order, at most 50)
                          + spending (1 per 20 of currency spent, at most 25)
                          + recency (15 if the last order is within 30 days, 8 within 90, else 0)
                          + regularity (10 if two orders or more within the last 90 days)
                          − 10 per complaint of high severity or worse in the last 90 days.
    """
    by_id = {c.pk: c for c in customers}
    if not by_id:
        return {}
    ids = list(by_id)
    now = timezone.now()
    since = now - timedelta(days=90)
    orders = (
        Order.objects.filter(customer_id__in=ids)
        .exclude(status=Order.Status.CANCELLED)
        .exclude(source=Source.TEST)
    )
    totals = {
        row["customer_id"]: row
        for row in orders.order_by()
        .values("customer_id")
        .annotate(
            n=Count("id"),
            spent=Sum("total"),
            last=Max("created_at"),
            recent=Count("id", filter=Q(created_at__gte=since)),
        )
    }
    by_product: dict[int, Counter[str]] = defaultdict(Counter)
    by_category: dict[int, Counter[str]] = defaultdict(Counter)
    lines = OrderItem.objects.filter(order__in=orders).values_list(
        "order__customer_id", "name", "product__category__name", "quantity"
    )
    for customer_id, name, category, quantity in lines:
        by_product[customer_id][name] += quantity
        if category:
            by_category[customer_id][category] += quantity
    grave = dict(
        CustomerExchange.objects.filter(
            customer_id__in=ids,
            type=CustomerExchange.Type.COMPLAINT,
            severity__in=(CustomerExchange.Severity.HIGH, CustomerExchange.Severity.EMERGENCY),
            created_at__gte=since,
        )
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    existing = {b.customer_id: b for b in CustomerBehavior.objects.filter(customer_id__in=ids)}
    fields = ["favorite_products", "favorite_categories", "average_basket", "last_order_at", "loyalty_score"]
    result: dict[int, CustomerBehavior] = {}
    for customer_id, customer in by_id.items():
        row = totals.get(customer_id) or {}
        count, spent, last = row.get("n") or 0, row.get("spent") or Decimal("0"), row.get("last")
        recency = 0
        if last is not None:
            age = (now - last).days
            recency = 15 if age <= 30 else 8 if age <= 90 else 0
        regular = 10 if (row.get("recent") or 0) >= 2 else 0
        score = (
            min(50, 10 * count)
            + min(25, int(spent // 20))
            + recency
            + regular
            - 10 * grave.get(customer_id, 0)
        )
        products, categories = by_product[customer_id], by_category[customer_id]
        values = {
            # Most ordered first; ties by name, so a re-run gives the same list.
            "favorite_products": [n for n, _ in sorted(products.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
            "favorite_categories": [
                c for c, _ in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
            ],
            "average_basket": (spent / count).quantize(Decimal("0.01")) if count else Decimal("0"),
            "last_order_at": last,
            "loyalty_score": max(0, min(100, score)),
        }
        behaviour = existing.get(customer_id) or CustomerBehavior(customer=customer)
        for name, value in values.items():
            setattr(behaviour, name, value)
        behaviour.updated_at = now
        result[customer_id] = behaviour
        customer.total_spent, customer.order_count = spent, count
    update_rows([b for b in result.values() if b.pk is not None], [*fields, "updated_at"])
    # A behaviour row another process created meanwhile holds the same recomputed values.
    CustomerBehavior.objects.bulk_create([b for b in result.values() if b.pk is None], ignore_conflicts=True)
    update_rows(list(by_id.values()), ["total_spent", "order_count"])
    return result
