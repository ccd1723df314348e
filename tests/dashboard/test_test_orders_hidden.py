"""Orders and bookings written while testing the assistant (Source.TEST: the test chat, the
`manage.py chat` sandbox, scenarios) are not business: the kitchen board, the bookings calendar,
the lists, the dashboard's figures and the free slots never count them; the lists show them, with
a TEST badge, only when "Show tests" is ticked."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from dashboard import metrics
from dashboard.consumers import ticket_card
from stores.availability import check_reservation, reservation_slots
from stores.models import (
    Customer,
    CustomerExchange,
    OpeningInterval,
    Order,
    PreparationTicket,
    Reservation,
    ServiceResource,
    Source,
)
from stores.services.bookings import reservation_save
from stores.services.customers import complaint_record, customer_touch
from stores.services.orders import order_create
from telephony.models import Call
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def menu(pizzeria):
    return ProductFactory(store=pizzeria, name="Calzone", price=Decimal("12.00"))


def _order(store, product, source, **extra) -> Order:
    items = [{"product_id": product.pk, "quantity": 1}]
    return order_create(store=store, items=items, source=source, **extra)


@pytest.fixture
def both(pizzeria, menu) -> tuple[Order, Order]:
    real = _order(pizzeria, menu, Source.CALL, customer_phone="+33611110000", customer_name="Réel")
    test = _order(pizzeria, menu, Source.TEST, customer_phone="+33622220000", customer_name="Essai")
    return real, test


def test_one_queryset_method_per_model(both):
    real, test = both
    assert list(Order.objects.real()) == [real]
    assert list(Order.objects.tests()) == [test]
    assert [t.order_id for t in PreparationTicket.objects.real()] == [real.pk]
    assert test.is_test and not real.is_test


def test_the_kitchen_board_never_shows_a_test_order(alice_client, pizzeria, both):
    real, test = both
    page = alice_client.get(f"/stores/{pizzeria.pk}/kitchen/")
    html = page.content.decode()
    assert f'data-order-id="{real.pk}"' in html
    assert f'data-order-id="{test.pk}"' not in html
    # Nor does the live push: a test order's card is "gone" for every board.
    assert ticket_card(pizzeria.pk, test.pk, "fr")["html"] == ""
    assert "Calzone" in ticket_card(pizzeria.pk, real.pk, "fr")["html"]


def test_the_orders_list_hides_tests_unless_asked(alice_client, pizzeria, both):
    real, test = both
    plain = alice_client.get(f"/orders/?store={pizzeria.pk}", HTTP_ACCEPT_LANGUAGE="en")
    rows = [order.pk for order, _badge, _next in plain.context["rows"]]
    assert rows == [real.pk]
    assert "Show tests" in plain.content.decode() and "data-test-badge" not in plain.content.decode()

    shown = alice_client.get(f"/orders/?store={pizzeria.pk}&tests=1", HTTP_ACCEPT_LANGUAGE="fr")
    html = shown.content.decode()
    assert sorted(order.pk for order, _badge, _next in shown.context["rows"]) == sorted([real.pk, test.pk])
    assert "Afficher les tests" in html and 'name="tests" value="1" checked' in html
    row = html.split(f'data-order-id="{test.pk}"')[1].split("</tr>")[0]
    assert "data-test-badge" in row and ">TEST<" in row
    real_row = html.split(f'data-order-id="{real.pk}"')[1].split("</tr>")[0]
    assert "data-test-badge" not in real_row


def test_dashboard_figures_leave_tests_out(alice_client, pizzeria, both):
    real, _test = both
    tz = ZoneInfo(pizzeria.timezone)
    period = metrics.parse_period("today", "", "", tz)
    with translation.override("en"):
        board = metrics.build([pizzeria.pk], period, tz)
    figures = {m.label: m.value for m in board.metrics}
    assert figures["Orders"] == 1
    assert figures["Revenue"] == real.total
    assert [o.pk for o in board.recent_orders] == [real.pk]
    home = alice_client.get(f"/?store={pizzeria.pk}&period=today")
    assert [o.pk for o in home.context["board"].recent_orders] == [real.pk]


@pytest.fixture
def restaurant(pizzeria):
    pizzeria.has_reservations = True
    pizzeria.save(update_fields=["has_reservations"])
    OpeningInterval.objects.bulk_create(
        OpeningInterval(store=pizzeria, weekday=day, opens=time(11), closes=time(23)) for day in range(7)
    )
    return pizzeria


def _next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


def test_a_test_booking_never_takes_a_real_table(restaurant):
    table = ServiceResource.objects.create(store=restaurant, type="table", name="Table 4", capacity=4)
    at = datetime.combine(_next_monday(), time(20, 0), tzinfo=PARIS)
    reservation_save(
        store=restaurant,
        resource_id=table.pk,
        customer_name="Essai",
        party_size=2,
        starts_at=at,
        duration_minutes=90,
        source=Source.TEST,
    )
    slot = check_reservation(restaurant, at, 2)
    assert getattr(slot, "resource_id", None) == table.pk  # still free for a real caller
    assert any(s.starts_at == at for s in reservation_slots(restaurant, at.date(), 2))
    real = reservation_save(
        store=restaurant,
        resource_id=table.pk,
        customer_name="Jeanne",
        party_size=2,
        starts_at=at,
        duration_minutes=90,
        source=Source.CALL,
    )
    assert real.pk and Reservation.objects.real().count() == 1
    # A real booking does take the table.
    refused = check_reservation(restaurant, at, 2)
    assert getattr(refused, "code", "") == "full"


def test_the_calendar_hides_test_bookings_unless_asked(alice_client, restaurant):
    table = ServiceResource.objects.create(store=restaurant, type="table", name="Table 4", capacity=4)
    monday = _next_monday()
    at = datetime.combine(monday, time(20, 0), tzinfo=PARIS)
    test = reservation_save(
        store=restaurant,
        resource_id=table.pk,
        customer_name="Essai",
        party_size=2,
        starts_at=at,
        duration_minutes=90,
        source=Source.TEST,
    )
    url = f"/stores/{restaurant.pk}/bookings/?view=week&date={monday.isoformat()}"
    plain = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert plain.context["count"] == 0
    assert f'data-booking="reservation-{test.pk}"' not in plain.content.decode()
    assert "Show tests" in plain.content.decode()
    shown = alice_client.get(url + "&tests=1", HTTP_ACCEPT_LANGUAGE="en")
    html = shown.content.decode()
    assert shown.context["count"] == 1
    entry = html.split(f'data-booking="reservation-{test.pk}"')[1].split("</summary>")[0]
    assert "data-test-badge" in entry


def test_board_labels_are_verbs_in_both_languages(alice_client, pizzeria, both):
    for language, live, verbs in (
        ("fr", "En direct", ("Commencer", "Marquer prêt", "Annuler")),
        ("en", "Live", ("Start", "Mark ready", "Cancel")),
    ):
        page = alice_client.get(f"/stores/{pizzeria.pk}/kitchen/", HTTP_ACCEPT_LANGUAGE=language)
        assert page.context["board_strings"]["live"] == live
        html = page.content.decode()
        for status, verb in zip(("in_progress", "ready", "cancelled"), verbs, strict=True):
            assert f'data-to="{status}">{verb}<' in html
        raw = html.split('id="board-strings" type="application/json">')[1].split("</script>")[0]
        strings = json.loads(raw)
        assert strings["live"] == live


def test_delivery_details_and_notes_on_the_card_and_the_print(alice_client, pizzeria, menu):
    order = order_create(
        store=pizzeria,
        items=[{"product_id": menu.pk, "quantity": 2, "notes": "sans oignons"}],
        customer_phone="+33633334444",
        customer_name="Nadia",
        delivery_type=Order.DeliveryType.DELIVERY,
        delivery_address="12 rue des Lilas, 75011 Paris",
        notes="Sonner deux fois",
        source=Source.CALL,
    )
    card = ticket_card(pizzeria.pk, order.pk, "fr")["html"]
    printed = alice_client.get(f"/tickets/{order.ticket.pk}/print/").content.decode()
    for html in (card, printed):
        assert "data-delivery" in html and "Nadia" in html
        assert 'href="tel:+33633334444"' in html and "12 rue des Lilas" in html
        notes = html.split("data-line-note")
        assert len(notes) == 3  # the line's note and the order's, both marked
        assert "sans oignons" in notes[1] and "Sonner deux fois" in notes[2]
    assert 'name="viewport"' in printed


@pytest.fixture
def customers(restaurant, menu, both) -> dict[str, Customer]:
    """Who the pizzeria's customers are: one met for real, one only by a test order, one only by a
    test booking, one only by a complaint made in the test chat, one met by a test order who then
    called for real, one typed in by hand (no history)."""
    pizzeria = restaurant
    real, test = both
    table = ServiceResource.objects.create(store=pizzeria, type="table", name="Table 9", capacity=4)
    at = datetime.combine(_next_monday(), time(20, 0), tzinfo=PARIS)
    booked = reservation_save(
        store=pizzeria,
        resource_id=table.pk,
        customer_name="Essai Table",
        customer_phone="+33633330000",
        party_size=2,
        starts_at=at,
        duration_minutes=90,
        source=Source.TEST,
    )
    complainer = customer_touch(business=pizzeria.business, phone="+33644440000", name="Essai Plainte")
    complaint_record(
        customer=complainer,
        store=pizzeria,
        description="froid",
        content={"source": Source.TEST, "session": "abc"},
    )
    caller = _order(pizzeria, menu, Source.TEST, customer_phone="+33655550000", customer_name="Appelle Aussi")
    Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="v3:real",
        from_number="+33655550000",
        customer=caller.customer,
        started_at=timezone.now(),
    )
    by_hand = CustomerFactory(business=pizzeria.business, name="Saisi À La Main")
    return {
        "real": real.customer,
        "test": test.customer,
        "booking": booked.customer,
        "complaint": complainer,
        "caller": caller.customer,
        "by_hand": by_hand,
    }


def test_customers_only_tests_met_stay_out_of_the_list(alice_client, pizzeria, customers):
    page = alice_client.get(f"/customers/?store={pizzeria.pk}", HTTP_ACCEPT_LANGUAGE="en")
    listed = {c.pk for c in page.context["page"]}
    assert listed == {customers[k].pk for k in ("real", "caller", "by_hand")}
    html = page.content.decode()
    for hidden in ("Essai", "Essai Table", "Essai Plainte"):
        assert f">{hidden}<" not in html
    # Their own page still opens (a test order in "Show tests" links to it).
    assert alice_client.get(f"/customers/{customers['test'].pk}/").status_code == 200
    # A real complaint makes a customer real.
    CustomerExchange.objects.create(customer=customers["complaint"], type="note", description="Rappel")
    again = alice_client.get(f"/customers/?store={pizzeria.pk}")
    assert customers["complaint"].pk in {c.pk for c in again.context["page"]}


def test_customers_only_tests_met_stay_out_of_the_export(alice_client, pizzeria, customers):
    response = alice_client.get(f"/exports/customers.csv?store={pizzeria.pk}", HTTP_ACCEPT_LANGUAGE="en")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    names = {row[0] for row in list(csv.reader(io.StringIO(text)))[1:]}
    assert {"Réel", "Appelle Aussi", "Saisi À La Main"} <= names
    assert not names & {"Essai", "Essai Table", "Essai Plainte"}


def test_unique_customers_never_count_a_test_customer(alice_client, pizzeria, customers):
    home = alice_client.get(f"/?store={pizzeria.pk}&period=today", HTTP_ACCEPT_LANGUAGE="en")
    figures = {m.label: m.value for m in home.context["board"].metrics}
    assert figures["Unique customers"] == 1  # the real order's customer; the test ones never count
    assert Customer.objects.filter(business=pizzeria.business).count() == 6


def test_the_calendar_links_keep_show_tests(alice_client, restaurant):
    monday = _next_monday()
    url = f"/stores/{restaurant.pk}/bookings/?view=week&date={monday.isoformat()}"
    shown = alice_client.get(url + "&tests=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = shown.split('aria-label="Calendar"')[1].split("</nav>")[0]
    links = [href for href in nav.split('href="')[1:]]
    assert len(links) == 5  # previous, today, next, day, week
    assert all("tests=1" in link.split('"')[0] for link in links)
    plain = alice_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = plain.split('aria-label="Calendar"')[1].split("</nav>")[0]
    assert "tests=1" not in nav
    # Moving, cancelling or adding a booking comes back with the tests still shown.
    assert shown.count('name="tests" value="1"') >= 2  # the toggle, ticked, and the new-booking form
    back = alice_client.post(
        f"/stores/{restaurant.pk}/bookings/new/",
        {"view": "week", "anchor": monday.isoformat(), "tests": "1", "kind": "reservation"},
    )
    assert back.status_code == 302 and back["Location"].endswith("&tests=1")
