"""The webhook inbox: stored once, processed with retries, dead-lettered, replayable."""

from __future__ import annotations

import pytest

from kalliky import inbox
from stores.models import Category
from telephony.models import TelnyxEvent

pytestmark = pytest.mark.django_db


def ingest(event_id: str = "ev-1") -> tuple[TelnyxEvent, bool]:
    return inbox.ingest(
        TelnyxEvent, event_id=event_id, event_type="call.initiated", payload={"data": {"id": event_id}}
    )


def test_the_same_event_is_stored_once():
    first, created = ingest()
    again, created_again = ingest()
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert TelnyxEvent.objects.count() == 1


def test_success_marks_the_event_processed():
    event, _ = ingest()
    assert inbox.process(event, lambda e: None) == inbox.EventStatus.PROCESSED
    event.refresh_from_db()
    assert event.attempts == 1
    assert event.processed_at is not None


def test_processed_events_are_not_processed_again():
    event, _ = ingest()
    calls: list[str] = []
    inbox.process(event, lambda e: calls.append(e.event_id))
    inbox.process(event, lambda e: calls.append(e.event_id))
    assert calls == ["ev-1"]


def failing(event: TelnyxEvent) -> None:
    raise RuntimeError("Telnyx said 500")


def test_a_failure_schedules_a_retry_with_the_error():
    event, _ = ingest()
    assert inbox.process(event, failing) == inbox.EventStatus.RETRYING
    event.refresh_from_db()
    assert event.attempts == 1
    assert event.last_error == "RuntimeError: Telnyx said 500"
    assert inbox.retry_delay(event) in range(0, inbox.BACKOFF_SECONDS[0] + 1)


def test_the_last_failure_dead_letters_the_event():
    event, _ = ingest()
    statuses = [inbox.process(event, failing) for _ in range(inbox.MAX_ATTEMPTS)]
    assert statuses[-1] == inbox.EventStatus.DEAD
    assert statuses[:-1] == [inbox.EventStatus.RETRYING] * (inbox.MAX_ATTEMPTS - 1)
    event.refresh_from_db()
    assert event.attempts == inbox.MAX_ATTEMPTS
    assert event.next_attempt_at is None


def test_a_permanent_error_dead_letters_at_once():
    event, _ = ingest()

    def permanent(e: TelnyxEvent) -> None:
        raise inbox.PermanentError("unknown call")

    assert inbox.process(event, permanent) == inbox.EventStatus.DEAD


def test_a_failing_handler_leaves_nothing_behind(pizzeria):
    event, _ = ingest()

    def half_done(e: TelnyxEvent) -> None:
        Category.objects.create(store=pizzeria, name="written then failed")
        raise RuntimeError("crash after a write")

    inbox.process(event, half_done)
    assert not Category.objects.filter(name="written then failed").exists()


def test_replay_gives_a_dead_event_a_fresh_start():
    event, _ = ingest()
    for _ in range(inbox.MAX_ATTEMPTS):
        inbox.process(event, failing)
    assert inbox.replay(event, lambda e: None) == inbox.EventStatus.PROCESSED
    event.refresh_from_db()
    assert event.attempts == 1
    assert event.last_error == ""
