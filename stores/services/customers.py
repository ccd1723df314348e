from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from accounts.models import Business
from stores.models import Customer, CustomerBehavior


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


def customer_refresh_behaviour(customer: Customer) -> CustomerBehavior:
    """Recompute a customer's totals and behaviour from their orders and complaints.

    Recomputed, not incremented, so running it again (a re-analysed call) changes nothing.
    Cancelled orders and assistant test orders do not count.

    loyalty_score (0–100) = orders (10 per order, at most 50)
                          + spending (1 per 20 of currency spent, at most 25)
                          + recency (15 if the last order is within 30 days, 8 within 90, else 0)
                          + regularity (10 if two orders or more within the last 90 days)
                          − 10 per complaint of high severity or worse in the last 90 days.
    """
    from collections import Counter
    from datetime import timedelta

    from django.db.models import Count, Max, Q, Sum

    from stores.models import CustomerExchange, Order, OrderItem
    from stores.models.bookings import Source

    now = timezone.now()
    since = now - timedelta(days=90)
    orders = (
        Order.objects.filter(customer=customer)
        .exclude(status=Order.Status.CANCELLED)
        .exclude(source=Source.TEST)
    )
    totals = orders.aggregate(
        n=Count("id"),
        spent=Sum("total"),
        last=Max("created_at"),
        recent=Count("id", filter=Q(created_at__gte=since)),
    )
    count, spent, last = totals["n"] or 0, totals["spent"] or Decimal("0"), totals["last"]
    by_product: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    lines = OrderItem.objects.filter(order__in=orders).values_list(
        "name", "product__category__name", "quantity"
    )
    for name, category, quantity in lines:
        by_product[name] += quantity
        if category:
            by_category[category] += quantity
    grave = CustomerExchange.objects.filter(
        customer=customer,
        type=CustomerExchange.Type.COMPLAINT,
        severity__in=(CustomerExchange.Severity.HIGH, CustomerExchange.Severity.EMERGENCY),
        created_at__gte=since,
    ).count()
    recency = 0
    if last is not None:
        age = (now - last).days
        recency = 15 if age <= 30 else 8 if age <= 90 else 0
    regular = 10 if totals["recent"] >= 2 else 0
    score = min(50, 10 * count) + min(25, int(spent // 20)) + recency + regular - 10 * grave
    values = {
        # Most ordered first; ties by name, so a re-run gives the same list.
        "favorite_products": [n for n, _ in sorted(by_product.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
        "favorite_categories": [
            c for c, _ in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        ],
        "average_basket": (spent / count).quantize(Decimal("0.01")) if count else Decimal("0"),
        "last_order_at": last,
        "loyalty_score": max(0, min(100, score)),
        "updated_at": now,
    }
    if not CustomerBehavior.objects.filter(customer=customer).update(**values):
        CustomerBehavior.objects.create(customer=customer, **values)
    Customer.objects.filter(pk=customer.pk).update(total_spent=spent, order_count=count)
    customer.total_spent, customer.order_count = spent, count
    return CustomerBehavior(customer=customer, **values)
