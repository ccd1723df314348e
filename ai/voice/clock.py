"""One 20 ms clock per event loop, shared by every call's output stage.

A timer per call would make hundreds of wake-ups every 20 ms, each on its own schedule; one
clock makes one, and each tick sends the next frame of every call that is talking, in turn.
A call joins the clock while it has audio to send and leaves when it is done."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Protocol

log = logging.getLogger(__name__)

TICK = 0.020


class Ticked(Protocol):
    async def tick(self, due: float) -> bool:
        """Send what is due at `due`; False when there is nothing more to send (leave the clock)."""
        ...


class FrameClock:
    def __init__(self) -> None:
        self._members: dict[int, Ticked] = {}
        self._task: asyncio.Task[None] | None = None
        self.late_ticks = 0  # ticks that started more than one tick late (the loop was busy)

    def join(self, member: Ticked) -> None:
        self._members[id(member)] = member
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="voice-clock")

    def leave(self, member: Ticked) -> None:
        self._members.pop(id(member), None)

    def __len__(self) -> int:
        return len(self._members)

    async def _run(self) -> None:
        due = time.monotonic()
        while self._members:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -TICK:
                self.late_ticks += 1
            for key, member in list(self._members.items()):
                try:
                    if not await member.tick(due):
                        self._members.pop(key, None)
                except Exception:  # one call's failure must not stop the others' audio
                    log.exception("voice output tick failed")
                    self._members.pop(key, None)
            due += TICK
            if due < time.monotonic() - 5 * TICK:
                due = time.monotonic()  # far behind (the process paused): do not burst to catch up


_clocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FrameClock] = weakref.WeakKeyDictionary()


def clock() -> FrameClock:
    loop = asyncio.get_running_loop()
    found = _clocks.get(loop)
    if found is None:
        found = _clocks[loop] = FrameClock()
    return found
