"""The local pipeline's middle: recognise the caller's words, let the agent answer, speak.

    listen → recognise (PocketSphinx, English) → agent (LocalBrain or OpenAIBrain) → speech
    (espeak-ng or OpenAI audio.speech, to 8 kHz μ-law) → output

For a language PocketSphinx does not speak, `RecognitionStage` has no recogniser and the words
come from Telnyx's transcription instead (the consumer feeds them in as Transcript frames); the
turn's timing then starts at the end of speech our own detector saw.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async

from ai import agent
from ai import session as sessions
from ai.voice import tts
from ai.voice.backchannel import is_backchannel
from ai.voice.frames import (
    Action,
    AudioOut,
    Backchannel,
    Dtmf,
    End,
    Frame,
    Interruption,
    ReplyText,
    Resume,
    SpeechStarted,
    SpeechStopped,
    Transcript,
    TurnTiming,
)
from ai.voice.pipeline import Stage
from ai.voice.stt import UtteranceRecognizer

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def off_loop(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run blocking work (recognition, the agent, synthesis) on a worker thread that closes its
    database connections, so hundreds of calls do not queue behind one thread."""
    return database_sync_to_async(fn, thread_sensitive=False)


class RecognitionStage(Stage):
    name = "recognise"

    def __init__(self, recogniser: UtteranceRecognizer | None) -> None:
        super().__init__()
        self.recogniser = recogniser
        self._last_timing: TurnTiming | None = None  # for words that arrive from Telnyx
        self._last_cut: int | None = None

    async def process(self, frame: Frame) -> None:
        assert self.call is not None
        if isinstance(frame, Backchannel | SpeechStarted):
            return  # nothing for the agent in them
        if isinstance(frame, SpeechStopped):
            if self.recogniser is None:
                self._last_timing, self._last_cut = frame.timing, frame.after_interruption
                return
            result = await off_loop(self.recogniser.recognize)(frame.samples)
            frame.timing.stt_done = time.monotonic()
            await self._heard(result.text, frame.timing, frame.after_interruption, "stt")
        elif isinstance(frame, Transcript) and frame.source != "stt":
            timing = frame.timing or self._last_timing
            if timing is None:
                now = time.monotonic()
                timing = TurnTiming(turn=self.call.new_turn(), speech_end=now, endpointed=now)
            timing.stt_done = time.monotonic()
            cut = frame.after_interruption if frame.after_interruption is not None else self._last_cut
            self._last_timing, self._last_cut = None, None
            await self._heard(frame.text, timing, cut, frame.source)
        else:
            await self.push(frame)

    async def _heard(self, text: str, timing: TurnTiming, cut: int | None, source: str) -> None:
        assert self.call is not None
        text = text.strip()
        if cut is not None and (not text or is_backchannel(text, self.call.lang)):
            # It stopped the assistant, but it was "oui" or "ok": let the reply go on.
            self.call.count("false_interruptions")
            await self.push(Resume(turn=cut))
            return
        if not text:
            return  # sound without words (a door, a cough that went on): nothing to answer
        await self.push(Transcript(text=text, timing=timing, after_interruption=cut, source=source))


class AgentStage(Stage):
    """One caller turn through `ai.agent.respond`, sentence by sentence as the brain has them."""

    name = "agent"

    def __init__(self) -> None:
        super().__init__()
        self.session: sessions.CallSession | None = None

    async def process(self, frame: Frame) -> None:
        assert self.call is not None
        if isinstance(frame, Transcript):
            await self._answer(frame)
        elif isinstance(frame, Dtmf) and frame.digit == "0":
            await self.push(
                Action(action={"action": "transfer", "reason": "caller pressed 0"}, turn=self.call.turn)
            )
        else:
            await self.push(frame)

    async def _answer(self, frame: Transcript) -> None:
        assert self.call is not None
        loop = asyncio.get_running_loop()
        timing = frame.timing
        turn = timing.turn if timing else self.call.new_turn()
        session = await off_loop(sessions.load)(self.call.session_key)
        if session is None or session.ended:
            return

        def on_sentence(sentence: str) -> None:
            if timing is not None and timing.agent_done is None:
                timing.agent_done = time.monotonic()
            reply = ReplyText(text=sentence, turn=turn, timing=timing, last=False, lang=self.call.lang)
            asyncio.run_coroutine_threadsafe(self.push(reply), loop).result()

        reply = await off_loop(agent.respond)(session, frame.text, on_sentence)
        await self.push(ReplyText(text="", turn=turn, timing=timing, last=True, lang=self.call.lang))
        for action in reply.actions:
            if action.get("action") in ("transfer", "hangup"):
                await self.push(Action(action=action, turn=turn))


class SpeechStage(Stage):
    """Reply text → 8 kHz μ-law, a sentence at a time so the first one can play at once."""

    name = "speech"

    def __init__(self, voice_type: str = "female") -> None:
        super().__init__()
        self.voice_type = voice_type

    async def process(self, frame: Frame) -> None:
        assert self.call is not None
        if not isinstance(frame, ReplyText):
            await self.push(frame)
            return
        if self.call.cancelled(frame.turn):
            return
        sentences = [s for s in SENTENCE_END.split(frame.text.strip()) if s.strip()]
        for sentence in sentences:
            audio = await off_loop(tts.synthesize)(sentence, frame.lang or self.call.lang, self.voice_type)
            if self.call.cancelled(frame.turn):
                return  # the caller interrupted while we were synthesising
            if frame.timing is not None and frame.timing.first_audio_ready is None:
                frame.timing.first_audio_ready = time.monotonic()
            await self.push(AudioOut(ulaw=audio, turn=frame.turn, timing=frame.timing))
        if frame.last:
            await self.push(AudioOut(ulaw=b"", turn=frame.turn, timing=frame.timing, last=True))

    async def urgent(self, frame: Frame) -> None:
        if isinstance(frame, Interruption | End):
            await self.push(frame)
