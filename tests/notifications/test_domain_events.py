"""Notifications follow the business's domain events, whatever door the business came through:
an order or a booking made through the API notifies like one taken on a call, and the texts Kalliky
sends for the lower apps (the caller's payment link) leave through the one queue. Driven through
the API and the billing task; outcomes read in the queue, on the wire (the Telnyx simulator) and
on the rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.deposits import request_payment_link
from billing.models import PaymentLink
from notifications.models import NotificationQueueItem
from tests.factories import ProductFactory
from tests.notifications.conftest import PIZZERIA_NUMBER, api

pytestmark = pytest.mark.django_db
CALLER = "+33611223344"
Status = NotificationQueueItem.Status


def queued(prefix: str) -> set[tuple[str, str, str]]:
    items = NotificationQueueItem.objects.filter(dedupe_key__startswith=prefix)
    return {(i.action_type, i.channel, i.recipient) for i in items}


def payment_link(store, order_id: int) -> PaymentLink:
    """A link whose Checkout page is already open (Stripe is billing's own tests' business)."""
    return PaymentLink.objects.create(
        store=store,
        kind=PaymentLink.Kind.ORDER,
        object_id=order_id,
        amount=Decimal("62.00"),
        phone=CALLER,
        checkout_session_id=f"cs_test_{order_id}",
        url=f"https://checkout.stripe.test/pay/cs_test_{order_id}",
    )


def test_an_order_made_through_the_api_tells_the_owner_and_texts_the_customer(
    alice, alice_client, pizzeria, line, telnyx, on_commit
):
    pizza = ProductFactory(store=pizzeria, name="Margherita", price=Decimal("9.50"))

    with on_commit():
        response = api(
            alice_client,
            "POST",
            f"/api/stores/{pizzeria.pk}/orders",
            {"items": [{"product_id": pizza.pk}], "customer_phone": CALLER, "customer_name": "Léa"},
        )

    assert response.status_code == 201, response.content
    order_id = response.json()["id"]
    assert queued(f"order:{order_id}:") == {
        ("new_order", "email", alice.email),
        ("customer_confirmation", "sms", CALLER),
    }
    assert [m["to"][0]["phone_number"] for m in telnyx.messages] == [CALLER]
    assert telnyx.messages[0]["from"]["phone_number"] == PIZZERIA_NUMBER


def test_a_reservation_made_through_the_api_notifies_like_one_from_a_call(
    alice, alice_client, pizzeria, line, on_commit
):
    pizzeria.has_reservations = True
    pizzeria.save()
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    with on_commit():
        response = api(
            alice_client,
            "POST",
            f"/api/stores/{pizzeria.pk}/reservations",
            {
                "party_size": 2,
                "starts_at": start.isoformat(),
                "customer_name": "Léa",
                "customer_phone": CALLER,
            },
        )

    assert response.status_code == 201, response.content
    booking_id = response.json()["id"]
    assert queued(f"reservation:{booking_id}:") == {
        ("new_reservation", "email", alice.email),
        ("customer_confirmation", "sms", CALLER),
        ("booking_reminder", "sms", CALLER),  # 24 h and 2 h before: one row each
    }
    assert NotificationQueueItem.objects.filter(action_type="booking_reminder").count() == 2


def test_a_moved_reservation_gets_new_reminders_and_no_second_confirmation(
    alice_client, pizzeria, line, on_commit
):
    pizzeria.has_reservations = True
    pizzeria.save()
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    body = {"party_size": 2, "starts_at": start.isoformat(), "customer_name": "Léa", "customer_phone": CALLER}
    with on_commit():
        booking_id = api(alice_client, "POST", f"/api/stores/{pizzeria.pk}/reservations", body).json()["id"]
    moved = {**body, "starts_at": (start + timedelta(days=1)).isoformat()}

    with on_commit():
        response = api(alice_client, "PUT", f"/api/stores/{pizzeria.pk}/reservations/{booking_id}", moved)

    assert response.status_code == 200, response.content
    counts = {
        action: NotificationQueueItem.objects.filter(action_type=action).count()
        for action in ("new_reservation", "customer_confirmation", "booking_reminder")
    }
    assert counts == {"new_reservation": 1, "customer_confirmation": 1, "booking_reminder": 4}


def test_the_payment_link_is_texted_through_the_notification_queue(pizzeria, line, telnyx, on_commit):
    link = payment_link(pizzeria, 41)

    with on_commit():
        assert request_payment_link.delay(link.pk).get() == "queued"

    [item] = NotificationQueueItem.objects.filter(action_type="payment_link")
    assert (item.channel, item.recipient, item.status) == ("sms", CALLER, Status.SENT)
    [sms] = telnyx.messages
    assert (
        sms["to"][0]["phone_number"] == CALLER
        and "https://checkout.stripe.test/pay/cs_test_41" in sms["text"]
    )
    assert "62.00 EUR" in sms["text"]
    link.refresh_from_db()
    assert link.status == PaymentLink.Status.SENT and link.sms_sent_at is not None

    # Asked again (the admin's "send again"): the text already went out, it is not sent twice.
    PaymentLink.objects.filter(pk=link.pk).update(status=PaymentLink.Status.PENDING)
    with on_commit():
        request_payment_link.delay(link.pk).get()
    assert len(telnyx.messages) == 1
    link.refresh_from_db()
    assert link.status == PaymentLink.Status.SENT


def test_a_payment_link_that_cannot_be_texted_shows_why_on_the_link(pizzeria, telnyx, on_commit):
    link = payment_link(pizzeria, 42)

    with on_commit():
        request_payment_link.delay(link.pk).get()  # the pizzeria has no number to text from

    link.refresh_from_db()
    assert link.status == PaymentLink.Status.FAILED
    assert "no active phone number" in link.error
    assert telnyx.messages == []
