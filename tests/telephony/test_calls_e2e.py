"""Whole calls through the public doors: the Telnyx simulator places the call and sends signed
webhooks to the live app, the app answers with real SDK commands, and the outcome is read in the
database and on the simulator's wire."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from kalliky import inbox
from kalliky.inbox import EventStatus
from notifications.models import NotificationQueueItem
from stores.models import Customer, CustomerExchange, Order, PreparationTicket, Store
from telephony import stats
from telephony.callcontrol import call_ready_for_analysis
from telephony.models import Call, CallbackTicket, EscalationStep, TelnyxEvent
from telephony.selectors import conversations_of_call, exchanges_of_call, orders_of_call
from tests.telephony.conftest import PIZZERIA_NUMBER, SALON_NUMBER, settle, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = "+33611223344"
ORDER_TURNS = [
    "Bonjour, je voudrais deux margherita grandes et un coca s'il vous plaît",
    "non merci c'est tout",
    "à emporter",
    "oui c'est parfait",
]


def analysed_call() -> Call | None:
    return Call.objects.filter(analysis_ready_at__isnull=False).first()


def converse(call, turns: list[str]) -> list[str]:
    call.wait_for_speech(1, timeout=10)
    for text in turns:
        heard = len(call.spoken)
        call.say(text)
        call.wait_for_speech(heard + 1, timeout=10)
    return call.spoken


def assert_one_pizza_order(call_row: Call) -> Order:
    order = orders_of_call(call_row).get()
    lines = sorted((i.name, i.quantity) for i in order.items.all())
    assert lines == [("Coca-Cola 33 cl", 1), ("Margherita", 2)], lines
    margherita = order.items.get(name="Margherita")
    assert "Grande" in str(margherita.variations)
    assert order.total == Decimal("30.00")
    assert PreparationTicket.objects.filter(order=order).count() == 1
    return order


def test_a_french_caller_orders_two_pizzas_and_everything_lands(line, demo):
    ready: list[int] = []

    def on_ready(sender, call_id, **kwargs):
        ready.append(call_id)

    call_ready_for_analysis.connect(on_ready, weak=False)
    try:
        call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
        spoken = converse(call, ORDER_TURNS)
        call.hang_up()
        settle(line)
        row = wait_until(analysed_call, what="the call ready for analysis")
    finally:
        call_ready_for_analysis.disconnect(on_ready)

    # What the caller heard: the greeting announces the recording, then a reply per sentence.
    assert "enregistré" in spoken[0]
    assert len(spoken) == 1 + len(ORDER_TURNS)
    assert call.transcription_language == "fr"
    assert call.recording["format"] == "mp3" and call.recording["channels"] == "dual"

    assert_one_pizza_order(row)
    assert row.status == Call.Status.COMPLETED
    assert row.answered_at and row.ended_at and row.ended_at >= row.answered_at
    assert row.duration_seconds == int((row.ended_at - row.answered_at).total_seconds())
    assert row.hangup_cause == "normal_clearing" and row.hangup_source == "caller"
    assert "margherita" in row.transcript.lower() and row.transcript.startswith("Assistant:")
    assert row.recording_file and row.recording_file.read()[:3] == b"ID3"
    assert ready == [row.pk]

    customer = Customer.objects.get(phone=CALLER)
    assert row.customer == customer and customer.business == row.business
    assert exchanges_of_call(row).filter(type=CustomerExchange.Type.CALL).count() == 1
    session = conversations_of_call(row).get()
    assert not session.is_active and len(session.messages) == 1 + 2 * len(ORDER_TURNS)
    day = stats.daily(row.business_id, row.started_at.date())
    assert day["calls"] == 1 and day["answered"] == 1 and day["missed"] == 0

    # Every command carried a fresh command_id; the state we set is echoed back.
    ids = [c.command_id for c in line.commands]
    assert all(ids) and len(set(ids)) == len(ids)
    assert call.client_state


def test_every_webhook_twice_and_shuffled_gives_the_same_single_result(line, demo):
    line.duplicate = True
    line.shuffle = True
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    converse(call, ORDER_TURNS)
    call.hang_up()
    settle(line)
    row = wait_until(analysed_call, what="the call ready for analysis")
    assert Call.objects.count() == 1
    assert_one_pizza_order(row)
    assert Order.objects.count() == 1
    assert row.status == Call.Status.COMPLETED
    # Each Telnyx event stored once, processed once, although delivered twice.
    delivered = {event_id for _, event_id, _ in line.deliveries}
    assert TelnyxEvent.objects.exclude(event_type="kalliky.silence").count() == len(delivered)
    assert set(TelnyxEvent.objects.values_list("attempts", flat=True)) == {1}
    assert len(line.deliveries) >= 2 * len(delivered)


def test_forged_stale_and_malformed_webhooks_are_rejected_and_nothing_is_stored(line, demo):
    envelope = line.event("call.initiated", {"call_control_id": "v3:x", "to": PIZZERIA_NUMBER})
    import json

    body = json.dumps(envelope).encode()
    forged = dict(line.sign(body))
    forged["telnyx-signature-ed25519"] = line.sign(b"something else")["telnyx-signature-ed25519"]
    assert line.deliver(envelope, body=body, headers=forged) == 401
    stale = line.sign(body, timestamp=int(time.time()) - 600)
    assert line.deliver(envelope, body=body, headers=stale) == 401
    garbage = b'{"data": {'
    assert line.deliver(envelope, body=garbage, headers=line.sign(garbage)) == 400
    assert not TelnyxEvent.objects.exists() and not Call.objects.exists()


def test_telnyx_5xx_then_200_retries_the_command_with_the_same_command_id(line, demo):
    line.fail_next("answer", status=500, times=1)
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for_speech(1, timeout=10)
    answers = [c for c in line.commands if c.action == "answer"]
    assert [c.status for c in answers] == [500, 200]
    assert answers[0].command_id == answers[1].command_id
    assert call.state == "answered"
    answered = [d for d in line.deliveries if d[0] == "call.answered"]
    assert len(answered) == 1


def test_a_failing_telnyx_dead_letters_the_event_and_the_admin_replays_it(line, demo, settings, admin_user):
    settings.TELNYX_MAX_RETRIES = 0
    line.fail_next("answer", status=503, times=inbox.MAX_ATTEMPTS)
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    settle(line)
    event = TelnyxEvent.objects.get(event_type="call.initiated")
    assert event.status == EventStatus.RETRYING and "503" in event.last_error
    for _ in range(inbox.MAX_ATTEMPTS):
        TelnyxEvent.objects.filter(pk=event.pk).update(next_attempt_at=event.received_at)
        inbox.process_due(TelnyxEvent)
    event.refresh_from_db()
    assert event.status == EventStatus.DEAD and event.attempts == inbox.MAX_ATTEMPTS
    assert call.state == "parked"
    answers = [c for c in line.commands if c.action == "answer"]
    assert len(answers) == inbox.MAX_ATTEMPTS
    assert len({c.command_id for c in answers}) == 1  # every retry re-sent the very same command
    assert Call.objects.count() == 1  # and the call was created once

    # Telnyx is back: the dead letter is replayed from the admin, and the call is answered.
    admin = site._registry[TelnyxEvent]
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    request._messages = _Messages()
    admin.replay_events(request, TelnyxEvent.objects.filter(pk=event.pk))
    settle(line)
    event.refresh_from_db()
    assert event.status == EventStatus.PROCESSED
    call.wait_for_speech(1, timeout=10)
    assert call.state == "answered"


class _Messages:
    def add(self, *args, **kwargs) -> None:
        return None


def test_the_second_call_on_a_starter_store_is_not_answered_by_the_assistant(line, demo):
    salon = Store.objects.get(slug="elegance-hair-salon")
    first = line.place_call(from_="+33611000001", to=SALON_NUMBER)
    first.wait_for_speech(1, timeout=10)
    second = line.place_call(from_="+33611000002", to=SALON_NUMBER)
    second.wait_for(lambda c: len(c.spoken) >= 1, timeout=10)
    assert salon.phone  # the store's own line takes the overflow
    second.wait_for(lambda c: c.state == "bridged", timeout=10)
    settle(line)
    assert "lines are busy" in second.spoken[0]  # the salon speaks English
    assert second.transfers[0]["to"] == salon.phone
    second_row = Call.objects.get(call_control_id=second.call_control_id)
    assert second_row.status == Call.Status.TRANSFERRED and not second_row.session_key
    assert not second.transcribing
    # The first caller hangs up: the line is free again for the next one.
    first.hang_up()
    settle(line)
    third = line.place_call(from_="+33611000003", to=SALON_NUMBER)
    third.wait_for_speech(1, timeout=10)
    settle(line)
    assert third.transcribing
    assert Call.objects.get(call_control_id=third.call_control_id).status == Call.Status.ANSWERED


def test_a_suspended_number_says_so_and_hangs_up(line, demo):
    from telephony.models import PhoneNumber

    PhoneNumber.objects.filter(number=PIZZERIA_NUMBER).update(status=PhoneNumber.Status.SUSPENDED)
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for(lambda c: c.state == "hangup", timeout=10)
    assert "indisponible" in call.spoken[0]
    settle(line)
    row = Call.objects.get()
    assert row.status == Call.Status.REJECTED and not row.session_key


def test_the_transfer_chain_moves_on_when_the_first_person_does_not_answer(line, demo):
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    EscalationStep.objects.create(store=pizzeria, position=0, label="Marco", phone="+33611111111")
    EscalationStep.objects.create(store=pizzeria, position=1, label="la cuisine", phone="+33622222222")
    line.set_party("+33611111111", "no_answer")
    line.set_party("+33622222222", "answer")
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for_speech(1, timeout=10)
    call.say("Finalement je préfère parler à quelqu'un")
    call.wait_for(lambda c: len(c.transfers) >= 2, timeout=10)
    settle(line)
    assert [t["to"] for t in call.transfers] == ["+33611111111", "+33622222222"]
    assert any("Marco n'est pas disponible" in s for s in call.spoken)
    row = Call.objects.get(call_control_id=call.call_control_id)
    assert row.status == Call.Status.TRANSFERRED
    assert not CallbackTicket.objects.exists()


def test_when_nobody_answers_the_caller_is_promised_a_call_back_and_the_owner_texted(line, demo):
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    EscalationStep.objects.create(store=pizzeria, position=0, label="Marco", phone="+33611111111")
    line.set_party("+33611111111", "busy")
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for_speech(1, timeout=10)
    call.say("Une margherita grande s'il vous plaît")
    call.wait_for_speech(2, timeout=10)
    call.press("0")
    call.wait_for(lambda c: c.state == "hangup", timeout=10)
    settle(line)
    assert "rappelons" in call.spoken[-1]
    ticket = CallbackTicket.objects.get()
    assert ticket.phone == CALLER and "margherita" in ticket.summary.lower()
    assert ticket.sms_sent_at is not None
    sms = line.messages[-1]
    assert CALLER in sms["text"] and sms["from"]["phone_number"] == PIZZERIA_NUMBER
    # The one sender of texts: the notification queue, its retries, its dedupe key.
    [item] = NotificationQueueItem.objects.filter(action_type="callback_sms")
    assert item.status == NotificationQueueItem.Status.SENT
    assert item.dedupe_key.startswith(f"callback:{ticket.pk}:")


def test_silence_gets_a_reprompt_then_a_polite_goodbye(line, demo, settings):
    settings.CALL_SILENCE_SECONDS = 0.3
    settings.CALL_SILENCE_REPROMPTS = 1
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for(lambda c: c.state == "hangup", timeout=15)
    settle(line)
    assert "toujours là" in call.spoken[1]
    assert "Au revoir" in call.spoken[2]
    assert Call.objects.get().status == Call.Status.COMPLETED


def test_the_caller_hanging_up_during_the_greeting_leaves_a_consistent_call(line, demo):
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for(lambda c: c.state == "answered", timeout=10)
    call.hang_up()
    settle(line)
    row = Call.objects.get()
    assert row.ended_at is not None and row.status == Call.Status.COMPLETED
    # A late transcription is recorded and changes nothing.
    assert not Order.objects.exists()


def test_a_transfer_telnyx_refuses_moves_on_to_the_next_person(line, demo):
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    EscalationStep.objects.create(store=pizzeria, position=0, label="Marco", phone="+33611111111")
    EscalationStep.objects.create(store=pizzeria, position=1, label="la cuisine", phone="+33622222222")
    line.fail_next("transfer", status=422, times=1)
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for_speech(1, timeout=10)
    call.press("0")
    call.wait_for(lambda c: len(c.transfers) >= 1, timeout=10)
    settle(line)
    assert [t["to"] for t in call.transfers] == ["+33622222222"]  # the refused one never rang
    assert any("J'essaie la cuisine" in s for s in call.spoken)
    assert Call.objects.get().status == Call.Status.TRANSFERRED
