"""CSV exports: the page's filters, the tenant's rows only, formulas defused, streamed."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stores.models import Order, Reservation, Source
from telephony.models import Call
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_orders_export_follows_the_filters_and_the_tenant(alice_client, pizzeria, salon):
    ready = OrderFactory(store=pizzeria, status=Order.Status.READY, total=Decimal("15.50"))
    OrderFactory(store=pizzeria, status=Order.Status.CONFIRMED)
    OrderFactory(store=pizzeria, status=Order.Status.READY, source=Source.TEST)
    OrderFactory(store=salon, status=Order.Status.READY)

    rows = _rows(alice_client.get("/exports/orders.csv?status=ready"))

    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "store__name", "number"]
    assert [int(r[0]) for r in body] == [ready.pk]
    assert body[0][header.index("total")] == "15.50"


def test_calls_customers_and_bookings_exports(alice_client, pizzeria, salon):
    jeanne = CustomerFactory(
        business=pizzeria.business, name='=HYPERLINK("http://evil")', phone="+33611111111"
    )
    CustomerFactory(business=salon.business, name="Carol's customer")
    Call.objects.create(
        business=pizzeria.business, store=pizzeria, call_control_id="v3:x", from_number="+33611111111",
        to_number="+33100000001", status=Call.Status.COMPLETED, started_at=timezone.now(),
    )
    Reservation.objects.create(
        store=pizzeria, customer_name="Jeanne", party_size=4, starts_at=timezone.now() + timedelta(days=1)
    )

    calls = _rows(alice_client.get(f"/exports/calls.csv?store={pizzeria.pk}"))
    assert len(calls) == 2 and calls[1][3] == "+33611111111"  # a phone number is not a formula
    customers = _rows(alice_client.get("/exports/customers.csv"))
    assert [r[1] for r in customers[1:]] == ["'=HYPERLINK(\"http://evil\")"]
    assert jeanne.pk == int(customers[1][0])
    bookings = _rows(alice_client.get("/exports/bookings.csv"))
    assert bookings[1][0] == "reservation" and bookings[1][5] == "Jeanne"


def test_unknown_export_is_404(alice_client, pizzeria):
    assert alice_client.get("/exports/passwords.csv").status_code == 404


def test_a_large_export_is_read_in_chunks(alice_client, pizzeria):
    # 2,500 rows cross the 2,000-row chunk: the iterator fetches in pieces (on PostgreSQL with a
    # server-side cursor), and every row arrives.
    customer = CustomerFactory(business=pizzeria.business)
    Order.objects.bulk_create(
        Order(store=pizzeria, customer=customer, number=n + 1, total=Decimal("1.00")) for n in range(2500)
    )
    rows = _rows(alice_client.get("/exports/orders.csv"))
    assert len(rows) == 2501
