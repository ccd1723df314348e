"""TELNYX_REACTIONS=reactor: the web process only verifies and stores, the reactor (its own
thread here, its own process in production) is told of each event and reacts. On PostgreSQL it
is told by notification, on SQLite it finds the events by scanning."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kalliky.inbox import EventStatus
from telephony import call_event_worker, call_lanes
from telephony.models import Call, TelnyxEvent
from tests.telephony.conftest import PIZZERIA_NUMBER, wait_until
from tests.telephony.test_calls_e2e import (
    CALLER,
    ORDER_TURNS,
    analysed_call,
    assert_one_pizza_order,
    converse,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reactor_line(line, settings) -> Iterator:
    settings.TELNYX_REACTIONS = "reactor"
    # No rescan during the call: on PostgreSQL every event must come by notification.
    settings.TELNYX_REACTOR_SCAN_SECONDS = 3600.0
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=_serve, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(300), "the reactor never started"
    yield line
    wait_until(
        lambda: not TelnyxEvent.objects.filter(status=EventStatus.RECEIVED).exists(), what="no event left"
    )
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive()


def _serve(stop: threading.Event, ready: threading.Event) -> None:
    try:
        call_event_worker.run(stop, ready=ready)
    finally:
        connection.close()


def test_a_call_through_the_reactor_orders_two_pizzas(reactor_line, demo):
    call = reactor_line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    spoken = converse(call, ORDER_TURNS)
    call.hang_up()
    row = wait_until(analysed_call, what="the call ready for analysis")

    assert "enregistré" in spoken[0] and len(spoken) == 1 + len(ORDER_TURNS)
    assert_one_pizza_order(row)
    assert row.status == Call.Status.COMPLETED
    events = TelnyxEvent.objects.all()
    assert events.exists()
    assert not events.exclude(status__in=[EventStatus.PROCESSED, EventStatus.IGNORED]).exists()
    assert set(events.values_list("attempts", flat=True)) == {1}  # each processed once


def test_the_reactor_picks_up_what_arrived_while_it_was_down(line, demo, settings):
    """Events stored with no reactor running wait, RECEIVED; the reactor's first scan takes them."""
    settings.TELNYX_REACTIONS = "reactor"
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    wait_until(
        lambda: TelnyxEvent.objects.filter(event_type="call.initiated").exists(), what="call.initiated"
    )
    assert call.spoken == []
    assert TelnyxEvent.objects.get(event_type="call.initiated").status == EventStatus.RECEIVED

    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=_serve, args=(stop, ready), daemon=True)
    thread.start()
    try:
        call.wait_for_speech(1, timeout=10)  # answered and greeted once the reactor is up
        assert "enregistré" in call.spoken[0]
        call.hang_up()
        wait_until(
            lambda: Call.objects.filter(status=Call.Status.COMPLETED).exists(), what="the call completed"
        )
    finally:
        stop.set()
        thread.join(timeout=30)
    assert call_lanes.pool().drain(timeout=5)


def test_a_second_reactor_stands_by_while_the_first_leads(db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("leadership is a PostgreSQL advisory lock; SQLite runs one process")
    settings.TELNYX_REACTIONS = "reactor"
    settings.TELNYX_REACTOR_SCAN_SECONDS = 0.1
    first_stop, first_ready = threading.Event(), threading.Event()
    second_stop, second_ready = threading.Event(), threading.Event()
    first = threading.Thread(target=_serve, args=(first_stop, first_ready), daemon=True)
    first.start()
    assert first_ready.wait(300)
    second = threading.Thread(target=_serve, args=(second_stop, second_ready), daemon=True)
    second.start()
    try:
        assert not second_ready.wait(0.5)  # the lock is held: standing by
        first_stop.set()
        first.join(timeout=30)
        assert second_ready.wait(300)  # the first one's session ended: the standby leads
    finally:
        first_stop.set()
        second_stop.set()
        first.join(timeout=30)
        second.join(timeout=30)


def test_the_command_refuses_to_run_when_the_web_processes_react_themselves(settings):
    settings.TELNYX_REACTIONS = "threads"
    with pytest.raises(CommandError, match="TELNYX_REACTIONS=reactor"):
        call_command("telnyx_reactor")
