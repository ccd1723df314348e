# ruff: noqa: F811 - fixtures imported from the ai suite are used by name
"""The billing API's "orders" is the billing page's "Orders taken by the assistant" and the
dashboard's "taken by the assistant": one definition (stores.selectors.assistant_orders), the
same month on the same clock. Commissions stay a separate figure (`commissioned_orders`)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Commission, Subscription
from dashboard import metrics
from stores.models import Order, Source, Store
from stores.selectors import assistant_orders, month_so_far
from stores.services.orders import order_create
from tests.ai.conftest import demo, demo_pizzeria  # noqa: F401 - fixtures
from tests.ai.test_analysis import ORDER, phone_call

pytestmark = pytest.mark.django_db


def _page_figure(client, query: str = "") -> tuple[int, Decimal]:
    html = client.get(f"/billing/{query}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    orders = int(re.search(r'data-metric="orders">(\d+)<', html).group(1))
    commissions = Decimal(re.search(r'data-metric="commissions">([\d.]+) €<', html).group(1))
    return orders, commissions


@pytest.fixture
def busy_month(demo_pizzeria, django_capture_on_commit_callbacks):
    """seed_demo's stores, plus this month: an order taken on a call (with its commission), one
    taken by hand, one placed while testing the assistant, and a call order later cancelled."""
    Subscription.objects.filter(store=demo_pizzeria).update(plan="STARTER")
    with django_capture_on_commit_callbacks(execute=True):
        phone_call(demo_pizzeria, ORDER)
    margherita = demo_pizzeria.products.get(name="Margherita")
    items = [{"product_id": margherita.pk, "quantity": 1}]
    for source in (Source.MANUAL, Source.TEST):
        order_create(store=demo_pizzeria, items=items, source=source)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = order_create(
            store=demo_pizzeria, items=items, source=Source.CALL, customer_phone="+33677778888"
        )
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
    return demo_pizzeria


def test_the_api_counts_the_pages_orders_on_the_demo(busy_month, client):
    store = busy_month
    client.force_login(store.business.owner)
    api = client.get(f"/api/stripe/commissions?store_id={store.pk}").json()
    page_orders, page_commissions = _page_figure(client, f"?store={store.pk}")
    start, end = month_so_far(store.zone)
    expected = assistant_orders([store.pk], start, end).count()
    assert expected >= 1
    assert api["orders"] == page_orders == expected
    # The dashboard's "This month" says the same.
    home = client.get(f"/?store={store.pk}&period=month", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{expected} taken by the assistant" in home
    # Commissions are their own figure: the cancelled call order keeps its record.
    commissions = Commission.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
    assert api["commissioned_orders"] == commissions.count() == 2
    assert Decimal(api["commissions"]) == page_commissions


def test_every_store_together_agrees_too(busy_month, client):
    client.force_login(busy_month.business.owner)
    ids = list(Store.objects.filter(business=busy_month.business).values_list("pk", flat=True))
    assert len(ids) > 1  # the platform's clock, as on the page
    api = client.get("/api/stripe/commissions").json()
    page_orders, page_commissions = _page_figure(client)
    month = metrics.parse_period("month", "", "", timezone.get_default_timezone())
    assert api["orders"] == page_orders == metrics.assistant_order_count(ids, month)
    assert Decimal(api["commissions"]) == page_commissions


def test_the_schema_says_what_orders_count(client):
    schema = client.get("/api/openapi.json").json()
    usage = schema["components"]["schemas"]["UsageOut"]["properties"]
    assert "taken by the assistant" in usage["orders"]["description"]
    assert "Commission records" in usage["commissioned_orders"]["description"]
