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
    from datetime import timedelta

    from django.db.models import Count, Max, Sum

    from stores.models import CustomerExchange, Order, OrderItem
    from stores.models.bookings import Source

    orders = (
        Order.objects.filter(customer=customer)
        .exclude(status=Order.Status.CANCELLED)
        .exclude(source=Source.TEST)
    )
    totals = orders.aggregate(n=Count("id"), spent=Sum("total"), last=Max("created_at"))
    count, spent, last = totals["n"] or 0, totals["spent"] or Decimal("0"), totals["last"]
    items = OrderItem.objects.filter(order__in=orders)
    products = list(
        items.values("name")
        .annotate(q=Sum("quantity"))
        .order_by("-q", "name")
        .values_list("name", flat=True)[:5]
    )
    categories = list(
        items.exclude(product__category__isnull=True)
        .values("product__category__name")
        .annotate(q=Sum("quantity"))
        .order_by("-q", "product__category__name")
        .values_list("product__category__name", flat=True)[:3]
    )
    now = timezone.now()
    recent = orders.filter(created_at__gte=now - timedelta(days=90)).count()
    grave = CustomerExchange.objects.filter(
        customer=customer,
        type=CustomerExchange.Type.COMPLAINT,
        severity__in=(CustomerExchange.Severity.HIGH, CustomerExchange.Severity.EMERGENCY),
        created_at__gte=now - timedelta(days=90),
    ).count()
    recency = 0
    if last is not None:
        age = (now - last).days
        recency = 15 if age <= 30 else 8 if age <= 90 else 0
    score = (
        min(50, 10 * count) + min(25, int(spent // 20)) + recency + (10 if recent >= 2 else 0) - 10 * grave
    )
    behaviour, _ = CustomerBehavior.objects.get_or_create(customer=customer)
    behaviour.favorite_products = products
    behaviour.favorite_categories = categories
    behaviour.average_basket = (spent / count).quantize(Decimal("0.01")) if count else Decimal("0")
    behaviour.last_order_at = last
    behaviour.loyalty_score = max(0, min(100, score))
    behaviour.save()
    Customer.objects.filter(pk=customer.pk).update(total_spent=spent, order_count=count)
    customer.total_spent, customer.order_count = spent, count
    return behaviour
