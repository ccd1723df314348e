# ruff: noqa: F811 - fixtures imported from other suites are used by name
"""Billing's two seams: every Stripe call goes through billing.gateway (the page and the API show
the same cards from the Stripe fake), and a change of standing reaches the numbers only through
the `subscription_state_changed` event that telephony subscribes to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing import gateway
from billing.events import Standing, subscription_state_changed
from billing.models import Subscription
from stores.models import Store
from telephony.models import PhoneNumber
from telephony.tasks import release_cancelled_numbers
from tests.billing.test_lifecycle import _secret, event, invoice, post  # noqa: F401 - fixture
from tests.billing.test_signup_stripe import PRICES, stripe_api  # noqa: F401 - fixture
from tests.telephony.conftest import PIZZERIA_NUMBER, demo, telnyx  # noqa: F401 - fixtures


def test_the_page_and_the_api_show_the_same_cards_from_the_gateway(stripe_api, alice_client, pizzeria):
    remote = stripe_api.create_subscription(price_id=PRICES["PRO"][0], email="alice@example.test")
    customer = remote["customer"]
    card = next(m for m in stripe_api.payment_methods.values() if m["customer"] == customer)
    card["card"].update(brand="mastercard", last4="5454", exp_month=3)
    Subscription.objects.create(
        store=pizzeria,
        business=pizzeria.business,
        status="active",
        stripe_customer_id=customer,
        stripe_subscription_id=remote["id"],
    )

    cards = gateway.cards(customer)
    assert [(c.brand, c.last4, c.exp_month) for c in cards] == [("mastercard", "5454", 3)]
    api = alice_client.get("/api/stripe/payment-methods").json()
    assert api == {
        "billingConfigured": True,
        "items": [
            {
                "id": cards[0].id,
                "brand": "mastercard",
                "last4": "5454",
                "expMonth": 3,
                "expYear": cards[0].exp_year,
            }
        ],
    }
    page = alice_client.get("/billing/").content.decode()
    assert cards[0].label in page and "5454" in page and cards[0].expiry in page


def test_a_stripe_failure_reads_the_same_on_every_surface(stripe_api, alice_client, pizzeria, settings):
    Subscription.objects.create(
        store=pizzeria, business=pizzeria.business, status="active", stripe_customer_id="cus_x"
    )
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: Stripe cannot be reached
    with pytest.raises(gateway.GatewayError) as failed:
        gateway.cards("cus_x")
    assert failed.value.retryable
    api = alice_client.get("/api/stripe/payment-methods")
    assert api.status_code == 502 and failed.value.problem in api.json()["detail"]
    page = alice_client.get("/billing/")
    assert page.status_code == 200  # the page shows the rest, without cards


@pytest.mark.django_db(transaction=True)
def test_standing_reaches_the_numbers_only_through_the_event(demo, telnyx, settings):
    settings.BILLING_RELEASE_GRACE_DAYS = 30
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    Subscription.objects.filter(store=pizzeria).update(status="active", stripe_subscription_id="sub_evt")
    number = PhoneNumber.objects.get(number=PIZZERIA_NUMBER)
    heard: list[dict] = []

    def listen(sender: object, **kwargs: object) -> None:
        heard.append(kwargs)

    subscription_state_changed.connect(listen, dispatch_uid="test_listen")
    try:
        client = Client()
        assert post(client, invoice("invoice.payment_failed", "sub_evt")).status_code == 200
        number.refresh_from_db()
        assert number.status == PhoneNumber.Status.SUSPENDED
        assert heard[-1]["store_id"] == pizzeria.pk
        assert (heard[-1]["old_standing"], heard[-1]["new_standing"]) == (Standing.GOOD, Standing.UNPAID)

        # A second failure is no change of standing: no event.
        assert post(client, invoice("invoice.payment_failed", "sub_evt")).status_code == 200
        assert len(heard) == 1

        assert post(client, invoice("invoice.paid", "sub_evt")).status_code == 200
        number.refresh_from_db()
        assert number.status == PhoneNumber.Status.ACTIVE, number.error
        assert (heard[-1]["old_standing"], heard[-1]["new_standing"]) == (Standing.UNPAID, Standing.GOOD)

        deleted = event("customer.subscription.deleted", {"id": "sub_evt", "object": "subscription"})
        assert post(client, deleted).status_code == 200
        number.refresh_from_db()
        assert number.status == PhoneNumber.Status.SUSPENDED
        assert heard[-1]["new_standing"] == Standing.CANCELLED
    finally:
        subscription_state_changed.disconnect(dispatch_uid="test_listen")

    # Telephony's own hourly task releases them once the grace period has passed, not before.
    assert release_cancelled_numbers() == 0
    Subscription.objects.filter(store=pizzeria).update(stripe_state_at=timezone.now() - timedelta(days=31))
    assert release_cancelled_numbers() == 1
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.CANCELLED
