"""Webhook delivery for the Telnyx fake: one background worker, a retry policy, duplicates and shuffling.

Nothing here ever POSTs from inside the HTTP request that caused the event: events are queued and a single
worker thread sends them, so an app that answers a webhook by sending a command (and waits for the answer)
can never deadlock against the fake. Timers (speech that takes time, gather timeouts, retries, shuffle
windows) share one work counter with the queue, which is what `drain()` waits on.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tests.fakes.telnyx.server import FakeTelnyx

CONNECTION_FAILED = 0  # the status recorded when no HTTP answer came back (refused, reset, timed out)


class Delivery(tuple[str, str, int]):
    """One POST of a webhook: the triple (event_type, event_id, status_code), status 0 = no answer, plus
    `.attempt` (meta.attempt of that POST), which takes no part in comparisons."""

    attempt: int

    def __new__(cls, event_type: str, event_id: str, status_code: int, attempt: int = 1) -> Delivery:
        self = super().__new__(cls, (event_type, event_id, status_code))
        self.attempt = attempt
        return self

    @property
    def event_type(self) -> str:
        return self[0]

    @property
    def event_id(self) -> str:
        return self[1]

    @property
    def status_code(self) -> int:
        return self[2]

    def __repr__(self) -> str:
        return f"Delivery({self[0]!r}, {self[1]!r}, {self[2]}, attempt={self.attempt})"

    def as_dict(self) -> dict[str, object]:
        return {"event_type": self[0], "event_id": self[1], "status_code": self[2], "attempt": self.attempt}


class WorkTracker:
    """Counts outstanding work (queued or in-flight deliveries, armed timers) so drain() can wait for zero."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._count = 0

    def add(self, n: int = 1) -> None:
        with self._cond:
            self._count += n

    def done(self, n: int = 1) -> None:
        with self._cond:
            self._count -= n
            if self._count <= 0:
                self._count = 0
                self._cond.notify_all()

    @property
    def count(self) -> int:
        with self._cond:
            return self._count

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._count == 0, timeout=timeout)


class TimerHandle:
    """A cancellable one-shot timer whose pending state is counted by the WorkTracker exactly once."""

    def __init__(self, owner: Timers, delay: float, fn: Callable[[], None]) -> None:
        self._owner = owner
        self._fn = fn
        self._settled = False
        self._guard = threading.Lock()
        self._timer = threading.Timer(max(delay, 0.0), self._fire)
        self._timer.daemon = True

    def _settle(self) -> bool:
        with self._guard:
            if self._settled:
                return False
            self._settled = True
            return True

    def _fire(self) -> None:
        if not self._settle():
            return
        try:
            self._fn()
        except Exception as exc:  # a bug in the fake: keep it visible to tests without killing anything
            self._owner.errors.append(exc)
        finally:
            self._owner._finished(self)

    def cancel(self) -> None:
        if self._settle():
            self._timer.cancel()
            self._owner._finished(self)


class Timers:
    def __init__(self, tracker: WorkTracker) -> None:
        self._tracker = tracker
        self._lock = threading.Lock()
        self._live: set[TimerHandle] = set()
        self.errors: list[BaseException] = []

    def later(self, delay: float, fn: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(self, delay, fn)
        self._tracker.add()
        with self._lock:
            self._live.add(handle)
        handle._timer.start()
        return handle

    def _finished(self, handle: TimerHandle) -> None:
        with self._lock:
            self._live.discard(handle)
        self._tracker.done()

    def cancel_all(self) -> None:
        with self._lock:
            live = list(self._live)
        for handle in live:
            handle.cancel()


@dataclass(frozen=True)
class _Job:
    envelope: dict[str, Any]
    attempt: int
    key: str
    retries: int = 0


class Deliverer:
    """Queues envelopes and POSTs them, signed, to `fake.webhook_url` from one worker thread."""

    def __init__(self, fake: FakeTelnyx, tracker: WorkTracker, timers: Timers) -> None:
        self._fake = fake
        self._tracker = tracker
        self._timers = timers
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._buffers: dict[str, list[_Job]] = {}
        self._flush_timers: dict[str, TimerHandle] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="fake-telnyx-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        # Whatever was still queued will never be sent: release it so a late drain() does not hang.
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._tracker.done()
        with self._lock:
            dropped = sum(len(jobs) for jobs in self._buffers.values())
            self._buffers.clear()
            self._flush_timers.clear()
        if dropped:
            self._tracker.done(dropped)

    # --- intake ---
    def submit(self, envelope: dict[str, Any], key: str) -> None:
        """Queue one event (twice when `fake.duplicate`); `key` groups events of one call for shuffling."""
        jobs = [_Job(envelope, 1, key)]
        if self._fake.duplicate:
            jobs.append(_Job(envelope, 2, key))
        self._tracker.add(len(jobs))
        if not self._fake.shuffle:
            for job in jobs:
                self._queue.put(job)
            return
        with self._lock:
            buffer = self._buffers.setdefault(key, [])
            buffer.extend(jobs)
            full = len(buffer) >= max(1, self._fake.shuffle_batch)
            if not full and key not in self._flush_timers:
                # Armed while holding the lock, so the timer's _flush (which takes it) sees its own handle.
                self._flush_timers[key] = self._timers.later(
                    self._fake.shuffle_window, lambda: self._flush(key)
                )
        if full:
            self._flush(key)

    def _flush(self, key: str) -> None:
        with self._lock:
            jobs = self._buffers.pop(key, [])
            handle = self._flush_timers.pop(key, None)
        if handle is not None:
            handle.cancel()  # no-op when it is the timer calling us
        self._fake.rng.shuffle(jobs)
        for job in jobs:
            self._queue.put(job)

    # --- the worker ---
    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None or self._stopping.is_set():
                if job is not None:
                    self._tracker.done()
                return
            try:
                self._deliver(job)
            finally:
                self._tracker.done()

    def _deliver(self, job: _Job) -> None:
        url = self._fake.webhook_url
        if not url:
            return  # recorded in fake.events only
        if self._fake.delay > 0:
            self._stopping.wait(self._fake.delay)
        envelope = {**job.envelope, "meta": {"attempt": job.attempt, "delivered_to": url}}
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        status = post(url, body, self._fake.sign(body), timeout=self._fake.webhook_timeout)
        data = job.envelope.get("data") or {}
        self._fake._record_delivery(
            Delivery(str(data.get("event_type")), str(data.get("id")), status, job.attempt)
        )
        delays = self._fake.retry_delays
        failed = status == CONNECTION_FAILED or status >= 500
        if failed and job.retries < len(delays) and not self._stopping.is_set():
            retry = _Job(job.envelope, job.attempt + 1, job.key, job.retries + 1)

            def requeue() -> None:
                self._tracker.add()
                self._queue.put(retry)

            self._timers.later(delays[job.retries], requeue)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST `body` and return the HTTP status, or CONNECTION_FAILED. Never follows redirects or proxies."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={**headers, "user-agent": "telnyx-webhooks", "content-length": str(len(body))},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return CONNECTION_FAILED
    finally:
        connection.close()
