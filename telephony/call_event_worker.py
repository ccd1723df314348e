"""The call event worker: a process of its own that runs stored call events
(`manage.py call_event_worker`, formerly `telnyx_reactor`; TELNYX_REACTIONS=reactor).

In "threads" mode each web process reacts to the events it received, in its own lanes. That
is the simplest setup, but on a loaded box the reactions (ORM work, commands to Telnyx) hold the
GIL the webhook acknowledgements need. In "reactor" mode the web processes only verify and store;
this process picks the stored events up and runs them in the same per-call lanes
(telephony.call_lanes), so acknowledgements and reactions never share an interpreter.

Hand-off: the webhook door inserts the event and, in the same statement, sends
`pg_notify('telnyx_events', id)`. PostgreSQL delivers notifications at commit, in commit order,
so the worker learns each new id once, without polling and without gaps. A scan of unprocessed
events every TELNYX_REACTOR_SCAN_SECONDS catches what arrived while it was down; on other
databases (SQLite in development) that scan is the only source and runs every 50 ms.

One worker per deployment holds a PostgreSQL advisory lock; a second one started for
availability waits as a standby and takes over when the first one's connection drops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import psycopg
from django.conf import settings
from django.db import close_old_connections, connection

from kalliky.inbox import EventStatus
from telephony import call_lanes, callcontrol
from telephony.models import TelnyxEvent
from telephony.webhooks import CHANNEL, process_event

log = logging.getLogger(__name__)

ADVISORY_LOCK = 0x7E1_4E7  # our key in pg_advisory_lock's single bigint space
BATCH = 500
SQLITE_SCAN_SECONDS = 0.05


def uses_notify() -> bool:
    return connection.vendor == "postgresql"


class EventFeed:
    """Feeds stored events to the call lanes, each id once while it is in flight."""

    def __init__(self) -> None:
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()

    def in_flight(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def hand_over(self, ids: Iterable[int] | None = None) -> int:
        """Hand these ids (or every unprocessed event, for a scan) to their lanes. Returns how
        many were handed over; ids already in a lane or already processed are skipped."""
        rows = TelnyxEvent.objects.filter(status=EventStatus.RECEIVED, attempts=0)
        if ids is not None:
            wanted = [i for i in ids if not self._taken(i)]
            if not wanted:
                return 0
            rows = rows.filter(pk__in=wanted)
        rows = rows.order_by("pk").values_list("pk", "payload")[:BATCH]
        handed = 0
        for pk, data in rows:
            with self._lock:
                if pk in self._in_flight:
                    continue
                self._in_flight.add(pk)
            payload = data.get("payload") if isinstance(data, dict) else None
            lane = callcontrol.lane_of(payload if isinstance(payload, dict) else {})
            call_lanes.submit(lane, self._job(pk))
            handed += 1
        return handed

    def _taken(self, pk: int) -> bool:
        with self._lock:
            return pk in self._in_flight

    def _job(self, pk: int) -> call_lanes.Job:
        def run() -> None:
            try:
                process_event(TelnyxEvent(pk=pk))
            finally:
                with self._lock:
                    self._in_flight.discard(pk)

        return run


def run(stop: threading.Event, *, ready: threading.Event | None = None) -> None:
    """Serve until `stop` is set, then let the lanes finish what they hold."""
    feed = EventFeed()
    try:
        if uses_notify():
            _serve_notifications(feed, stop, ready)
        else:
            if ready is not None:
                ready.set()
            while not stop.is_set():
                feed.hand_over()
                close_old_connections()
                stop.wait(SQLITE_SCAN_SECONDS)
    finally:
        call_lanes.pool().drain(timeout=settings.TELNYX_REACTOR_DRAIN_SECONDS)


def _serve_notifications(
    feed: EventFeed, stop: threading.Event, ready: threading.Event | None
) -> None:
    params: dict[str, Any] = connection.get_connection_params()
    while not stop.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as listener:
                if not _lead(listener, stop):
                    return
                listener.execute(f"LISTEN {CHANNEL}")
                log.info("call event worker: leading, listening on %s", CHANNEL)
                if ready is not None:
                    ready.set()
                _listen(listener, feed, stop)
        except psycopg.OperationalError as exc:
            log.warning("call event worker: database connection lost (%s); reconnecting", exc)
            stop.wait(1.0)


def _lead(listener: Any, stop: threading.Event) -> bool:
    """Take the advisory lock, waiting as a standby while another worker holds it."""
    announced = False
    while not stop.is_set():
        if listener.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK,)).fetchone()[0]:
            return True
        if not announced:
            log.info("call event worker: another worker leads; standing by")
            announced = True
        stop.wait(settings.TELNYX_REACTOR_SCAN_SECONDS)
    return False


def _listen(listener: Any, feed: EventFeed, stop: threading.Event) -> None:
    feed.hand_over()  # what arrived while no worker listened
    next_scan = time.monotonic() + settings.TELNYX_REACTOR_SCAN_SECONDS
    while not stop.is_set():
        wait = max(0.0, next_scan - time.monotonic())
        ids = [int(n.payload) for n in listener.notifies(timeout=min(wait, 0.5), stop_after=1)]
        if ids:
            # Take whatever else has already arrived, so a burst costs one query, not one each.
            ids += [int(n.payload) for n in listener.notifies(timeout=0)]
            feed.hand_over(ids)
        if time.monotonic() >= next_scan:
            feed.hand_over()
            next_scan = time.monotonic() + settings.TELNYX_REACTOR_SCAN_SECONDS
        close_old_connections()
