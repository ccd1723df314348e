"""The periodic task re-processes webhook events whose retry time has come."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kalliky import inbox
from kalliky.tasks import retry_webhook_events
from telephony.models import TelnyxEvent


@pytest.fixture
def telnyx_handler():
    seen: list[str] = []
    real_handler = inbox.handler_for(TelnyxEvent)
    inbox.register_handler(TelnyxEvent, lambda event: seen.append(event.event_id))
    yield seen
    inbox.register_handler(TelnyxEvent, real_handler)


@pytest.mark.django_db
def test_due_retries_are_processed_and_future_ones_wait(telnyx_handler):
    past = timezone.now() - timedelta(seconds=1)
    future = timezone.now() + timedelta(minutes=5)
    due = TelnyxEvent.objects.create(
        event_id="due",
        event_type="call.hangup",
        payload={},
        status=inbox.EventStatus.RETRYING,
        attempts=1,
        next_attempt_at=past,
    )
    later = TelnyxEvent.objects.create(
        event_id="later",
        event_type="call.hangup",
        payload={},
        status=inbox.EventStatus.RETRYING,
        attempts=1,
        next_attempt_at=future,
    )

    result = retry_webhook_events.delay().get()

    assert result["telephony.TelnyxEvent"] == 1
    assert telnyx_handler == ["due"]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == inbox.EventStatus.PROCESSED
    assert due.attempts == 2
    assert later.status == inbox.EventStatus.RETRYING


@pytest.mark.django_db
def test_models_without_a_handler_are_left_alone(no_telnyx_handler):
    TelnyxEvent.objects.create(
        event_id="orphan",
        event_type="call.hangup",
        payload={},
        status=inbox.EventStatus.RETRYING,
        next_attempt_at=timezone.now() - timedelta(seconds=5),
    )
    assert retry_webhook_events.delay().get() == {"telephony.TelnyxEvent": 0, "billing.StripeEvent": 0}
    assert TelnyxEvent.objects.get(event_id="orphan").status == inbox.EventStatus.RETRYING
