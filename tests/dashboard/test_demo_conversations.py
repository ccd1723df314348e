"""The demo history's calls carry their conversations, stored as a real call's are (the
conversation's messages, its outcomes, the transcript, the customer-history line), and what is
said matches what the call produced: the order's items, prices and total, the booking's size and
time, the complaint, the transfer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from ai.analysis.summary import money
from stores.models import CustomerExchange, Store
from telephony import selectors
from telephony.models import Call

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201 - pytest-django's fixtures
    """Seeded once for the module (it is the slow part), removed afterwards."""
    with django_db_blocker.unblock():
        call_command("seed_demo", "--history", stdout=StringIO())
        yield Store.objects.get(slug="pizzeria-bella-napoli")
        call_command("flush", "--no-input", verbosity=0)


def calls_of(store: Store):  # noqa: ANN201 - a queryset
    return Call.objects.filter(store=store, call_control_id__startswith="demo-history-").select_related(
        "conversation"
    )


def said(call: Call) -> str:
    return "\n".join(m["content"] for m in call.conversation.messages)


def test_every_answered_call_has_a_conversation_stored_like_a_real_one(history):
    calls = list(calls_of(history))
    assert len(calls) > 300
    for call in calls:
        assert call.exchange_id is not None  # its line in the customer's history
        if call.status == Call.Status.MISSED:
            assert call.conversation_id is None and not call.transcript
            continue
        messages = call.conversation.messages
        assert messages[0]["role"] == "assistant" and any(m["role"] == "user" for m in messages)
        assert {m["role"] for m in messages} == {"assistant", "user"}
        assert call.transcript.splitlines()[0].startswith("Assistant: ")
        assert call.analysis["summary"]["parts"] and call.ai_summary
    # Phrased in more than one way.
    assert len({c.conversation.messages[0]["content"] for c in calls if c.conversation_id}) >= 3
    assert len({c.conversation.messages[1]["content"] for c in calls if c.conversation_id}) > 50


def test_an_order_call_says_the_real_items_prices_and_total(history):
    checked = 0
    for call in calls_of(history).exclude(status=Call.Status.MISSED)[:200]:
        orders = list(selectors.orders_of_call(call))
        if not orders:
            continue
        order = orders[0]
        words = said(call)
        assert f"n°{order.number}" in words and money(order.total, "fr") in words
        for item in order.items.all():
            assert f"{item.quantity} × {item.name} ({money(item.line_total, 'fr')})" in words
        if order.delivery_type == "delivery":
            assert order.delivery_address and order.delivery_address in words
        assert order.created_at == call.started_at
        checked += 1
    assert checked > 50
    # Two orders placed in the same minute may take either number: ties go by number.
    numbers = list(history.orders.order_by("created_at", "number").values_list("number", flat=True))
    assert numbers == sorted(numbers)  # order numbers follow the clock


def test_booking_complaint_and_transfer_calls_match_what_they_produced(history):
    bookings = complaints = transfers = 0
    for call in calls_of(history).exclude(status=Call.Status.MISSED):
        words = said(call)
        for booking in selectors.reservations_of_call(call):
            local = booking.starts_at.astimezone(history.zone)
            assert f"{booking.party_size}" in words and f"{local.hour}h{local.minute:02d}" in words
            bookings += 1
        for exchange in selectors.exchanges_of_call(call).filter(type=CustomerExchange.Type.COMPLAINT):
            assert exchange.description in words and exchange.follow_up_required
            complaints += 1
        if call.status == Call.Status.TRANSFERRED:
            assert call.analysis["summary"]["parts"] == [{"k": "transfer", "a": {}}]
            transfers += 1
    assert bookings > 20 and complaints > 5 and transfers > 10


def test_the_call_page_shows_the_seeded_conversation(history):
    client = Client()
    client.force_login(history.business.owner)
    client.cookies["django_language"] = "en"
    call = calls_of(history).filter(status=Call.Status.COMPLETED).order_by("started_at").first()
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert 'id="conversation"' in page
    assert call.conversation.messages[1]["content"].replace("'", "&#x27;") in page
    assert "No transcript" not in page
    missed = calls_of(history).filter(status=Call.Status.MISSED).first()
    page = client.get(f"/calls/{missed.pk}/").content.decode()
    assert "nobody answered" in page
