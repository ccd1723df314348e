"""GET /api/stores/{id}/orders with 50,000 orders in the store: latency and query count."""

from __future__ import annotations

import platform
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import measure, print_table, queries_for, setup_django, write_json  # noqa: E402

ORDERS = 50_000
REQUESTS = 300


def seed():  # noqa: ANN201
    from django.utils import timezone

    from accounts.models import Business, Membership, User
    from stores.models import Customer, Order, OrderItem, Store

    user, _ = User.objects.get_or_create(email="bench@kalliky.local")
    business, _ = Business.objects.get_or_create(owner=user, name="Bench Pizzeria")
    Membership.objects.get_or_create(user=user, business=business, defaults={"role": "owner"})
    store, _ = Store.objects.get_or_create(business=business, slug="bench", defaults={"name": "Bench"})
    have = store.orders.count()
    if have >= ORDERS:
        return user, store, 0.0
    started = time.perf_counter()
    customers = Customer.objects.bulk_create(
        [Customer(business=business, phone=f"+336{n:08d}", name=f"Client {n}") for n in range(500)],
        ignore_conflicts=True,
    )
    customers = list(Customer.objects.filter(business=business))
    now = timezone.now()
    statuses = ["confirmed", "preparing", "ready", "completed", "cancelled"]
    batch = 5_000
    for first in range(have, ORDERS, batch):
        orders = [
            Order(
                store=store,
                number=n + 1,
                customer=customers[n % len(customers)],
                status=statuses[n % 5],
                delivery_type=("takeaway", "delivery", "dine_in")[n % 3],
                subtotal=Decimal("20.00"),
                tax=Decimal("2.00"),
                total=Decimal("22.00"),
                source="call",
            )
            for n in range(first, min(first + batch, ORDERS))
        ]
        created = Order.objects.bulk_create(orders)
        # Spread creation times over ~a year (auto_now_add ignores values given to bulk_create).
        for order in created:
            order.created_at = now - timedelta(minutes=10 * (ORDERS - order.number))
        Order.objects.bulk_update(created, ["created_at"], batch_size=1000)
        OrderItem.objects.bulk_create(
            OrderItem(
                order=o, name="Margherita", quantity=2, unit_price=Decimal("10"), line_total=Decimal("20")
            )
            for o in created[::10]
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give in production
    return user, store, time.perf_counter() - started


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client

    user, store, seed_seconds = seed()
    client = Client()
    client.force_login(user)
    base = f"/api/stores/{store.pk}/orders"
    cases = {
        "newest page (limit 50)": base,
        "filter status=confirmed": f"{base}?status=confirmed",
        "deep page offset=49000": f"{base}?offset=49000",
        "page of 200": f"{base}?limit=200",
    }
    rows = []
    for label, url in cases.items():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:200]!r}")
        queries = queries_for(client, url)
        stats = measure(lambda url=url: client.get(url), repeat=REQUESTS)
        rows.append(
            {
                "case": label,
                **stats,
                "queries": queries,
                "items": len(response.json()["items"]),
                "count": response.json()["count"],
            }
        )
    print_table(
        f"GET /api/stores/{{id}}/orders — {ORDERS:,} orders, {REQUESTS} requests per case "
        f"({connection.vendor}, in-process client)",
        rows,
    )
    path = write_json(
        "orders_list",
        {
            "benchmark": "orders_list",
            "orders": ORDERS,
            "requests_per_case": REQUESTS,
            "database": connection.vendor,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "seed_seconds": round(seed_seconds, 1),
            "results": rows,
        },
    )
    print(f"\nwritten {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
