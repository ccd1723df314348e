"""A call's voice pipeline: small async stages in a list, each doing one job.

A stage looks at each frame, acts on the ones it cares about and passes every other one on.
Data frames wait in the stage's queue, in order; urgent frames (an interruption, the end) are
handled at once by every stage in turn, which drops the queued reply work they make stale.

`VoiceCall` is what the stages of one call share: the caller's language and session, the
counters and per-turn timings that end up on the AIConversationSession, and the way out to
the carrier (`send`: neutral frames — audio, clear, mark — that telephony puts on its wire). The
two pipelines (local and OpenAI Realtime) are built by `build()`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ai.voice.frames import (
    URGENT,
    Action,
    AudioOut,
    End,
    Frame,
    Interruption,
    ReplyText,
    Transcript,
    TurnTiming,
)

log = logging.getLogger(__name__)



# What the pipeline hands the carrier. Neutral on purpose: telephony's media consumer writes
# them in its provider's wire format (Telnyx JSON today).
@dataclass(frozen=True, slots=True)
class SendAudio:
    audio: bytes  # one frame of the call's codec (PCMU, 20 ms)


@dataclass(frozen=True, slots=True)
class SendClear:
    """Drop what the carrier has buffered but not played yet (the caller interrupted)."""


@dataclass(frozen=True, slots=True)
class SendMark:
    name: str  # echoed back (as a Played frame) once the audio before it has played


Outgoing = SendAudio | SendClear | SendMark
Send = Callable[[Outgoing], Awaitable[None]]


@dataclass
class VoiceCall:
    """One call's shared state (the stages never talk to each other except through frames)."""

    call_pk: int | None
    session_key: str
    store_id: int
    lang: str
    send: Send
    pipeline: str = "local"
    voice_type: str = "female"
    on_action: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    on_fallback: Callable[[str], Awaitable[None]] | None = None
    stats: dict[str, int] = field(
        default_factory=lambda: {
            "interruptions": 0,
            "false_interruptions": 0,
            "backchannels_ignored": 0,
            "malformed_frames": 0,
            "reordered_chunks": 0,
            "skipped_chunks": 0,
            "dropped_chunks": 0,
            "reconnects": 0,
        }
    )
    turns: list[dict[str, Any]] = field(default_factory=list)
    interruptions: list[dict[str, Any]] = field(default_factory=list)
    cancelled_turn: int = -1  # replies up to this turn were cut by the caller
    # Set by the output stage: is the caller hearing the assistant now, which reply, and how
    # many of its milliseconds they have heard.
    is_playing: Callable[[], bool] = lambda: False
    heard_ms: Callable[[], int] = lambda: 0
    playing_turn: int = -1
    _turn: int = 0

    def new_turn(self) -> int:
        self._turn += 1
        return self._turn

    @property
    def turn(self) -> int:
        return self._turn

    def cancelled(self, turn: int) -> bool:
        return turn <= self.cancelled_turn

    def count(self, name: str, by: int = 1) -> None:
        self.stats[name] = self.stats.get(name, 0) + by

    def record_turn(self, timing: TurnTiming) -> None:
        self.turns.append(timing.split())


class Stage:
    """One job. Subclasses override `process` (data frames, in order) and, when they hold
    interruptible work, `urgent` (called at once, ahead of the queue)."""

    name = "stage"
    # Frames of the reply being spoken: dropped from the queue when the caller interrupts it.
    stale_on_interrupt: tuple[type, ...] = (ReplyText, AudioOut, Action)

    def __init__(self) -> None:
        self.next: Stage | None = None
        self.call: VoiceCall | None = None
        self._queue: asyncio.Queue[Frame] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    # --- plumbing ---
    def start(self, call: VoiceCall) -> None:
        self.call = call
        self._task = asyncio.create_task(self._run(), name=f"voice-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.close()

    async def put(self, frame: Frame) -> None:
        if isinstance(frame, URGENT):
            self._drop_stale(frame)
            await self.urgent(frame)
        else:
            self._queue.put_nowait(frame)

    def _drop_stale(self, frame: Frame) -> None:
        kept: list[Frame] = []
        while not self._queue.empty():
            queued = self._queue.get_nowait()
            if isinstance(frame, End):
                continue
            if isinstance(queued, self.stale_on_interrupt) and getattr(queued, "turn", 0) <= frame.turn:
                continue
            kept.append(queued)
        for queued in kept:
            self._queue.put_nowait(queued)

    async def _run(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                await self.process(frame)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad frame must not end the call: log it and go on
                log.exception("voice stage %s failed on %s", self.name, type(frame).__name__)

    async def idle(self) -> None:
        """Wait until the queue is empty (tests and the bench)."""
        while not self._queue.empty():
            await asyncio.sleep(0.005)

    # --- the job ---
    async def push(self, frame: Frame) -> None:
        if self.next is not None:
            await self.next.put(frame)

    async def process(self, frame: Frame) -> None:
        await self.push(frame)

    async def urgent(self, frame: Frame) -> None:
        await self.push(frame)

    async def close(self) -> None:
        """Release what the stage holds (sockets, threads) once the call is over."""


class Pipeline:
    """The stages of one call, linked in order. `put` feeds the first; `output` is the last
    (the pacer), which also takes Telnyx's mark echoes directly so they never queue behind
    an agent that is thinking."""

    def __init__(self, call: VoiceCall, stages: list[Stage]) -> None:
        self.call = call
        self.stages = stages
        for stage, following in zip(stages, stages[1:], strict=False):
            stage.next = following
        self.ended = False

    @property
    def first(self) -> Stage:
        return self.stages[0]

    @property
    def output(self) -> Stage:
        return self.stages[-1]

    def stage(self, kind: type[Stage]) -> Stage | None:
        return next((s for s in self.stages if isinstance(s, kind)), None)

    def start(self) -> None:
        for stage in self.stages:
            stage.start(self.call)

    async def put(self, frame: Frame) -> None:
        if not self.ended:
            await self.first.put(frame)

    async def say(self, text: str, *, turn: int = 0) -> None:
        """Speak a text as the assistant (the greeting), through the stage that makes audio."""
        # ai.voice.local imports Stage from this module: its stages are looked up by class here.
        from ai.voice.local import SpeechStage

        target = self.stage(SpeechStage)
        if target is not None:
            await target.put(ReplyText(text=text, turn=turn, lang=self.call.lang))

    async def interrupt(self) -> None:
        await self.first.put(Interruption(turn=self.call.playing_turn))

    async def transcript(self, text: str, source: str) -> None:
        """Text from outside the audio (Telnyx transcription, for languages without local STT)."""
        # ai.voice.local imports Stage from this module (see say).
        from ai.voice.local import RecognitionStage

        target = self.stage(RecognitionStage) or self.first
        await target.put(Transcript(text=text, source=source))

    async def end(self, reason: str = "stop") -> None:
        if self.ended:
            return
        self.ended = True
        await self.first.put(End(reason=reason))
        for stage in self.stages:
            await stage.stop()
