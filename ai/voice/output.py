"""The last stage: assistant audio to the carrier (Telnyx), paced in 20 ms frames, with marks.

Telnyx plays what it is sent as it arrives; sending a whole reply at once would leave nothing to
take back when the caller interrupts. So frames leave on the process's shared 20 ms clock
(ai/voice/clock.py; a small lead keeps Telnyx's buffer from running dry), and a mark every
MARK_EVERY_MS names the reply and its offset: Telnyx echoes a mark once the audio before it has
played, which tells us what the caller has actually heard. On an interruption we send `clear`,
keep the reply's audio (in case the caller was only saying "mm-hmm" and the rest should be
played after all) and report the milliseconds heard, which the Realtime bridge passes on as
`audio_end_ms`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ai.voice.clock import clock
from ai.voice.frames import (
    Action,
    AudioOut,
    End,
    Frame,
    Interruption,
    Played,
    Resume,
    TurnTiming,
)
from ai.voice.pipeline import SendAudio, SendClear, SendMark, Stage, VoiceCall

log = logging.getLogger(__name__)

FRAME_MS = 20
FRAME_BYTES = 160  # 20 ms of PCMU
LEAD_FRAMES = 2  # sent ahead of real time so Telnyx never waits for the next frame
MARK_EVERY_MS = 500  # between echoes the heard position advances with the clock
SILENCE = 0xFF  # μ-law code of a zero sample
LATENESS_KEPT = 20_000  # pacing samples kept for the figures (a 6-minute reply)


class OutputStage(Stage):
    name = "output"
    stale_on_interrupt = (AudioOut,)

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = now
        self._buffer = bytearray()
        self._turn = -1  # the reply being sent
        self._turn_ended = False  # its last chunk has arrived
        self._audio = bytearray()  # the whole reply so far (for a resume)
        self._sent_ms = 0
        self._first_sent_at: float | None = None
        self._play_until = 0.0  # when the audio sent so far will have finished playing
        self._echo: tuple[int, int, float] | None = None  # (turn, offset ms, when)
        self._timing: TurnTiming | None = None
        self._actions: list[Action] = []
        self._interrupted: tuple[int, int] | None = None  # (turn, heard ms)
        self._ticking = False  # on the clock
        self._run_start = True  # the next frame starts a run of audio (after silence)
        self.lateness_ms: list[float] = []  # how late each frame left against its schedule

    def start(self, call: VoiceCall) -> None:
        super().start(call)
        call.is_playing = self.playing
        call.heard_ms = self.heard_ms

    async def close(self) -> None:
        clock().leave(self)
        self._ticking = False

    # --- what the other stages read ---
    def playing(self) -> bool:
        return bool(self._buffer) or self._clock() < self._play_until

    def heard_ms(self) -> int:
        """Milliseconds of the current reply the caller has heard: from the last mark Telnyx
        echoed plus the time since, or, before any echo, the time since the first frame left."""
        now = self._clock()
        if self._echo is not None and self._echo[0] == self._turn:
            heard = self._echo[1] + (now - self._echo[2]) * 1000
        elif self._first_sent_at is not None:
            heard = (now - self._first_sent_at) * 1000 - LEAD_FRAMES * FRAME_MS
        else:
            heard = 0
        return int(max(0, min(heard, self._sent_ms)))

    # --- frames ---
    async def process(self, frame: Frame) -> None:
        if isinstance(frame, AudioOut):
            self._queue_audio(frame)
        elif isinstance(frame, Played):
            self._played(frame)
            await self._release_actions()
        elif isinstance(frame, Resume):
            await self._resume(frame.turn)
        elif isinstance(frame, Action):
            self._actions.append(frame)
            await self._release_actions()
            if self._actions:
                self._join_clock()  # the clock releases it once the words have been heard

    async def urgent(self, frame: Frame) -> None:
        assert self.call is not None
        if isinstance(frame, Interruption) and frame.turn == self._turn and self.playing():
            heard = self.heard_ms()
            self._interrupted = (self._turn, heard)
            self._buffer.clear()
            self._play_until = 0.0
            self._actions = [a for a in self._actions if a.action.get("action") != "hangup"]
            self.call.cancelled_turn = max(self.call.cancelled_turn, self._turn)
            self.call.count("interruptions")
            self.call.interruptions.append({"turn": self._turn, "heard_ms": heard})
            await self.call.send(SendClear())
        elif isinstance(frame, End):
            self._buffer.clear()

    def _queue_audio(self, frame: AudioOut) -> None:
        assert self.call is not None
        if self.call.cancelled(frame.turn):
            return
        if frame.turn != self._turn:
            self._turn = frame.turn
            self.call.playing_turn = frame.turn
            self._turn_ended = False
            self._audio = bytearray()
            self._sent_ms = 0
            self._first_sent_at = None
            self._interrupted = None
            self._timing = frame.timing
        elif self._timing is None and self._first_sent_at is None:
            self._timing = frame.timing  # the turn's first audio came after an empty chunk
        self._audio.extend(frame.ulaw)
        self._buffer.extend(frame.ulaw)
        self._turn_ended = self._turn_ended or frame.last
        self._join_clock()

    def _played(self, frame: Played) -> None:
        turn, _, rest = frame.name.partition(":")
        offset, _, end = rest.partition(":")
        try:
            self._echo = (int(turn), int(offset), frame.at)
        except ValueError:
            return  # not one of ours
        if end == "end" and int(turn) == self._turn and not self._buffer:
            self._play_until = 0.0  # Telnyx says the reply has been heard to the end

    async def _resume(self, turn: int) -> None:
        assert self.call is not None
        if self._interrupted is None or self._interrupted[0] != turn:
            return
        heard = self._interrupted[1]
        self._interrupted = None
        self.call.cancelled_turn = min(self.call.cancelled_turn, turn - 1)
        self._buffer.extend(self._audio[heard * FRAME_BYTES // FRAME_MS :])
        self._sent_ms = heard
        self._first_sent_at = None
        self._echo = None
        self._join_clock()

    async def _release_actions(self) -> None:
        """A transfer or hang-up waits until the words before it have been heard."""
        assert self.call is not None
        if not self._actions or self.playing():
            return
        actions, self._actions = self._actions, []
        for action in actions:
            if self.call.on_action is not None:
                await self.call.on_action(action.action)

    # --- pacing (called by the process's 20 ms clock while this call has audio) ---
    def _join_clock(self) -> None:
        if not self._ticking:
            self._ticking = True
            self._run_start = True
            clock().join(self)

    async def tick(self, due: float) -> bool:
        assert self.call is not None
        if not self._buffer:
            if self._actions and not self.playing():
                await self._release_actions()
            self._ticking = bool(self._actions)
            return self._ticking
        now = self._clock()
        frames = 1
        if self._run_start:  # a reply starts: a small lead so Telnyx's buffer never runs dry
            self._run_start = False
            frames = 1 + LEAD_FRAMES
        elif len(self.lateness_ms) < LATENESS_KEPT:
            self.lateness_ms.append((now - due) * 1000)
        for _ in range(frames):
            if self._buffer:
                await self._send_frame(now)
        if not self._buffer:
            self._run_start = True  # the next audio (a later sentence) starts a new run
        return True

    async def _send_frame(self, now: float) -> None:
        assert self.call is not None
        frame = bytes(self._buffer[:FRAME_BYTES])
        del self._buffer[:FRAME_BYTES]
        if len(frame) < FRAME_BYTES:
            frame += bytes([SILENCE]) * (FRAME_BYTES - len(frame))
        await self.call.send(SendAudio(frame))
        if self._first_sent_at is None:
            self._first_sent_at = now
            self._play_until = now
            if self._timing is not None:
                self._timing.first_audio_sent = now
                self.call.record_turn(self._timing)
                self._timing = None
        self._sent_ms += FRAME_MS
        self._play_until = max(self._play_until, now) + FRAME_MS / 1000
        if not self._buffer and self._turn_ended:
            await self.call.send(SendMark(f"{self._turn}:{self._sent_ms}:end"))
        elif self._sent_ms % MARK_EVERY_MS == 0:
            await self.call.send(SendMark(f"{self._turn}:{self._sent_ms}"))
