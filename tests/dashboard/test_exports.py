"""Exports an owner opens in a spreadsheet: the page's filters, the tenant's rows only, headers
in words and statuses in the owner's language, times on the store's clock, no test rows,
formulas defused; CSV streamed (`;` and decimal commas in French, `,` in English) or .xlsx."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from stores.models import Order, Reservation, Source
from telephony.models import Call
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
MOMENT = datetime(2026, 3, 14, 18, 5, tzinfo=ZoneInfo("UTC"))  # 14:05 in New York


def _rows(response, delimiter: str = ";") -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


@pytest.fixture
def new_york_pizzeria(pizzeria):
    pizzeria.timezone = "America/New_York"
    pizzeria.save(update_fields=["timezone"])
    return pizzeria


def _ready_order(store, **extra) -> Order:
    order = OrderFactory(store=store, status=Order.Status.READY, total=Decimal("15.50"), **extra)
    Order.objects.filter(pk=order.pk).update(created_at=MOMENT)
    return order


def test_orders_csv_in_french_speaks_words_on_the_stores_clock(alice_client, new_york_pizzeria, salon):
    ready = _ready_order(new_york_pizzeria)
    OrderFactory(store=new_york_pizzeria, status=Order.Status.CONFIRMED)
    OrderFactory(store=new_york_pizzeria, status=Order.Status.READY, source=Source.TEST)
    OrderFactory(store=salon, status=Order.Status.READY)

    rows = _rows(alice_client.get("/exports/orders.csv?status=ready", HTTP_ACCEPT_LANGUAGE="fr"))

    header, body = rows[0], rows[1:]
    assert header[:4] == ["Commande", "Établissement", "Date", "Statut"]
    assert not any("__" in title or "_" in title for title in header)
    assert len(body) == 1  # not the other status, not the test order, not Carol's
    row = dict(zip(header, body[0], strict=True))
    assert row["Commande"] == str(ready.number)
    assert row["Statut"] == "Prête"
    assert row["Date"] == "14/03/2026 14:05"  # New York's clock, not UTC nor Paris
    assert row["Total"] == "15,50"


def test_orders_csv_in_english_is_comma_separated(alice_client, new_york_pizzeria):
    _ready_order(new_york_pizzeria)
    rows = _rows(alice_client.get("/exports/orders.csv", HTTP_ACCEPT_LANGUAGE="en"), delimiter=",")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert rows[0][:4] == ["Order", "Store", "Date", "Status"]
    assert row["Status"] == "Ready" and row["Date"] == "2026-03-14 14:05" and row["Total"] == "15.50"


def test_orders_xlsx_has_real_dates_and_numbers(alice_client, new_york_pizzeria, salon):
    ready = _ready_order(new_york_pizzeria)
    OrderFactory(store=new_york_pizzeria, source=Source.TEST)
    OrderFactory(store=salon)

    rows = _sheet(alice_client.get("/exports/orders.xlsx", HTTP_ACCEPT_LANGUAGE="en"))

    header = list(rows[0])
    assert header[:4] == ["Order", "Store", "Date", "Status"]
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["Order"] == ready.number and row["Status"] == "Ready"
    assert row["Date"] == datetime(2026, 3, 14, 14, 5)
    assert row["Total"] == 15.5


def test_calls_customers_and_bookings_exports(alice_client, pizzeria, salon):
    jeanne = CustomerFactory(
        business=pizzeria.business, name='=HYPERLINK("http://evil")', phone="+33611111111"
    )
    CustomerFactory(business=salon.business, name="Carol's customer")
    Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="v3:x",
        from_number="+33611111111",
        to_number="+33100000001",
        status=Call.Status.COMPLETED,
        started_at=timezone.now(),
        ai_summary="Commande\x0b à emporter",  # a control character a spreadsheet refuses
    )
    Reservation.objects.create(
        store=pizzeria, customer_name="Jeanne", party_size=4, starts_at=timezone.now() + timedelta(days=1)
    )
    Reservation.objects.create(
        store=pizzeria, customer_name="Test", party_size=2, starts_at=timezone.now(), source=Source.TEST
    )

    calls = _rows(alice_client.get(f"/exports/calls.csv?store={pizzeria.pk}"))
    row = dict(zip(calls[0], calls[1], strict=True))
    assert len(calls) == 2 and row["Numéro de l'appelant"] == "+33611111111"  # not a formula
    assert row["Statut"] == "Terminé"
    customers = _rows(alice_client.get("/exports/customers.csv"))
    assert customers[0][:4] == ["Nom", "Téléphone", "E-mail", "Statut"]
    assert [r[0] for r in customers[1:]] == ['\'=HYPERLINK("http://evil")']
    assert customers[1][3] == "Nouveau"
    bookings = _rows(alice_client.get("/exports/bookings.csv"))
    assert len(bookings) == 2  # the test reservation stays out
    assert bookings[1][0] == "Table" and bookings[1][4] == "Jeanne" and bookings[1][3] == "Confirmé"

    assert _sheet(alice_client.get("/exports/calls.xlsx"))[1][-1] == "Commande à emporter"
    sheet = _sheet(alice_client.get("/exports/customers.xlsx"))
    assert sheet[1][0] == '=HYPERLINK("http://evil")'  # text in its cell, not a formula
    assert jeanne.name == sheet[1][0]


def test_another_tenants_store_is_404(alice_client, salon):
    assert alice_client.get(f"/exports/orders.xlsx?store={salon.pk}").status_code == 404
    assert alice_client.get(f"/exports/orders.csv?store={salon.pk}").status_code == 404


def test_unknown_export_is_404(alice_client, pizzeria):
    assert alice_client.get("/exports/passwords.csv").status_code == 404
    assert alice_client.get("/exports/passwords.xlsx").status_code == 404


def test_a_large_export_is_read_in_chunks(alice_client, pizzeria):
    # 2,500 rows cross the 2,000-row chunk: the iterator fetches in pieces (on PostgreSQL with a
    # server-side cursor), and every row arrives.
    customer = CustomerFactory(business=pizzeria.business)
    Order.objects.bulk_create(
        Order(store=pizzeria, customer=customer, number=n + 1, total=Decimal("1.00")) for n in range(2500)
    )
    rows = _rows(alice_client.get("/exports/orders.csv"))
    assert len(rows) == 2501
