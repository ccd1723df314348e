"""Call lanes: the in-process pool of threads that runs call events, one lane per call.

A caller is waiting on the line, so reacting to an event (answer, speak the reply) must not sit
behind a broker queue that a slow analysis job can fill: the webhook view hands the event to this
pool and returns. Events of one call run one after the other, in arrival order (its lane); calls
run in parallel. Timers (caller silence) enter the same lane when they fire. Events whose
processing was lost with the process (crash, deploy) are picked up by the inbox sweep
(`kalliky.retry_webhook_events`), so nothing depends on this memory alone.

`TELNYX_REACTIONS = "inline"` runs the work in the caller's thread instead (used by unit tests
that post a webhook with Django's test client inside a transaction).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

Job = Callable[[], None]


class LanePool:
    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="call-lanes")
        self._lanes: dict[str, deque[Job]] = {}
        self._timers: dict[tuple[str, str], threading.Timer] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running = 0

    def submit(self, lane: str, job: Job) -> None:
        with self._lock:
            queue = self._lanes.get(lane)
            if queue is not None:  # the lane's worker will get to it, in order
                queue.append(job)
                return
            self._lanes[lane] = deque([job])
            self._running += 1
        self._pool.submit(self._drain, lane)

    def _drain(self, lane: str) -> None:
        try:
            while True:
                with self._lock:
                    queue = self._lanes[lane]
                    if not queue:
                        del self._lanes[lane]
                        return
                    job = queue.popleft()
                try:
                    job()
                except Exception:  # the job records its own failures; this is the last net
                    log.exception("call event failed in lane %s", lane)
                finally:
                    close_old_connections()
        finally:
            with self._lock:
                self._running -= 1
                self._idle.notify_all()

    def schedule(self, lane: str, name: str, delay: float, job: Job) -> None:
        """Run `job` in the lane after `delay` seconds; a timer of the same name is replaced."""
        timer = threading.Timer(delay, self._fire, args=(lane, name, job))
        timer.daemon = True
        with self._lock:
            previous = self._timers.pop((lane, name), None)
            self._timers[(lane, name)] = timer
        if previous is not None:
            previous.cancel()
        timer.start()

    def _fire(self, lane: str, name: str, job: Job) -> None:
        with self._lock:
            self._timers.pop((lane, name), None)
        self.submit(lane, job)

    def cancel(self, lane: str, name: str | None = None) -> None:
        with self._lock:
            keys = [k for k in self._timers if k[0] == lane and (name is None or k[1] == name)]
            timers = [self._timers.pop(k) for k in keys]
        for timer in timers:
            timer.cancel()

    def pending_timers(self) -> int:
        with self._lock:
            return len(self._timers)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no lane has work (timers not included). True when idle."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True


_pool: LanePool | None = None
_pool_lock = threading.Lock()


def pool() -> LanePool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = LanePool(settings.TELNYX_REACTION_WORKERS)
        return _pool


def submit(lane: str, job: Job) -> None:
    if settings.TELNYX_REACTIONS == "inline":
        job()
        return
    pool().submit(lane, job)


def schedule(lane: str, name: str, delay: float, job: Job) -> None:
    if settings.TELNYX_REACTIONS == "inline":
        return  # no background timers in inline mode: tests fire them by hand
    pool().schedule(lane, name, delay, job)


def cancel(lane: str, name: str | None = None) -> None:
    if _pool is not None:
        _pool.cancel(lane, name)
