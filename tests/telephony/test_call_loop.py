"""The call loop's guards and timers: barge-in, the closed-hours greeting, events out of order or
twice, the hours of the escalation chain, the stale-call sweep."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import Subscription
from kalliky.inbox import EventStatus
from stores.models import OpeningInterval, Store
from telephony import line_limits
from telephony.call_tasks import sweep_stale_calls
from telephony.escalation import steps_for
from telephony.models import Call, EscalationStep, TelnyxEvent
from telephony.providers import encode_state
from telephony.selectors import conversations_of_call
from tests.telephony.conftest import PIZZERIA_NUMBER, settle
from tests.telephony.signing import PUBLIC_KEY, envelope, signed

CALLER = "+33622334455"


# --- through the simulator ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_caller_talking_over_the_greeting_stops_it_and_gets_an_answer(line, demo):
    line.speech_seconds_per_char = 0.05  # the greeting takes seconds to say
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    call.wait_for(lambda c: c.speaking, timeout=10, what="the greeting to start")
    call.say("je voudrais une margherita grande")
    call.wait_for_speech(2, timeout=10)
    line.speech_seconds_per_char = 0.0
    settle(line)
    speaks = [c for c in call.commands if c.action == "speak"]
    assert speaks[0].body.get("stop") is None and speaks[1].body["stop"] == "all"
    assert "Margherita" in call.spoken[1]
    ended = [e["data"]["payload"] for e in call.events if e["data"]["event_type"] == "call.speak.ended"]
    assert ended[0]["status"] == "interrupted"


@pytest.mark.django_db(transaction=True)
def test_outside_opening_hours_the_greeting_says_so_and_what_is_still_possible(line, demo):
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    local = timezone.localtime(timezone.now(), ZoneInfo(pizzeria.timezone))
    opens = (local + timedelta(hours=5)).time().replace(second=0, microsecond=0)
    closes = (local + timedelta(hours=7)).time().replace(second=0, microsecond=0)
    pizzeria.opening_intervals.all().delete()
    OpeningInterval.objects.bulk_create(
        OpeningInterval(store=pizzeria, weekday=d, opens=opens, closes=closes) for d in range(7)
    )
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    greeting = call.wait_for_speech(1, timeout=10)[0]
    assert "fermés en ce moment" in greeting and "réouverture" in greeting
    assert "réservation" in greeting  # the pizzeria takes tables
    call.hang_up()
    settle(line)


# --- webhooks posted one by one (inline processing) -------------------------------------------
@pytest.fixture
def pizzeria_line(db, settings):
    settings.TELNYX_PUBLIC_KEY = PUBLIC_KEY
    call_command("seed_demo", verbosity=0)
    return Store.objects.get(slug="pizzeria-bella-napoli")


def _post(client, event_type: str, payload: dict, event_id: str | None = None):
    body = envelope(event_type, payload, event_id=event_id)
    response = client.post("/api/telnyx/webhook", data=body, content_type="application/json", **signed(body))
    assert response.status_code == 200, response.content
    return TelnyxEvent.objects.get(event_id=json.loads(body)["data"]["id"])


def _leg(call: Call | None = None, **extra) -> dict:
    base = {
        "call_control_id": "v3:loop-1",
        "call_session_id": "session-1",
        "call_leg_id": "leg-1",
        "from": CALLER,
        "to": PIZZERIA_NUMBER,
        "direction": "incoming",
        "client_state": encode_state({"c": call.pk}) if call else None,
    }
    return {**base, **extra}


def test_a_hang_up_before_the_answer_event_leaves_a_finished_call(client, pizzeria_line):
    _post(client, "call.initiated", _leg())
    call = Call.objects.get()
    _post(client, "call.hangup", _leg(call, hangup_cause="originator_cancel", hangup_source="caller"))
    late = _post(client, "call.answered", _leg(call))
    call.refresh_from_db()
    assert call.status == Call.Status.MISSED and call.ended_at is not None
    assert late.status == EventStatus.PROCESSED and not late.commands
    assert not call.session_key  # the assistant never started
    assert line_limits.active(call.business_id) == 0


def test_the_same_sentence_twice_is_one_turn_and_a_transcription_after_hang_up_is_ignored(
    client, pizzeria_line
):
    _post(client, "call.initiated", _leg())
    call = Call.objects.get()
    _post(client, "call.answered", _leg(call))
    said = {"transcript": "je voudrais une margherita grande", "is_final": True, "confidence": 0.9}
    first = _post(client, "call.transcription", _leg(call, transcription_data=said))
    second = _post(client, "call.transcription", _leg(call, transcription_data=said))
    assert first.status == EventStatus.PROCESSED and [c["action"] for c in first.commands] == ["speak"]
    assert second.status == EventStatus.IGNORED and not second.commands
    _post(client, "call.hangup", _leg(call, hangup_cause="normal_clearing", hangup_source="caller"))
    after = _post(client, "call.transcription", _leg(call, transcription_data={**said, "transcript": "allo"}))
    assert after.status == EventStatus.IGNORED
    session = conversations_of_call(call).get()
    assert [m["content"] for m in session.messages if m["role"] == "user"] == [said["transcript"]]
    call.refresh_from_db()
    assert call.status == Call.Status.COMPLETED and "margherita" in call.transcript


def test_a_store_whose_subscription_is_unpaid_does_not_get_the_assistant(client, pizzeria_line):
    Subscription.objects.filter(store=pizzeria_line).update(status=Subscription.Status.PAST_DUE)
    event = _post(client, "call.initiated", _leg())
    call = Call.objects.get()
    assert call.status == Call.Status.REJECTED and call.control["reason"] == "number_inactive"
    assert [c["action"] for c in event.commands] == ["answer"]
    answered = _post(client, "call.answered", _leg(call))
    assert [c["action"] for c in answered.commands] == ["speak"]
    assert "indisponible" in answered.commands[0]["params"]["payload"]


# --- the chain's hours --------------------------------------------------------------------------
@pytest.mark.django_db
def test_escalation_steps_apply_on_their_days_and_hours(pizzeria):
    pizzeria.timezone = "Europe/Paris"
    pizzeria.phone = "+33478000001"
    EscalationStep.objects.create(store=pizzeria, position=0, label="Owner", phone="+33611111111")
    EscalationStep.objects.create(
        store=pizzeria,
        position=1,
        label="Evening staff",
        phone="+33622222222",
        weekdays=[4, 5],
        starts=time(18, 0),
        ends=time(2, 0),
    )
    paris = ZoneInfo("Europe/Paris")
    friday_night = datetime(2026, 12, 4, 23, 30, tzinfo=paris)
    friday_noon = datetime(2026, 12, 4, 12, 0, tzinfo=paris)
    monday_night = datetime(2026, 12, 7, 23, 30, tzinfo=paris)
    assert [s.label for s in steps_for(pizzeria, friday_night)] == ["Owner", "Evening staff"]
    assert [s.label for s in steps_for(pizzeria, friday_noon)] == ["Owner"]
    assert [s.label for s in steps_for(pizzeria, monday_night)] == ["Owner"]


@pytest.mark.django_db
def test_without_a_chain_the_store_line_is_the_one_step_and_without_it_none(pizzeria):
    now = timezone.now()
    pizzeria.phone = "+33478000001"
    assert [(s.label, s.phone) for s in steps_for(pizzeria, now)] == [(pizzeria.name, "+33478000001")]
    pizzeria.phone = ""
    assert steps_for(pizzeria, now) == []


# --- stale calls --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_call_whose_hang_up_was_lost_is_closed_and_its_line_freed(pizzeria, settings):
    settings.CALL_STALE_SECONDS = 3600
    old = Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="v3:lost",
        from_number=CALLER,
        to_number=PIZZERIA_NUMBER,
        status=Call.Status.ANSWERED,
        started_at=timezone.now() - timedelta(hours=2),
    )
    fresh = Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="v3:live",
        from_number=CALLER,
        to_number=PIZZERIA_NUMBER,
        status=Call.Status.ANSWERED,
        started_at=timezone.now(),
    )
    assert line_limits.acquire(pizzeria.business_id, str(old.pk), 2)
    assert line_limits.acquire(pizzeria.business_id, str(fresh.pk), 2)
    assert sweep_stale_calls.delay().get() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == Call.Status.FAILED and old.hangup_cause == "no_hangup_received"
    assert fresh.status == Call.Status.ANSWERED
    assert line_limits.active(pizzeria.business_id) == 1


@pytest.mark.django_db
def test_the_line_limit_is_per_business_and_idempotent_per_call(pizzeria, salon):
    assert line_limits.acquire(pizzeria.business_id, "a", 1)
    assert line_limits.acquire(pizzeria.business_id, "a", 1)  # the same call asking again
    assert not line_limits.acquire(pizzeria.business_id, "b", 1)
    assert line_limits.acquire(salon.business_id, "c", 1)  # another business has its own lines
    line_limits.release(pizzeria.business_id, "a")
    assert line_limits.acquire(pizzeria.business_id, "b", 1)


def test_a_store_that_does_not_record_calls_neither_records_nor_announces_it(client, pizzeria_line):
    Store.objects.filter(pk=pizzeria_line.pk).update(record_calls=False)
    _post(client, "call.initiated", _leg())
    call = Call.objects.get()
    answered = _post(client, "call.answered", _leg(call))
    assert [c["action"] for c in answered.commands] == ["start_transcription", "speak"]
    assert "enregistré" not in answered.commands[1]["params"]["payload"]
    _post(client, "call.hangup", _leg(call, hangup_cause="normal_clearing", hangup_source="caller"))
    call.refresh_from_db()
    assert call.analysis_ready_at is not None  # no recording to wait for


@pytest.mark.django_db
def test_owners_switch_call_recording_in_the_store_api(alice_client, pizzeria):
    assert alice_client.get(f"/api/stores/{pizzeria.pk}").json()["record_calls"] is True
    body = {"name": pizzeria.name, "record_calls": False}
    response = alice_client.put(f"/api/stores/{pizzeria.pk}", body, content_type="application/json")
    assert response.status_code == 200, response.content
    pizzeria.refresh_from_db()
    assert pizzeria.record_calls is False
