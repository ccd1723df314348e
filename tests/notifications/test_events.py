"""The events the post-call analysis calls: who hears about what, on the wire (mail outbox,
Telnyx simulator), once however many times the event is reported."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import events
from notifications.models import NotificationConfig, NotificationQueueItem
from notifications.tasks import dispatch_due
from stores.models import CustomerExchange, Reservation, ServiceBooking, Source, UniversalService
from telephony.models import Call, CallbackTicket
from tests.factories import CustomerFactory, OrderFactory, OrderItemFactory
from tests.notifications.conftest import PIZZERIA_NUMBER, statuses

pytestmark = pytest.mark.django_db
CALLER = "+33612345678"


@pytest.fixture
def order(pizzeria):
    customer = CustomerFactory(business=pizzeria.business, phone=CALLER, name="Marc <Dupont>")
    order = OrderFactory(
        store=pizzeria, customer=customer, number=7, total=Decimal("31.50"), notes="Sans oignons"
    )
    OrderItemFactory(order=order, name="Margherita", quantity=2, variations=[{"value": "Grande"}])
    OrderItemFactory(order=order, name="Tiramisu", quantity=1)
    return order


def report(event, *args, on_commit):
    with on_commit(), transaction.atomic():
        return event(*args)


def test_an_order_emails_the_owner_and_texts_the_caller(order, line, telnyx, on_commit, alice):
    items = report(events.order_placed, order, on_commit=on_commit)

    assert sorted((i.action_type, i.channel, i.recipient) for i in items) == [
        ("customer_confirmation", "sms", CALLER),
        ("new_order", "email", alice.email),
    ]
    assert statuses() == ["sent", "sent"]
    [email] = mail.outbox
    assert email.to == [alice.email]
    assert email.subject == "Nouvelle commande n°7 — Pizzeria Alice"
    assert "2 × Margherita (Grande)\n1 × Tiramisu" in email.body
    assert "Total : 31,50 €" in email.body and "Sans oignons" in email.body
    html, kind = email.alternatives[0]
    assert kind == "text/html" and "Marc &lt;Dupont&gt;" in html and "<Dupont>" not in html
    [sms] = telnyx.messages
    assert sms["from"]["phone_number"] == PIZZERIA_NUMBER
    assert sms["to"][0]["phone_number"] == CALLER
    assert sms["text"].startswith("Pizzeria Alice : merci Marc <Dupont> ! Commande n°7 : 2 × Margherita")


def test_reporting_an_order_twice_sends_nothing_more(order, line, telnyx, on_commit):
    first = report(events.order_placed, order, on_commit=on_commit)
    again = report(events.order_placed, order, on_commit=on_commit)

    assert len(first) == 2 and again == []
    assert NotificationQueueItem.objects.count() == 2
    assert len(mail.outbox) == 1 and len(telnyx.messages) == 1


def test_no_text_without_an_active_number_nor_for_assistant_tests(order, on_commit):
    items = report(events.order_placed, order, on_commit=on_commit)
    order.source = Source.TEST
    order.save()
    OrderFactory(store=order.store, number=8, source=Source.TEST)

    assert [i.channel for i in items] == ["email"]
    assert report(events.order_placed, order.store.orders.get(number=8), on_commit=on_commit) == []


def test_a_webhook_configured_by_the_owner_receives_the_order(order, receiver, on_commit, pizzeria):
    NotificationConfig.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        action_type="new_order",
        channel="webhook",
        recipients=[receiver.url],
    )

    report(events.order_placed, order, on_commit=on_commit)

    [delivery] = receiver.accepted
    assert delivery.signed
    assert delivery.headers["Kalliky-Event"] == "new_order"
    body = delivery.json
    assert body["type"] == "new_order" and body["store"] == {"id": pizzeria.pk, "name": "Pizzeria Alice"}
    assert body["data"]["order"]["number"] == 7 and body["data"]["order"]["total"] == "31.50"
    assert [i["quantity"] for i in body["data"]["order"]["items"]] == [2, 1]


def test_a_booking_is_announced_confirmed_and_reminded_in_the_stores_time(pizzeria, line, telnyx, on_commit):
    pizzeria.timezone = "America/New_York"
    pizzeria.language = "en"
    pizzeria.save()
    # 19:30 in New York on a day more than a day ahead; its UTC instant depends on DST there.
    local_day = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo("America/New_York")).date()
    start = datetime.combine(local_day, datetime.min.time(), tzinfo=ZoneInfo("America/New_York")).replace(
        hour=19, minute=30
    )
    booking = Reservation.objects.create(
        store=pizzeria, party_size=4, starts_at=start, customer_name="Marc", customer_phone=CALLER
    )

    items = report(events.booking_made, booking, on_commit=on_commit)

    by_action = {(i.action_type, i.scheduled_at) for i in items}
    assert ("booking_reminder", start - timedelta(hours=24)) in by_action
    assert ("booking_reminder", start - timedelta(hours=2)) in by_action
    assert {i.action_type for i in items} == {"new_reservation", "customer_confirmation", "booking_reminder"}
    [confirmation] = telnyx.messages  # the reminders wait for their time
    assert "Your table for 4 on" in confirmation["text"] and "at 19:30" in confirmation["text"]
    assert mail.outbox[0].subject.startswith("New reservation — ")
    assert mail.outbox[0].subject.endswith("at 19:30")

    assert report(events.booking_made, booking, on_commit=on_commit) == []  # reported again: nothing new

    dispatch_due(now=(start - timedelta(hours=24, seconds=1)).isoformat())
    assert len(telnyx.messages) == 1
    dispatch_due(now=(start - timedelta(hours=24)).isoformat())
    assert len(telnyx.messages) == 2 and "reminder. Your table for 4" in telnyx.messages[1]["text"]
    dispatch_due(now=(start - timedelta(hours=2)).isoformat())
    assert len(telnyx.messages) == 3


def test_a_reminder_already_past_is_not_queued(pizzeria, line, on_commit):
    service = UniversalService.objects.create(store=pizzeria, name="Atelier pizza", price=Decimal("25"))
    start = timezone.now() + timedelta(hours=5)
    booking = ServiceBooking.objects.create(
        store=pizzeria,
        service=service,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        customer_phone=CALLER,
    )

    items = report(events.booking_made, booking, on_commit=on_commit)

    reminders = [i for i in items if i.action_type == "booking_reminder"]
    assert [r.scheduled_at for r in reminders] == [start - timedelta(hours=2)]
    assert {i.action_type for i in items} >= {"new_booking", "customer_confirmation"}


def test_a_cancelled_or_moved_booking_gets_no_reminder(pizzeria, line, telnyx, on_commit):
    start = timezone.now() + timedelta(days=2)
    kept = Reservation.objects.create(store=pizzeria, party_size=2, starts_at=start, customer_phone=CALLER)
    moved = Reservation.objects.create(
        store=pizzeria, party_size=2, starts_at=start, customer_phone="+33611111111"
    )
    report(events.booking_made, kept, on_commit=on_commit)
    report(events.booking_made, moved, on_commit=on_commit)
    texts_before = len(telnyx.messages)
    Reservation.objects.filter(pk=kept.pk).update(status="cancelled")
    Reservation.objects.filter(pk=moved.pk).update(starts_at=start + timedelta(hours=1))

    dispatch_due(now=(start - timedelta(hours=2)).isoformat())

    assert len(telnyx.messages) == texts_before
    reminders = NotificationQueueItem.objects.filter(action_type="booking_reminder")
    assert set(reminders.values_list("status", flat=True)) == {"cancelled"}
    assert {r.last_error for r in reminders} == {
        "The booking was cancelled.",
        "The booking was moved: this reminder is for the old time.",
    }


def test_complaints_reach_the_configurations_whose_severity_they_reach(pizzeria, on_commit, alice):
    NotificationConfig.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        action_type="complaint",
        channel="sms",
        recipients=["+33699999999"],
        min_severity="emergency",
    )
    customer = CustomerFactory(business=pizzeria.business, phone=CALLER, name="Léa")

    def complaint(severity: str) -> list:
        exchange = CustomerExchange.objects.create(
            customer=customer, store=pizzeria, type="complaint", description="Froid", severity=severity
        )
        return [
            (i.channel, i.recipient) for i in report(events.complaint_recorded, exchange, on_commit=on_commit)
        ]

    assert complaint("low") == []
    assert complaint("normal") == [("email", alice.email)]
    assert complaint("emergency") == [("email", alice.email), ("sms", "+33699999999")]
    assert [m.subject for m in mail.outbox] == [
        "Réclamation (Normale) — Léa",
        "Réclamation (Urgence) — Léa",
    ]


def test_missed_calls_and_callbacks_are_emailed_summaries_only_when_asked(pizzeria, on_commit, alice):
    call = Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="cc-missed",
        from_number=CALLER,
        to_number=PIZZERIA_NUMBER,
        status=Call.Status.MISSED,
        started_at=timezone.now(),
        ai_summary="Voulait réserver.",
    )
    ticket = CallbackTicket.objects.create(
        business=pizzeria.business, store=pizzeria, call=call, phone=CALLER, reason="Réservation", summary="x"
    )

    missed = report(events.missed_call, call, on_commit=on_commit)
    callback = report(events.callback_ticket, ticket, on_commit=on_commit)
    summary = report(events.call_summarised, call, on_commit=on_commit)

    assert [i.action_type for i in missed + callback] == ["missed_call", "callback_ticket"]
    assert summary == []  # off by default
    assert [m.subject for m in mail.outbox] == [f"Appel manqué — {CALLER}", f"À rappeler — {CALLER}"]
    assert f"/calls/{call.pk}/" in mail.outbox[0].body
    NotificationConfig.objects.filter(store=pizzeria, action_type="call_summary").update(is_active=True)
    assert len(report(events.call_summarised, call, on_commit=on_commit)) == 1
    assert "Voulait réserver." in mail.outbox[-1].body



def test_a_missed_call_from_a_hidden_number_says_so(pizzeria, on_commit, alice):
    call = Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="cc-hidden",
        from_number="anonymous",
        to_number=PIZZERIA_NUMBER,
        status=Call.Status.MISSED,
        started_at=timezone.now(),
    )
    report(events.missed_call, call, on_commit=on_commit)
    [email] = mail.outbox
    assert email.subject == "Appel manqué — Numéro masqué"
    assert "anonymous" not in email.subject + email.body

def test_rolled_back_events_leave_nothing_behind(order, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.order_placed(order)
        raise RuntimeError("the analysis failed after queueing")

    assert not NotificationQueueItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_events_must_run_inside_a_transaction(pizzeria):
    order = OrderFactory(store=pizzeria, number=1)

    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        events.order_placed(order)
