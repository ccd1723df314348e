"""What the owner reads about customers, billing and charts agrees with the history: a customer's
standing (new, regular, loyal) and last contact come from their orders, bookings and calls; the
call-back goes to their own store; the billing page counts the dashboard's assistant orders and
never contradicts the trial; the charts carry their values as text."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from billing.models import Subscription
from dashboard import metrics
from dashboard.views.billing import NextInvoice, next_invoice, next_invoices
from dashboard.views.customers import with_history
from stores.models import Customer, Order, Reservation, Source
from stores.models.store import zone_named
from telephony.models import Call, CallbackTicket
from tests.factories import CustomerFactory, OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _orders(store, customer, count: int, **extra) -> None:
    for _n in range(count):
        OrderFactory(store=store, customer=customer, status=Order.Status.COMPLETED, **extra)


def _call(store, customer, when) -> Call:
    return Call.objects.create(
        business=store.business,
        store=store,
        customer=customer,
        call_control_id=f"v3:{customer.pk}-{when.timestamp()}",
        from_number=customer.phone,
        to_number="+33100000001",
        status=Call.Status.COMPLETED,
        started_at=when,
    )


@pytest.fixture
def people(pizzeria):
    loyal = CustomerFactory(business=pizzeria.business, name="Fidèle Julie")
    _orders(pizzeria, loyal, 19)
    regular = CustomerFactory(business=pizzeria.business, name="Régulier Marc")
    _orders(pizzeria, regular, 1)
    Reservation.objects.create(
        store=pizzeria, customer=regular, customer_name="Marc", party_size=2, starts_at=timezone.now()
    )
    new = CustomerFactory(business=pizzeria.business, name="Nouvelle Léa")
    _orders(pizzeria, new, 1)
    _orders(pizzeria, new, 3, source=Source.TEST)  # testing the assistant is not a visit
    OrderFactory(store=pizzeria, customer=new, status=Order.Status.CANCELLED)
    blocked = CustomerFactory(business=pizzeria.business, name="Bloqué Paul", status=Customer.Status.BLOCKED)
    _orders(pizzeria, blocked, 12)
    return {"loyal": loyal, "regular": regular, "new": new, "blocked": blocked}


def _standings(html: str) -> dict[str, str]:
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        standing = re.search(r'data-standing="(\w+)">([^<]+)<', row)
        if standing:
            name = re.search(r">([^<>]+)</a>", row).group(1)
            found[name] = f"{standing.group(1)}:{standing.group(2)}"
    return found


def test_the_standing_follows_the_history_in_french_and_english(alice_client, people):
    french = _standings(alice_client.get("/customers/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert french == {
        "Fidèle Julie": "loyal:Fidèle",
        "Régulier Marc": "regular:Régulier",
        "Nouvelle Léa": "new:Nouveau",
        "Bloqué Paul": "blocked:Bloqué",
    }
    english = _standings(alice_client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert english["Fidèle Julie"] == "loyal:Loyal" and english["Régulier Marc"] == "regular:Regular"

    loyal_only = alice_client.get("/customers/?status=loyal").content.decode()
    assert "Fidèle Julie" in loyal_only and "Régulier Marc" not in loyal_only
    detail = alice_client.get(f"/customers/{people['loyal'].pk}/").content.decode()
    assert 'data-standing="loyal">Fidèle<' in detail


def test_last_contact_is_the_latest_call_order_or_booking(alice_client, pizzeria, people):
    julie = people["loyal"]
    # Imported (or seeded) after the fact: first seen today, yet their history is older.
    Customer.objects.filter(pk=julie.pk).update(first_seen=timezone.now(), last_seen=timezone.now())
    Order.objects.filter(customer=julie).update(created_at=timezone.now() - timedelta(days=30))
    called = timezone.now() - timedelta(days=2)
    _call(pizzeria, julie, called)

    found = with_history(Customer.objects.filter(pk=julie.pk)).get()
    assert abs(found.last_contact - called) < timedelta(seconds=1)
    Reservation.objects.create(
        store=pizzeria, customer=julie, customer_name="Julie", party_size=2, starts_at=timezone.now()
    )
    found = with_history(Customer.objects.filter(pk=julie.pk)).get()
    assert found.last_contact > called
    nobody = CustomerFactory(business=pizzeria.business)
    assert with_history(Customer.objects.filter(pk=nobody.pk)).get().last_contact == nobody.first_seen


def test_the_call_back_goes_to_the_customers_own_store(alice_client, pizzeria, people):
    first_alphabetically = StoreFactory(business=pizzeria.business, name="Aaa Annexe")
    julie = people["loyal"]
    _call(first_alphabetically, julie, timezone.now() - timedelta(days=20))
    _call(pizzeria, julie, timezone.now() - timedelta(hours=3))

    page = alice_client.get(f"/customers/{julie.pk}/").content.decode()
    assert f'<option value="{pizzeria.pk}" selected>' in page
    alice_client.post(f"/customers/{julie.pk}/callback/")
    assert CallbackTicket.objects.get(customer=julie).store == pizzeria


def test_another_tenants_customer_is_404(alice_client, salon):
    stranger = CustomerFactory(business=salon.business)
    assert alice_client.get(f"/customers/{stranger.pk}/").status_code == 404
    assert alice_client.post(f"/customers/{stranger.pk}/callback/").status_code == 404
    assert not CallbackTicket.objects.exists()


def test_billing_counts_the_dashboards_assistant_orders(alice_client, pizzeria):
    OrderFactory.create_batch(3, store=pizzeria, source=Source.CALL, status=Order.Status.COMPLETED)
    OrderFactory(store=pizzeria, source=Source.MANUAL)  # taken by hand: not the assistant's
    OrderFactory(store=pizzeria, source=Source.TEST)
    OrderFactory(store=pizzeria, source=Source.CALL, status=Order.Status.CANCELLED)
    Subscription.objects.create(store=pizzeria, business=pizzeria.business, plan="STARTER")

    billing = alice_client.get("/billing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    figure = re.search(r'data-metric="orders">(\d+)<', billing).group(1)
    dashboard = alice_client.get("/?period=month", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{figure} taken by the assistant" in dashboard
    assert figure == "3"


def test_the_trial_invoice_is_its_end_and_the_plans_price(alice_client, pizzeria):
    sub = Subscription.objects.create(store=pizzeria, business=pizzeria.business, plan="STARTER")
    ends = timezone.now() + timedelta(days=9)
    Subscription.objects.filter(pk=sub.pk).update(current_period_end=ends)

    page = alice_client.get("/billing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'data-metric="estimate">129.00 €<', page)
    with translation.override("en"):
        assert f"on {date_format(ends.astimezone(pizzeria.zone), 'SHORT_DATE_FORMAT')}" in page
    assert "Nothing is charged during the trial" in page
    french = alice_client.get("/billing/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert (
        "Rien n&#x27;est débité pendant l&#x27;essai" in french
        or "Rien n'est débité pendant l'essai" in french
    )
    assert re.search(r'data-metric="estimate">129,00 €<', french)


def test_an_active_plan_invoices_its_price_and_commissions(pizzeria):
    sub = Subscription.objects.create(
        store=pizzeria,
        business=pizzeria.business,
        plan="STARTER",
        status=Subscription.Status.ACTIVE,
        current_period_end=timezone.now() + timedelta(days=12),
    )
    bill = next_invoice(sub, Decimal("3.00"))
    assert bill.amount == Decimal("132.00") and not bill.trial
    sub.status = Subscription.Status.CANCELED
    assert next_invoice(sub, Decimal("3.00")) is None


def test_axis_values_are_round_numbers_above_the_top():
    assert metrics.nice_ticks(180) == [0, 50, 100, 150, 200]
    assert metrics.nice_ticks(3) == [0, 1, 2, 3, 4]
    assert metrics.nice_ticks(0) == [0, 1, 2, 3, 4]


def test_the_charts_carry_axis_values_and_a_legend_as_text(alice_client, pizzeria):
    OrderFactory(store=pizzeria, source=Source.CALL, total=Decimal("180.00"))
    for lang, legend in (("fr", "Chiffre d&#x27;affaires (EUR)"), ("en", "Revenue (EUR)")):
        html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
        monthly = html[html.index('id="chart-monthly"') : html.index('id="chart-hourly"')]
        assert legend in monthly
        y_axis = re.search(r'data-axis="y">(.*?)</g>', monthly, re.S).group(1)
        assert re.findall(r">([^<]+)</text>", y_axis) == ["0", "50", "100", "150", "200"]
        x_axis = re.search(r'data-axis="x">(.*?)</g>', monthly, re.S).group(1)
        assert len(re.findall(r"<text", x_axis)) == 12


def test_the_next_invoice_adds_every_store_invoiced_that_day():
    tz = zone_named("Europe/Paris")
    day = timezone.now() + timedelta(days=10)
    bills = [
        NextInvoice(date=day, amount=Decimal("129"), trial=True),
        NextInvoice(date=day + timedelta(minutes=5), amount=Decimal("329"), trial=True),
        NextInvoice(date=day + timedelta(days=3), amount=Decimal("129"), trial=False),
    ]
    first = next_invoices(bills, tz)
    assert first.amount == Decimal("458") and first.date == day and first.trial
