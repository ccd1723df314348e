"""The OpenAI Realtime bridge (GA protocol): the caller's PCMU goes to the model untouched and
the model's PCMU comes back to the output stage; the tools run as Realtime functions.

Who decides what, and why:
- Turn ends: the server's VAD (silence) or semantic VAD, per store. It does not create responses
  or cut them itself (`create_response` and `interrupt_response` off): our listen stage judges
  each utterance first, so a caller's "mm-hmm" neither cuts the reply nor gets answered. A real
  turn → `response.create`; a backchannel → its item is deleted from the conversation.
- Barge-in: our listen stage interrupts; here that becomes `response.cancel` (when one runs) and
  `conversation.item.truncate` at the milliseconds the caller actually heard (from the output
  stage's marks), so the model knows where it was cut.
- Tools: `response.function_call_arguments.done` → ai.tools.call_tool (the same code as every
  brain) → `function_call_output` → `response.create` once the response that asked is done.
  A transfer or hang-up waits for the words that follow to be heard.
- The socket drops: reconnect once (session and conversation so far replayed, caller audio held
  meanwhile); a second loss hands the call to the text loop. Every transcript is written to the
  call's session as it arrives, so nothing said is lost either way.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import openai
from django.conf import settings

from ai import context
from ai import session as sessions
from ai.tools import ToolContext, call_tool
from ai.voice.backchannel import is_backchannel
from ai.voice.frames import (
    Action,
    AudioIn,
    AudioOut,
    Backchannel,
    End,
    Frame,
    Interruption,
    Resume,
    SpeechStopped,
    TurnTiming,
)
from ai.voice.local import off_loop
from ai.voice.pipeline import Stage

if TYPE_CHECKING:
    from ai.voice.build import VoiceSetup

log = logging.getLogger(__name__)

VERDICT_WAIT = 0.35  # s: how long a committed turn waits for our listen stage's judgement
TRANSCRIPT_WAIT = 1.5  # s: after a barge-in, how long we wait for the words before answering
HELD_AUDIO_FRAMES = 500  # 10 s of caller audio kept while reconnecting


def session_config(setup: VoiceSetup) -> dict[str, Any]:
    language = "French" if setup.lang == "fr" else "English"
    if setup.turn_detection == "semantic_vad":
        detection: dict[str, Any] = {"type": "semantic_vad", "eagerness": "auto"}
    else:
        detection = {
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": setup.stop_ms,
        }
    detection.update(create_response=False, interrupt_response=False)
    return {
        "type": "realtime",
        "instructions": f"{setup.instructions}\n\nOn the phone. Speak {language} unless the caller switches.",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "turn_detection": detection,
                "transcription": {
                    "model": settings.OPENAI_REALTIME_TRANSCRIPTION_MODEL,
                    "language": setup.lang,
                },
            },
            "output": {"format": {"type": "audio/pcmu"}, "voice": setup.voice},
        },
        "tools": setup.tools,
        "tool_choice": "auto",
    }


class RealtimeBridge(Stage):
    name = "realtime"
    stale_on_interrupt = (AudioOut, Action)

    def __init__(self, setup: VoiceSetup) -> None:
        super().__init__()
        self.setup = setup
        self._conn: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._held: list[bytes] = []  # caller audio while (re)connecting
        self._attempts = 0
        self._closing = False
        # the response being spoken
        self._response_id = ""
        self._response_active = False
        self._spoke = False  # the running response has sent audio
        self._reply_turn = 0
        self._items: dict[int, str] = {}  # reply turn → assistant item id (for truncation)
        self._cancelled: set[str] = set()
        self._timing: TurnTiming | None = None
        self._outputs_sent = False  # function results sent during the running response
        self._actions: list[dict[str, Any]] = []  # transfer / hang-up after the next words
        # judging each committed turn
        self._verdicts: list[tuple[float, str, SpeechStopped | None]] = []
        self._cut_waiting: dict[str, tuple[SpeechStopped, asyncio.Future[str]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- lifecycle ---
    def start(self, call: Any) -> None:
        super().start(call)
        self._reader = asyncio.create_task(self._run_socket(), name="voice-realtime")

    async def close(self) -> None:
        self._closing = True
        if self._reader is not None:
            self._reader.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._conn is not None:
            try:
                await self._conn.close()
            except Exception:  # already gone: nothing to release
                log.debug("realtime socket already closed", exc_info=True)

    async def _connect(self) -> None:
        client = openai.AsyncOpenAI(
            api_key=settings.OPENAI_API_KEY, base_url=settings.OPENAI_BASE_URL, max_retries=0
        )
        manager = client.realtime.connect(model=settings.OPENAI_REALTIME_MODEL)
        self._conn = await asyncio.wait_for(manager.enter(), settings.OPENAI_REALTIME_CONNECT_TIMEOUT)
        await self._send({"type": "session.update", "session": session_config(self.setup)})

    async def _run_socket(self) -> None:
        assert self.call is not None
        first = True
        while not self._closing:
            try:
                await self._connect()
                if first:
                    await self._greet()
                else:
                    await self._replay_conversation()
                first = False
                self._connected.set()
                for audio in self._held:
                    await self._append(audio)
                self._held.clear()
                await self._read()
                reason = "the Realtime socket closed"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connect refused, timed out, or the socket broke mid-call
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("Realtime socket of call %s: %s", self.call.call_pk, reason)
            self._connected.clear()
            self._conn = None
            self._response_active = False
            if self._closing:
                return
            self._attempts += 1
            if self._attempts > 1:
                if self.call.on_fallback is not None:
                    # Its own task: handing back ends the pipeline, this reader included.
                    self._spawn(self.call.on_fallback(f"OpenAI Realtime unavailable ({reason})"))
                return
            self.call.count("reconnects")

    async def _send(self, event: dict[str, Any]) -> None:
        if self._conn is not None:
            await self._conn.send_raw(json.dumps(event))

    async def _append(self, audio: bytes) -> None:
        await self._send({"type": "input_audio_buffer.append", "audio": base64.b64encode(audio).decode()})

    async def _greet(self) -> None:
        if self.setup.greeting:
            self._reply_turn = 0
            await self._send(
                {
                    "type": "response.create",
                    "response": {
                        "instructions": f"Greet the caller with exactly these words: {self.setup.greeting}"
                    },
                }
            )
            self._response_active = True

    async def _replay_conversation(self) -> None:
        """A new socket knows nothing: give it the conversation so far, as text."""
        session = await off_loop(sessions.load)(self.setup.session_key)
        for message in (session.messages if session else [])[-30:]:
            role, content = message.get("role"), message.get("content")
            if role not in ("user", "assistant") or not content:
                continue
            kind = "input_text" if role == "user" else "output_text"
            await self._send(
                {
                    "type": "conversation.item.create",
                    "item": {"type": "message", "role": role, "content": [{"type": kind, "text": content}]},
                }
            )

    # --- frames from the listen stage ---
    async def process(self, frame: Frame) -> None:
        if isinstance(frame, AudioIn):
            if self._connected.is_set():
                await self._append(frame.ulaw)
            elif len(self._held) < HELD_AUDIO_FRAMES:
                self._held.append(frame.ulaw)
        elif isinstance(frame, SpeechStopped):
            self._verdicts.append((time.monotonic(), "turn", frame))
        elif isinstance(frame, Backchannel):
            self._verdicts.append((time.monotonic(), "backchannel", None))
        else:
            await self.push(frame)

    async def urgent(self, frame: Frame) -> None:
        assert self.call is not None
        if (
            isinstance(frame, Interruption)
            and frame.turn == self.call.playing_turn
            and self.call.is_playing()
        ):
            heard = self.call.heard_ms()
            if self._response_active and self._response_id:
                self._cancelled.add(self._response_id)
                await self._send({"type": "response.cancel"})
            item = self._items.get(frame.turn)
            if item:
                await self._send(
                    {
                        "type": "conversation.item.truncate",
                        "item_id": item,
                        "content_index": 0,
                        "audio_end_ms": heard,
                    }
                )
            self._actions = [a for a in self._actions if a.get("action") != "hangup"]
        await self.push(frame)

    # --- events from the model ---
    async def _read(self) -> None:
        while True:
            raw = await self._conn.recv_bytes()
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            await self._on_event(event)

    async def _on_event(self, event: dict[str, Any]) -> None:
        assert self.call is not None
        kind = event.get("type", "")
        if kind == "response.output_audio.delta":
            if event.get("response_id") in self._cancelled or self.call.cancelled(self._reply_turn):
                return
            self._items.setdefault(self._reply_turn, str(event.get("item_id", "")))
            timing = self._timing
            if timing is not None and timing.first_audio_ready is None:
                timing.first_audio_ready = time.monotonic()
            audio = base64.b64decode(event.get("delta", ""))
            self._spoke = True
            await self.push(AudioOut(ulaw=audio, turn=self._reply_turn, timing=timing))
        elif kind == "response.created":
            self._response_id = str((event.get("response") or {}).get("id", ""))
            self._response_active = True
        elif kind == "response.done":
            await self._response_done(event.get("response") or {})
        elif kind == "input_audio_buffer.committed":
            self._spawn(self._judge_turn(str(event.get("item_id", ""))))
        elif kind == "conversation.item.input_audio_transcription.completed":
            await self._caller_said(str(event.get("item_id", "")), str(event.get("transcript", "")))
        elif kind == "response.output_audio_transcript.done":
            await self._remember("assistant", str(event.get("transcript", "")))
        elif kind == "response.function_call_arguments.done":
            await self._run_tool(event)
        elif kind == "error":
            log.warning("Realtime error on call %s: %s", self.call.call_pk, event.get("error"))

    async def _response_done(self, response: dict[str, Any]) -> None:
        assert self.call is not None
        self._response_active = False
        await self._count_usage(response.get("usage") or {})
        spoke, self._spoke = self._spoke, False
        if spoke and response.get("status") == "completed" and not self.call.cancelled(self._reply_turn):
            await self.push(AudioOut(ulaw=b"", turn=self._reply_turn, last=True))
        if self._outputs_sent:
            self._outputs_sent = False
            self._response_active = True
            await self._send({"type": "response.create"})
            return
        for action in self._actions:
            await self.push(Action(action=action, turn=self._reply_turn))
        self._actions = []

    async def _judge_turn(self, item_id: str) -> None:
        """The server committed a caller turn: answer it, unless our ears say it was 'mm-hmm'."""
        assert self.call is not None
        committed = time.monotonic()
        deadline = committed + VERDICT_WAIT
        verdict: tuple[float, str, SpeechStopped | None] | None = None
        while time.monotonic() < deadline:
            fresh = [v for v in self._verdicts if v[0] >= committed - 1.0]
            if fresh:
                verdict = fresh[-1]
                break
            await asyncio.sleep(0.01)
        self._verdicts.clear()
        if verdict is not None and verdict[1] == "backchannel":
            await self._send({"type": "conversation.item.delete", "item_id": item_id})
            return
        stopped = verdict[2] if verdict else None
        if stopped is not None and stopped.after_interruption is not None:
            # It cut the reply: hear the words before deciding it was a real turn.
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._cut_waiting[item_id] = (stopped, future)
            try:
                words = await asyncio.wait_for(future, TRANSCRIPT_WAIT)
            except TimeoutError:
                words = "?"
            finally:
                self._cut_waiting.pop(item_id, None)
            if not words.strip() or is_backchannel(words, self.call.lang):
                self.call.count("false_interruptions")
                await self._send({"type": "conversation.item.delete", "item_id": item_id})
                await self.push(Resume(turn=stopped.after_interruption))
                return
        now = time.monotonic()
        self._timing = stopped.timing if stopped else TurnTiming(turn=self.call.new_turn(), speech_end=now)
        self._timing.pipeline = "realtime"
        self._reply_turn = self._timing.turn
        if self._response_active:
            return  # the model is already answering (a tool result); it will hear this turn too
        self._response_active = True
        await self._send({"type": "response.create"})

    async def _caller_said(self, item_id: str, transcript: str) -> None:
        waiting = self._cut_waiting.get(item_id)
        if waiting is not None and not waiting[1].done():
            waiting[1].set_result(transcript)
        if transcript.strip() and not (waiting and is_backchannel(transcript, self.setup.lang)):
            await self._remember("user", transcript)

    async def _run_tool(self, event: dict[str, Any]) -> None:
        call_id, name = str(event.get("call_id", "")), str(event.get("name", ""))
        result = await off_loop(_call_tool)(self.setup.session_key, name, event.get("arguments") or "{}")
        action = result.get("action") if result.get("ok") else None
        if action in ("transfer", "hangup"):
            self._actions.append({k: v for k, v in result.items() if k != "ok"})
        await self._send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": call_id,
                    "output": json.dumps(result, default=str),
                },
            }
        )
        self._outputs_sent = True

    async def _remember(self, role: str, text: str) -> None:
        if text.strip():
            await off_loop(_remember)(self.setup.session_key, role, text.strip())

    async def _count_usage(self, usage: dict[str, Any]) -> None:
        if usage:
            await off_loop(_add_usage)(
                self.setup.session_key, int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
            )

    def _spawn(self, job: Any) -> None:
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def put(self, frame: Frame) -> None:
        if isinstance(frame, End):
            self._closing = True
        await super().put(frame)


# --- on a worker thread (the session lives in the cache, orders in the database) ---------------
def _call_tool(session_key: str, name: str, arguments: str) -> dict[str, Any]:
    session = sessions.load(session_key)
    if session is None:
        return {"ok": False, "error": "no_session", "message": "The conversation has ended."}
    ctx = context.get_context(session.store_id)
    result = call_tool(
        ToolContext(session=session, ctx=ctx, store=context.store_for_tools(ctx)), name, arguments
    )
    sessions.save(session)
    return result


def _remember(session_key: str, role: str, text: str) -> None:
    session = sessions.load(session_key)
    if session is None:
        return
    session.messages.append({"role": role, "content": text})
    if role == "user":
        session.turns += 1
    sessions.save(session)
    if role == "assistant" and session.turns % sessions.PERSIST_EVERY == 0:
        sessions.persist(session)


def _add_usage(session_key: str, tokens_in: int, tokens_out: int) -> None:
    session = sessions.load(session_key)
    if session is None:
        return
    session.tokens_in += tokens_in
    session.tokens_out += tokens_out
    price_in, price_out = settings.OPENAI_PRICES.get(settings.OPENAI_REALTIME_MODEL, (0.0, 0.0))
    session.cost += Decimal(str(round((tokens_in * price_in + tokens_out * price_out) / 1_000_000, 6)))
    sessions.save(session)
