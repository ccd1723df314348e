"""Past activity for the demo pizzeria (`seed_demo --history`, which `make run` uses): three
months of calls and the orders they brought, so the dashboard, lists and charts of a fresh
`make run` show something to look at. Deterministic, and added once."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from stores.models import Customer, Order, OrderItem, Product, Source, Store
from stores.services.customers import customers_refresh_behaviour
from telephony import produced
from telephony.models import Call

PREFIX = "demo-history-"
DAYS = 90
NAMES = ["Julie", "Marc", "Sophie", "Karim", "Léa", "Thomas", "Inès", "Paul", "Chloé", "Hugo"]
NAMES += ["Emma", "Louis", "Sarah", "Nicolas", "Camille", "Yanis", "Manon", "Lucas", "Zoé", "Adam"]
SUMMARIES = [
    "Commande à emporter, retrait dans 20 minutes.",
    "Question sur les horaires du dimanche.",
    "Réservation d'une table pour quatre ce soir.",
    "Livraison demandée, adresse confirmée.",
    "Demande si la pizza végétarienne est sans gluten.",
]


def add_history(store: Store, *, seed: int = 7) -> int:
    """Calls (and the orders some of them brought) over the last DAYS days; returns how many calls
    were added (0 when the history is already there)."""
    if Call.objects.filter(store=store, call_control_id__startswith=PREFIX).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    tz = store.zone
    products = list(Product.objects.filter(store=store, status=Product.Status.AVAILABLE)[:20])
    if not products:
        return 0
    today = timezone.now().astimezone(tz).date()
    with transaction.atomic():
        customers = []
        for n, name in enumerate(NAMES):
            customer, _ = Customer.objects.get_or_create(
                business=store.business, phone=f"+3361999{n:04d}", defaults={"name": name}
            )
            customers.append(customer)
        number = (store.orders.aggregate(m=Max("number"))["m"] or 0) + 1
        calls, orders, lines = [], [], []
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            for n in range(rng.randint(4, 14)):
                # Lunch and dinner rushes, like a pizzeria's phone.
                hour = rng.choice([11, 12, 12, 13, 18, 19, 19, 20, 20, 21])
                started = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=tz)
                customer = rng.choice(customers)
                missed = rng.random() < 0.08
                call = Call(
                    business_id=store.business_id,
                    store=store,
                    customer=customer,
                    call_control_id=f"{PREFIX}{store.pk}-{back}-{n}",
                    from_number=customer.phone,
                    to_number=store.phone or "+33100000001",
                    status=Call.Status.MISSED if missed else Call.Status.COMPLETED,
                    started_at=started,
                    answered_at=None if missed else started,
                    ended_at=started + timedelta(seconds=rng.randint(40, 240)),
                    duration_seconds=0 if missed else rng.randint(40, 240),
                    sentiment="" if missed else rng.choice(["positive", "positive", "neutral", "negative"]),
                    satisfaction=None if missed else rng.randint(5, 10),
                    ai_summary="" if missed else rng.choice(SUMMARIES),
                    analysis_status=Call.AnalysisStatus.NONE if missed else Call.AnalysisStatus.DONE,
                )
                calls.append(call)
                if not missed and rng.random() < 0.55:
                    picked = rng.sample(products, k=rng.randint(1, 3))
                    items = [(p, rng.randint(1, 2)) for p in picked]
                    total = sum((p.price * q for p, q in items), Decimal("0"))
                    tax = (total * store.tax_rate / (100 + store.tax_rate)).quantize(Decimal("0.01"))
                    orders.append((call, started, customer, total, tax, number, items))
                    number += 1
        Call.objects.bulk_create(calls)
        for call, started, customer, total, tax, order_number, items in orders:
            order = Order(
                store=store,
                customer=customer,
                number=order_number,
                status=Order.Status.COMPLETED,
                subtotal=total - tax,
                tax=tax,
                total=total,
                source=Source.CALL,
                confirmed_at=started,
            )
            order.save()
            produced.record(call, order)
            lines.extend(
                OrderItem(
                    order=order,
                    product=p,
                    name=p.name,
                    quantity=q,
                    unit_price=p.price,
                    line_total=p.price * q,
                )
                for p, q in items
            )
            # created_at is set on insert; the order belongs to its call's moment.
            Order.objects.filter(pk=order.pk).update(created_at=started, updated_at=started)
        OrderItem.objects.bulk_create(lines)
        for customer in customers:
            totals = Order.objects.filter(customer=customer).aggregate(n=Count("id"), spent=Sum("total"))
            Customer.objects.filter(pk=customer.pk).update(
                order_count=totals["n"], total_spent=totals["spent"] or Decimal("0")
            )
        customers_refresh_behaviour(customers)
    return len(calls)
