"""The OpenAI Realtime API (GA) for the OpenAI fake: a WebSocket at GET /v1/realtime?model=<id> on the
same port as the REST routes, spoken with the `websockets` sans-I/O protocol over the HTTP handler's
own socket (the handler has read the request line and headers; the upgrade answer is written here).

    with FakeOpenAI() as fake:
        fake.queue_realtime(rt_say("Two margheritas. Anything else?"), rt_function_call("add", {...}))
        fake.queue_realtime_transcripts("two margherita please")
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        async with client.realtime.connect(model="gpt-realtime") as conn: ...

Handshake: bearer key (401 JSON, checked by server.py), then a scripted refusal (`refuse_realtime`,
answered as an HTTP error in the API's JSON shape), then the upgrade. Any model id is accepted (ids
change often) and recorded. One thread per connection: it reads client frames and paces the
scripted responses with select(), so the protocol object is only ever touched by that thread.

Wire (GA names only; every server event carries an `event_id`):
- connect → `session.created {session}` with GA defaults (audio/pcm 24 kHz both ways, server_vad).
- `session.update {session:{type:"realtime", ...}}` → `session.updated {session}` (the whole merged
  session); beta names (`input_audio_format`, `modalities`, `voice` at the top, format strings such
  as "g711_ulaw"), a missing `session.type` or any unknown key → `error`. Errors never close.
- `input_audio_buffer.append {audio}` feeds an energy VAD (20 ms windows; ≥ 2 loud windows in a row
  start speech; `silence_duration_ms` of quiet ends it): `input_audio_buffer.speech_started
  {audio_start_ms, item_id}`, then `speech_stopped {audio_end_ms, item_id}`, `committed {item_id,
  previous_item_id}`, `conversation.item.added` / `.done` (user message, input_audio), and when
  `audio.input.transcription` is set, `conversation.item.input_audio_transcription.delta` /
  `.completed {item_id, content_index:0, transcript, usage}` with the next scripted transcript.
  Loudness: a window is loud when its RMS exceeds 32768·10^((50·threshold − 60)/20) (threshold 0.5
  → ≈ 580, about −35 dBFS), so μ-law silence (0xFF/0x7F) never is and real speech is.
  Positions are milliseconds of audio appended since the session began; audio_start_ms is the first
  loud window minus `prefix_padding_ms`, floored at the start of the uncommitted buffer (0 at first).
- After speech_stopped a response starts when `create_response`; speech_started during a running
  response cancels it when `interrupt_response` (`response.done` status "cancelled", reason
  "turn_detected").
- `response.create` / `response.cancel` / `conversation.item.create` (message, function_call_output
  whose call_id must have been issued) / `conversation.item.truncate` (assistant audio, up to what
  was sent) / `conversation.item.delete` / `conversation.item.retrieve` / `input_audio_buffer.commit`
  / `input_audio_buffer.clear`, answered as the API does; anything else → `error`.

Scripted replies, one per response: rt_say() streams audio deltas (100 ms of a tone each, paced at
`speed` × real time) with transcript deltas; rt_function_call() emits one function_call item;
rt_error() sends an `error` event instead. Default: rt_say("OK.").
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import secrets
import select
import socket
import string
import threading
import time
import traceback
import urllib.parse
import wave
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

T = TypeVar("T")

DEFAULT_SAY = "OK."
MS_PER_CHARACTER = 65  # roughly the pace of a TTS voice
DELTA_MS = 100  # audio per output_audio.delta
WINDOW_MS = 20  # VAD analysis window
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")
EAGERNESS_SILENCE_MS = {"low": 900, "medium": 500, "auto": 500, "high": 250}
_ALNUM = string.ascii_letters + string.digits


def _id(prefix: str, length: int = 20) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


# --- audio: G.711 and a test tone ----------------------------------------------------------------------
def _ulaw_table() -> np.ndarray:
    # G.711 μ-law: bits are stored inverted; sign, 3-bit exponent, 4-bit mantissa, bias 0x84.
    u = (~np.arange(256, dtype=np.uint8)).astype(np.int32)
    magnitude = (((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)
    return np.where(u & 0x80, 0x84 - magnitude, magnitude - 0x84).astype(np.int16)


def _alaw_table() -> np.ndarray:
    # G.711 A-law: even bits toggled (0x55); a set sign bit means positive.
    a = np.arange(256, dtype=np.int32) ^ 0x55
    exponent, mantissa = (a >> 4) & 7, a & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    return np.where(a & 0x80, magnitude, -magnitude).astype(np.int16)


_ULAW = _ulaw_table()
_ALAW = _alaw_table()
# format type → (sample rate, bytes per sample, G.711 table or None for 16-bit little-endian PCM)
FORMATS: dict[str, tuple[int, int, np.ndarray | None]] = {
    "audio/pcmu": (8000, 1, _ULAW),
    "audio/pcma": (8000, 1, _ALAW),
    "audio/pcm": (24000, 2, None),
}


def decode(data: bytes, fmt: str = "audio/pcmu") -> np.ndarray:
    """Linear 16-bit samples of audio in one of the realtime formats."""
    _, width, table = FORMATS[fmt]
    if table is None:
        return np.frombuffer(data[: len(data) // width * width], dtype="<i2").astype(np.int16)
    return table[np.frombuffer(data, dtype=np.uint8)]


def encode(samples: np.ndarray, fmt: str = "audio/pcmu") -> bytes:
    """The inverse of decode(); G.711 by nearest code, which is what a real encoder's quantiser does."""
    _, _, table = FORMATS[fmt]
    clipped = np.clip(np.asarray(samples, dtype=np.int32), -32768, 32767)
    if table is None:
        return clipped.astype("<i2").tobytes()
    order = np.argsort(table, kind="stable")
    values = table[order].astype(np.int32)
    upper = np.clip(np.searchsorted(values, clipped), 1, len(values) - 1)
    nearer_below = (clipped - values[upper - 1]) <= (values[upper] - clipped)
    return order[np.where(nearer_below, upper - 1, upper)].astype(np.uint8).tobytes()


def tone(ms: int, rate: int, *, frequency: float = 440.0, amplitude: int = 8000) -> np.ndarray:
    """A sine (16-bit samples), loud enough for any VAD, continuous across slices of the result."""
    t = np.arange(rate * ms // 1000) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def pcmu_tone(ms: int, *, frequency: float = 440.0, amplitude: int = 8000) -> bytes:
    """`ms` milliseconds of a tone as 8 kHz μ-law: what a test appends to make the fake hear speech."""
    return encode(tone(ms, 8000, frequency=frequency, amplitude=amplitude), "audio/pcmu")


def pcmu_silence(ms: int) -> bytes:
    """`ms` milliseconds of digital silence as 8 kHz μ-law (0xFF)."""
    return b"\xff" * (8 * ms)


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


# --- scripted replies --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RtSay:
    """An assistant message spoken (audio + transcript; text only when the output modality is text)."""

    text: str
    ms: int


@dataclass(frozen=True)
class RtFunctionCall:
    name: str
    arguments: str  # a JSON string, as the API sends it (may be deliberately malformed)
    call_id: str


@dataclass(frozen=True)
class RtError:
    code: str
    message: str
    type: str = "server_error"


RealtimeReply = RtSay | RtFunctionCall | RtError


def rt_say(text: str, *, ms: int | None = None) -> RtSay:
    """A spoken answer lasting `ms` (default ≈ 65 ms a character), streamed in 100 ms deltas."""
    duration = ms if ms is not None else MS_PER_CHARACTER * len(text)
    if duration <= 0:
        raise ValueError("a spoken reply needs a positive duration")
    return RtSay(text, duration)


def rt_function_call(
    name: str, arguments: dict[str, Any] | str, *, call_id: str | None = None
) -> RtFunctionCall:
    """A function call; arguments given as a str are sent verbatim (broken JSON included)."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return RtFunctionCall(name, raw, call_id or _id("call_", 16))


def rt_error(code: str, message: str, *, type: str = "server_error") -> RtError:
    """An `error` event where the response would have been (no response is started)."""
    return RtError(code, message, type)


# --- recording ---------------------------------------------------------------------------------------
@dataclass(eq=False)
class RealtimeRecord:
    """One WebSocket as the fake saw it. The lists are live (appended by the connection's thread);
    use wait_for() rather than sleeping."""

    model: str | None
    path: str
    headers: dict[str, str]  # lower-cased names
    client_events: list[dict[str, Any]] = field(default_factory=list)  # as received (non-JSON as {})
    server_events: list[dict[str, Any]] = field(default_factory=list)  # as sent
    session: dict[str, Any] = field(default_factory=dict)  # the current merged session
    truncations: list[dict[str, Any]] = field(default_factory=list)  # {item_id, content_index, audio_end_ms}
    input_audio: bytearray = field(default_factory=bytearray)  # every appended chunk, decoded from base64
    closed: bool = False
    dropped: bool = False  # cut by drop_realtime()
    close_code: int | None = None  # from the closing handshake, None when the TCP connection just ended
    crash: str | None = None  # a traceback if the fake itself failed (the socket is closed with 1011)
    # The hub's condition, shared by all records so one wait covers every connection.
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def client_types(self) -> list[str]:
        return [str(e.get("type")) for e in list(self.client_events)]

    def server_types(self) -> list[str]:
        return [str(e.get("type")) for e in list(self.server_events)]

    def wait_for(self, predicate: Callable[[RealtimeRecord], T], timeout: float = 5.0) -> T:
        """Block until predicate(record) is truthy and return it; TimeoutError otherwise."""
        with self._changed:
            result = self._changed.wait_for(lambda: predicate(self), timeout)
        if not result:
            raise TimeoutError(f"realtime connection: condition not met within {timeout} s")
        return result

    def _note(self, update: Callable[[], None]) -> None:
        with self._changed:
            update()
            self._changed.notify_all()


class _Cut(Exception):
    """Raised inside a connection to drop it without a close frame."""


# --- the hub: state shared by the fake and its connections ------------------------------------------------
class RealtimeHub:
    """Scripting, failure injection and records for every realtime connection of one FakeOpenAI."""

    def __init__(self) -> None:
        self.speed = 4.0
        self._changed = threading.Condition()
        self._replies: deque[RealtimeReply] = deque()
        self._transcripts: deque[str] = deque()
        self._records: list[RealtimeRecord] = []
        self._open: list[_Connection] = []
        self._drop_next: int | None = None
        self._refusals: deque[int] = deque()
        self.stopping = False

    # scripting
    def queue(self, replies: Iterable[RealtimeReply]) -> None:
        replies = list(replies)
        for reply in replies:
            if not isinstance(reply, RtSay | RtFunctionCall | RtError):
                raise TypeError(
                    f"realtime replies are rt_say(), rt_function_call() or rt_error(), not {reply!r}"
                )
        with self._changed:
            self._replies.extend(replies)

    def queue_transcripts(self, texts: Iterable[str]) -> None:
        with self._changed:
            self._transcripts.extend(texts)

    @property
    def pending(self) -> int:
        with self._changed:
            return len(self._replies) + len(self._transcripts)

    def take_reply(self) -> RealtimeReply:
        with self._changed:
            return self._replies.popleft() if self._replies else rt_say(DEFAULT_SAY)

    def take_transcript(self) -> str:
        with self._changed:
            return self._transcripts.popleft() if self._transcripts else ""

    # failure injection
    def drop(self, after_events: int) -> None:
        if after_events < 0:
            raise ValueError("after_events must be >= 0")
        with self._changed:
            current = next((c for c in reversed(self._open) if not c.record.closed), None)
            if current is None:
                self._drop_next = after_events
        if current is not None:
            current.cut_at = current.sent + after_events
            current.wake()

    def refuse(self, times: int, status: int) -> None:
        with self._changed:
            self._refusals.extend([status] * times)

    def take_refusal(self) -> int | None:
        with self._changed:
            return self._refusals.popleft() if self._refusals else None

    # recording
    @property
    def records(self) -> list[RealtimeRecord]:
        with self._changed:
            return list(self._records)

    def wait(self, predicate: Callable[[list[RealtimeRecord]], T], timeout: float) -> T:
        """Block until predicate(records) is truthy (re-checked whenever any connection changes)."""
        with self._changed:
            result = self._changed.wait_for(lambda: predicate(list(self._records)), timeout)
        if not result:
            raise TimeoutError(f"realtime: condition not met within {timeout} s")
        return result

    def reset(self) -> None:
        with self._changed:
            self._replies.clear()
            self._transcripts.clear()
            self._records.clear()
            self._refusals.clear()
            self._drop_next = None

    def close_all(self, timeout: float = 2.0) -> None:
        """Close every open connection with 1001 (going away) and wait for their threads to notice."""
        with self._changed:
            self.stopping = True
            connections = list(self._open)
        for connection in connections:
            connection.wake()
        deadline = time.monotonic() + timeout
        for connection in connections:
            connection.finished.wait(max(0.0, deadline - time.monotonic()))

    # the upgrade
    def serve(self, sock: socket.socket, request_line: str, headers: Iterable[tuple[str, str]]) -> None:
        """Answer the WebSocket handshake on `sock` and run the connection until it ends.

        http.server has already consumed the request line and headers; they are handed back to the
        protocol as bytes, because its frame parser only starts once it has parsed a handshake itself
        (a Request built by hand would be accepted, but the frames after it would never be parsed)."""
        header_items = list(headers)
        protocol = ServerProtocol(max_size=16 * 2**20)
        head = (
            request_line + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in header_items) + "\r\n"
        )
        protocol.receive_data(head.encode("latin-1"))
        [request] = [event for event in protocol.events_received() if isinstance(event, Request)]
        path = request.path
        response = protocol.accept(request)
        protocol.send_response(response)
        for data in protocol.data_to_send():
            if data:
                sock.sendall(data)
        if response.status_code != 101:
            return
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        record = RealtimeRecord(
            model=(query.get("model") or [None])[0],
            path=path,
            headers={k.lower(): v for k, v in header_items},
            _changed=self._changed,
        )
        connection = _Connection(self, sock, protocol, record)
        with self._changed:
            self._records.append(record)
            self._open.append(connection)
            connection.cut_at, self._drop_next = self._drop_next, None
            self._changed.notify_all()
        try:
            connection.run()
        finally:
            with self._changed:
                self._open.remove(connection)
                self._changed.notify_all()


# --- session defaults and validation --------------------------------------------------------------------
def _turn_detection(kind: str) -> dict[str, Any]:
    if kind == "semantic_vad":
        return {
            "type": "semantic_vad",
            "eagerness": "auto",
            "create_response": True,
            "interrupt_response": True,
        }
    return {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "idle_timeout_ms": None,
        "create_response": True,
        "interrupt_response": True,
    }


def _default_session(model: str | None) -> dict[str, Any]:
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": _id("sess_"),
        "model": model or "gpt-realtime",
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": int(time.time()) + 3600,
        "include": None,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": _turn_detection("server_vad"),
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy", "speed": 1.0},
        },
    }


@dataclass(frozen=True)
class _Problem:
    code: str
    message: str
    param: str | None


SESSION_KEYS = {
    "type", "model", "instructions", "output_modalities", "audio", "tools", "tool_choice",
    "max_output_tokens", "tracing", "truncation", "prompt", "include",
}  # fmt: skip
TURN_KEYS = {
    "server_vad": {"type", "threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms",
                   "create_response", "interrupt_response"},
    "semantic_vad": {"type", "eagerness", "create_response", "interrupt_response"},
}  # fmt: skip


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return {str: "string", int: "integer", float: "number", list: "array", dict: "object"}.get(
        type(value), "value"
    )


def _wrong_type(param: str, expected: str, value: Any) -> _Problem:
    message = f"Invalid type for '{param}': expected {expected}, but got {_json_type(value)} instead."
    return _Problem("invalid_type", message, param)


def _unknown(param: str) -> _Problem:
    return _Problem("unknown_parameter", f"Unknown parameter: '{param}'.", param)


def _invalid(param: str, value: Any, allowed: Iterable[str]) -> _Problem:
    supported = ", ".join(f"'{a}'" for a in allowed)
    return _Problem("invalid_value", f"Invalid value: '{value}'. Supported values are: {supported}.", param)


def _check_keys(value: dict[str, Any], allowed: set[str], param: str) -> _Problem | None:
    extra = sorted(set(value) - allowed)
    return _unknown(f"{param}.{extra[0]}") if extra else None


def _check_format(value: Any, param: str) -> _Problem | None:
    if not isinstance(value, dict):
        return _wrong_type(param, "an object", value)  # a beta string such as "g711_ulaw"
    if problem := _check_keys(value, {"type", "rate"}, param):
        return problem
    if value.get("type") not in FORMATS:
        return _invalid(f"{param}.type", value.get("type"), FORMATS)
    if "rate" in value and (value["type"] != "audio/pcm" or value["rate"] != 24000):
        return _invalid(f"{param}.rate", value["rate"], ["24000"])
    return None


def _check_turn_detection(value: Any, param: str) -> _Problem | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return _wrong_type(param, "an object", value)
    kind = value.get("type")
    if kind not in TURN_KEYS:
        return _invalid(f"{param}.type", kind, TURN_KEYS)
    if problem := _check_keys(value, TURN_KEYS[kind], param):
        return problem
    threshold = value.get("threshold", 0.5)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
        return _Problem(
            "decimal_out_of_range", f"Invalid '{param}.threshold': expected 0..1.", f"{param}.threshold"
        )
    for key in ("prefix_padding_ms", "silence_duration_ms"):
        ms = value.get(key, 0)
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            return _wrong_type(f"{param}.{key}", "a non-negative integer", ms)
    for key in ("create_response", "interrupt_response"):
        if not isinstance(value.get(key, True), bool):
            return _wrong_type(f"{param}.{key}", "a boolean", value[key])
    if kind == "semantic_vad" and value.get("eagerness", "auto") not in EAGERNESS_SILENCE_MS:
        return _invalid(f"{param}.eagerness", value["eagerness"], EAGERNESS_SILENCE_MS)
    return None


def _check_audio(audio: Any) -> _Problem | None:
    if not isinstance(audio, dict):
        return _wrong_type("session.audio", "an object", audio)
    if problem := _check_keys(audio, {"input", "output"}, "session.audio"):
        return problem
    given = audio.get("input")
    if given is not None:
        param = "session.audio.input"
        if not isinstance(given, dict):
            return _wrong_type(param, "an object", given)
        allowed = {"format", "transcription", "noise_reduction", "turn_detection"}
        if problem := _check_keys(given, allowed, param):
            return problem
        if "format" in given and (problem := _check_format(given["format"], f"{param}.format")):
            return problem
        if problem := _check_turn_detection(given.get("turn_detection"), f"{param}.turn_detection"):
            return problem
        transcription = given.get("transcription")
        if transcription is not None:
            if not isinstance(transcription, dict):
                return _wrong_type(f"{param}.transcription", "an object", transcription)
            if problem := _check_keys(
                transcription, {"model", "language", "prompt"}, f"{param}.transcription"
            ):
                return problem
            if not isinstance(transcription.get("model"), str) or not transcription["model"]:
                return _Problem(
                    "missing_required_parameter",
                    f"Missing required parameter: '{param}.transcription.model'.",
                    f"{param}.transcription.model",
                )
    given = audio.get("output")
    if given is not None:
        param = "session.audio.output"
        if not isinstance(given, dict):
            return _wrong_type(param, "an object", given)
        if problem := _check_keys(given, {"format", "voice", "speed"}, param):
            return problem
        if "format" in given and (problem := _check_format(given["format"], f"{param}.format")):
            return problem
        voice = given.get("voice", "alloy")
        if not (isinstance(voice, dict) and isinstance(voice.get("id"), str)) and voice not in VOICES:
            return _invalid(f"{param}.voice", voice, VOICES)
    return None


def _check_tools(tools: Any) -> _Problem | None:
    if not isinstance(tools, list):
        return _wrong_type("session.tools", "an array", tools)
    for n, tool in enumerate(tools):
        param = f"session.tools[{n}]"
        if not isinstance(tool, dict):
            return _wrong_type(param, "an object", tool)
        if tool.get("type") != "function":
            return _invalid(f"{param}.type", tool.get("type"), ["function"])
        # A Chat Completions tool ({"type": "function", "function": {...}}) lands here.
        if problem := _check_keys(tool, {"type", "name", "description", "parameters"}, param):
            return problem
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            return _Problem(
                "missing_required_parameter", f"Missing required parameter: '{param}.name'.", f"{param}.name"
            )
    return None


def _check_session(session: Any) -> _Problem | None:
    if not isinstance(session, dict):
        if session is None:
            return _Problem("missing_required_parameter", "Missing required parameter: 'session'.", "session")
        return _wrong_type("session", "an object", session)
    if "type" not in session:
        return _Problem(
            "missing_required_parameter", "Missing required parameter: 'session.type'.", "session.type"
        )
    if session["type"] != "realtime":
        # "transcription" sessions exist, but not on a conversation socket.
        return _invalid("session.type", session["type"], ["realtime"])
    if problem := _check_keys(session, SESSION_KEYS, "session"):
        return problem
    if "instructions" in session and not isinstance(session["instructions"], str):
        return _wrong_type("session.instructions", "a string", session["instructions"])
    if "output_modalities" in session and session["output_modalities"] not in (["audio"], ["text"]):
        return _invalid("session.output_modalities", session["output_modalities"], ["audio", "text"])
    if "audio" in session and (problem := _check_audio(session["audio"])):
        return problem
    if "tools" in session and (problem := _check_tools(session["tools"])):
        return problem
    choice = session.get("tool_choice", "auto")
    named = (
        isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str)
    )
    if not named and choice not in ("auto", "none", "required"):
        return _invalid("session.tool_choice", choice, ["auto", "none", "required"])
    return None


def _merge_session(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Fields sent replace the current ones; `audio`, `audio.input` and `audio.output` merge key by key
    (a new turn_detection, format or transcription replaces the old one whole)."""
    merged = {**current, **{k: v for k, v in update.items() if k != "audio"}}
    audio = update.get("audio") or {}
    merged_audio = {side: dict(current["audio"][side]) for side in ("input", "output")}
    for side in ("input", "output"):
        merged_audio[side].update(audio.get(side) or {})
    turn = merged_audio["input"].get("turn_detection")
    if isinstance(turn, dict):  # fill what the client left out with the detector's defaults
        merged_audio["input"]["turn_detection"] = {**_turn_detection(turn["type"]), **turn}
    merged["audio"] = merged_audio
    return merged


# --- energy VAD -----------------------------------------------------------------------------------------
def rms_threshold(threshold: float) -> float:
    """The RMS (16-bit scale) above which a 20 ms window counts as speech."""
    return 32768 * 10 ** ((50 * threshold - 60) / 20)


class _Vad:
    def __init__(self) -> None:
        self.pending = b""
        self.pending_format = ""
        self.pos_ms = 0  # end of the last analysed window, in ms since the session began
        self.loud_run = 0
        self.first_loud_ms = 0
        self.quiet_ms = 0
        self.speaking = False

    def reset_turn(self) -> None:
        self.loud_run = self.quiet_ms = 0
        self.speaking = False

    def buffered_ms(self) -> float:
        if not self.pending_format:
            return float(self.pos_ms)
        rate, width, _ = FORMATS[self.pending_format]
        return self.pos_ms + len(self.pending) * 1000 / (rate * width)

    def feed(self, data: bytes, fmt: str, turn: dict[str, Any] | None) -> list[tuple[str, int]]:
        """Analyse whole windows; ("started", first loud ms) and ("stopped", end ms) as they occur."""
        if fmt != self.pending_format:
            self.pending, self.pending_format = b"", fmt
        rate, width, _ = FORMATS[fmt]
        size = rate * width * WINDOW_MS // 1000
        data = self.pending + data
        count = len(data) // size
        self.pending = data[count * size :]
        if turn is None:  # no detector: the audio only advances the clock
            self.pos_ms += count * WINDOW_MS
            return []
        if not count:
            return []
        samples = decode(data[: count * size], fmt).astype(np.float64).reshape(count, -1)
        rms = np.sqrt(np.mean(samples**2, axis=1))
        limit = rms_threshold(float(turn.get("threshold", 0.5)))
        if "silence_duration_ms" in turn:
            silence_ms = int(turn["silence_duration_ms"])
        else:  # semantic_vad: the eagerness stands for how long a pause ends the turn
            silence_ms = EAGERNESS_SILENCE_MS[turn.get("eagerness", "auto")]
        events: list[tuple[str, int]] = []
        for loud in rms > limit:
            start, self.pos_ms = self.pos_ms, self.pos_ms + WINDOW_MS
            if not self.speaking:
                self.loud_run = self.loud_run + 1 if loud else 0
                if self.loud_run == 1:
                    self.first_loud_ms = start
                if self.loud_run >= 2:  # one loud window is a click, two are a voice
                    self.speaking, self.quiet_ms = True, 0
                    events.append(("started", self.first_loud_ms))
            elif loud:
                self.quiet_ms = 0
            else:
                self.quiet_ms += WINDOW_MS
                if self.quiet_ms >= silence_ms:
                    self.reset_turn()
                    events.append(("stopped", self.pos_ms))
        return events


# --- usage estimate ----------------------------------------------------------------------------------------
def _text_tokens(value: str) -> int:
    return len(value) // 4 + 1 if value else 0


def _usage(input_text: int, input_audio: int, output_text: int, output_audio: int) -> dict[str, Any]:
    return {
        "total_tokens": input_text + input_audio + output_text + output_audio,
        "input_tokens": input_text + input_audio,
        "output_tokens": output_text + output_audio,
        "input_token_details": {
            "text_tokens": input_text,
            "audio_tokens": input_audio,
            "image_tokens": 0,
            "cached_tokens": 0,
            "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0},
        },
        "output_token_details": {"text_tokens": output_text, "audio_tokens": output_audio},
    }


# --- a running response ----------------------------------------------------------------------------------
Step = tuple[float, Callable[[], None]]  # (monotonic due time, action that emits events)


@dataclass
class _Response:
    id: str
    body: dict[str, Any]  # the response object as sent in response.created, updated as it goes
    steps: deque[Step]
    item: dict[str, Any] | None = None
    spoken: str = ""  # transcript sent so far
    sent_ms: int = 0  # audio sent so far


# --- one connection ----------------------------------------------------------------------------------------
class _Connection:
    def __init__(
        self, hub: RealtimeHub, sock: socket.socket, protocol: ServerProtocol, record: RealtimeRecord
    ) -> None:
        self.hub = hub
        self.sock = sock
        self.protocol = protocol
        self.record = record
        # Cut once `sent` reaches `cut_at`. drop() sets it from another thread: a threshold on a
        # count only this thread increments cannot be lost the way a shared countdown can.
        self.sent = 0
        self.cut_at: int | None = None
        self.finished = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._fragments: list[bytes] | None = None
        self.session = _default_session(record.model)
        self.conversation_id = _id("conv_")
        self.items: list[dict[str, Any]] = []
        self.audio_ms: dict[str, int] = {}  # assistant item id → ms of audio sent
        self.issued_calls: set[str] = set()
        self.vad = _Vad()
        self.buffer_start_ms = 0  # the input buffer holds audio from here (ms since the session began)
        self.speech_item: str | None = None
        self.input_audio_ms = 0  # committed user audio, for the usage estimate
        self.running: _Response | None = None
        snapshot = json.loads(json.dumps(self.session))
        record._note(lambda: record.session.update(snapshot))

    def wake(self) -> None:
        try:
            self._wake_w.send(b"!")
        except OSError:
            pass

    # --- the loop ---
    def run(self) -> None:
        try:
            self.emit({"type": "session.created", "session": self.session})
            while self._step():
                pass
        except _Cut:
            self.record._note(lambda: setattr(self.record, "dropped", True))
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # no close frame: the client sees 1006
            except OSError:
                pass
        except OSError:
            pass  # the client went away
        except Exception:
            # A bug in the fake: say so on the record and to the client rather than hanging the test.
            trace = traceback.format_exc()
            self.record._note(lambda: setattr(self.record, "crash", trace))
            try:
                self._close(1011, "fake crashed; see the record's crash field")
            except Exception:  # best effort: the record has the reason
                pass
        finally:
            self._wake_r.close()
            self._wake_w.close()
            close = self.protocol.close_rcvd or self.protocol.close_sent
            code = close.code if close is not None else None

            def done() -> None:
                self.record.closed, self.record.close_code = True, code

            self.record._note(done)
            self.finished.set()

    def _check_cut(self) -> None:
        cut_at = self.cut_at
        if cut_at is not None and self.sent >= cut_at:
            raise _Cut

    def _step(self) -> bool:
        """One turn of the loop; False once the connection is over."""
        self._check_cut()
        if self.hub.stopping:
            self._close(1001, "server shutting down")
            return False
        timeout = max(0.0, self.running.steps[0][0] - time.monotonic()) if self.running else None
        readable, _, _ = select.select([self.sock, self._wake_r], [], [], timeout)
        if self._wake_r in readable:
            self._wake_r.recv(4096)
        if self.sock in readable:
            data = self.sock.recv(65536)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
            for frame in self.protocol.events_received():
                self._frame(frame)
            if not self._flush() or self.protocol.state is State.CLOSED:
                return False
        self._advance()
        return True

    def _flush(self) -> bool:
        """Write what the protocol has queued; False when it asked for the TCP connection to end."""
        for data in self.protocol.data_to_send():
            if not data:
                self.sock.shutdown(socket.SHUT_WR)
                return False
            self.sock.sendall(data)
        return True

    def _close(self, code: int, reason: str) -> None:
        if self.protocol.state is not State.OPEN:
            return
        self.protocol.send_close(code, reason)
        if not self._flush():
            return
        # Give the client a moment to answer the close frame, so it sees a clean close (not 1006).
        deadline = time.monotonic() + 1.0
        while self.protocol.state is not State.CLOSED and (left := deadline - time.monotonic()) > 0:
            if not select.select([self.sock], [], [], left)[0]:
                break
            data = self.sock.recv(65536)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
            self.protocol.events_received()
            if not self._flush():
                return

    def emit(self, event: dict[str, Any]) -> None:
        self._check_cut()
        if self.protocol.state is not State.OPEN:
            return
        payload = json.dumps({"event_id": _id("event_"), **event}, ensure_ascii=False)
        # Recorded as parsed from the wire: items are mutated as a response goes on, history is not.
        self.record._note(lambda: self.record.server_events.append(json.loads(payload)))
        self.protocol.send_text(payload.encode())
        self._flush()
        self.sent += 1
        self._check_cut()

    def error(
        self, problem: _Problem, client_event: dict[str, Any] | None, kind: str = "invalid_request_error"
    ) -> None:
        event_id = client_event.get("event_id") if isinstance(client_event, dict) else None
        body = {"type": kind, "code": problem.code, "message": problem.message, "param": problem.param}
        self.emit({"type": "error", "error": {**body, "event_id": event_id}})

    # --- client events ---
    def _frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self._fragments = [frame.data]
        elif frame.opcode is Opcode.CONT and self._fragments is not None:
            self._fragments.append(frame.data)
        else:
            return  # ping/pong/close: the protocol object answers those itself
        if not frame.fin:
            return
        data, self._fragments = b"".join(self._fragments), None
        try:
            event = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            event = None
        self.record._note(lambda: self.record.client_events.append(event if isinstance(event, dict) else {}))
        if not isinstance(event, dict):
            self.error(_Problem("invalid_json", "The server could not parse the JSON event.", None), None)
            return
        handler = self._HANDLERS.get(str(event.get("type")))
        if handler is None:
            self.error(_invalid("type", event.get("type"), self._HANDLERS), event)
            return
        handler(self, event)

    def _session_update(self, event: dict[str, Any]) -> None:
        session = event.get("session")
        problem = _check_session(session)
        if problem is not None:
            self.error(problem, event)
            return
        assert isinstance(session, dict)
        self.session = _merge_session(self.session, session)
        snapshot = json.loads(json.dumps(self.session))

        def update() -> None:
            self.record.session.clear()
            self.record.session.update(snapshot)

        self.record._note(update)
        self.emit({"type": "session.updated", "session": self.session})

    @property
    def _input_format(self) -> str:
        return self.session["audio"]["input"]["format"]["type"]

    @property
    def _turn(self) -> dict[str, Any] | None:
        return self.session["audio"]["input"]["turn_detection"]

    def _append(self, event: dict[str, Any]) -> None:
        audio = event.get("audio")
        try:
            data = base64.b64decode(audio, validate=True) if isinstance(audio, str) else None
        except (binascii.Error, ValueError):
            data = None
        if data is None:
            self.error(
                _Problem("invalid_value", "Invalid 'audio': expected base64-encoded audio.", "audio"), event
            )
            return
        self.record._note(lambda: self.record.input_audio.extend(data))
        turn = self._turn
        for kind, ms in self.vad.feed(data, self._input_format, turn):
            assert turn is not None
            if kind == "started":
                self._speech_started(ms, turn)
            else:
                self._speech_stopped(ms, turn)

    def _speech_started(self, first_loud_ms: int, turn: dict[str, Any]) -> None:
        self.speech_item = _id("item_")
        start = max(self.buffer_start_ms, first_loud_ms - int(turn.get("prefix_padding_ms", 300)))
        self.emit(
            {
                "type": "input_audio_buffer.speech_started",
                "audio_start_ms": start,
                "item_id": self.speech_item,
            }
        )
        if self.running is not None and turn.get("interrupt_response", True):
            self._cancel("turn_detected")

    def _speech_stopped(self, end_ms: int, turn: dict[str, Any]) -> None:
        item_id = self.speech_item or _id("item_")
        self.speech_item = None
        self.emit({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": end_ms, "item_id": item_id})
        self._commit(item_id, end_ms)
        if turn.get("create_response", True) and self.running is None:
            self._start_response({})

    def _commit(self, item_id: str, end_ms: int) -> None:
        audio_ms = max(0, end_ms - self.buffer_start_ms)
        self.buffer_start_ms = end_ms
        self.input_audio_ms += audio_ms
        previous = self.items[-1]["id"] if self.items else None
        self.emit({"type": "input_audio_buffer.committed", "item_id": item_id, "previous_item_id": previous})
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.items.append(item)
        self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": item})
        if self.session["audio"]["input"].get("transcription") is None:
            return  # the API only transcribes when asked to
        transcript = self.hub.take_transcript()
        item["content"][0]["transcript"] = transcript
        common = {"item_id": item_id, "content_index": 0}
        if transcript:
            self.emit(
                {"type": "conversation.item.input_audio_transcription.delta", **common, "delta": transcript}
            )
        usage = {
            "type": "tokens",
            "total_tokens": audio_ms // 100 + _text_tokens(transcript),
            "input_tokens": audio_ms // 100,
            "input_token_details": {"text_tokens": 0, "audio_tokens": audio_ms // 100},
            "output_tokens": _text_tokens(transcript),
        }
        self.emit(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                **common,
                "transcript": transcript,
                "logprobs": None,
                "usage": usage,
            }
        )

    def _buffer_commit(self, event: dict[str, Any]) -> None:
        buffered = self.vad.buffered_ms() - self.buffer_start_ms
        if buffered < 100:
            message = (
                "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                f"but buffer only has {max(0.0, buffered):.2f}ms of audio."
            )
            self.error(_Problem("input_audio_buffer_commit_empty", message, None), event)
            return
        self.vad.reset_turn()
        item_id, self.speech_item = self.speech_item or _id("item_"), None
        self._commit(item_id, math.ceil(self.vad.buffered_ms()))

    def _buffer_clear(self, event: dict[str, Any]) -> None:
        self.vad.reset_turn()
        self.speech_item = None
        self.buffer_start_ms = math.ceil(self.vad.buffered_ms())
        self.emit({"type": "input_audio_buffer.cleared"})

    def _item_create(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            self.error(
                _Problem("missing_required_parameter", "Missing required parameter: 'item'.", "item"), event
            )
            return
        kind = item.get("type")
        if kind == "function_call_output":
            if item.get("call_id") not in self.issued_calls:
                message = f"Tool call ID '{item.get('call_id')}' not found in conversation."
                self.error(_Problem("invalid_value", message, "item.call_id"), event)
                return
            if not isinstance(item.get("output"), str):
                self.error(_wrong_type("item.output", "a string", item.get("output")), event)
                return
        elif kind == "message":
            if item.get("role") not in ("user", "assistant", "system"):
                self.error(_invalid("item.role", item.get("role"), ["user", "assistant", "system"]), event)
                return
            if not isinstance(item.get("content"), list):
                self.error(_wrong_type("item.content", "an array", item.get("content")), event)
                return
        elif kind == "function_call":
            if not item.get("call_id") or not item.get("name"):
                self.error(
                    _Problem("missing_required_parameter", "A function_call needs call_id and name.", "item"),
                    event,
                )
                return
            self.issued_calls.add(item["call_id"])
        else:
            self.error(
                _invalid("item.type", kind, ["message", "function_call", "function_call_output"]), event
            )
            return
        item_id = item.get("id") or _id("item_")
        if any(existing["id"] == item_id for existing in self.items):
            self.error(
                _Problem("item_already_exists", f"Item with id '{item_id}' already exists.", "item.id"), event
            )
            return
        stored = {"object": "realtime.item", "status": "completed", **item, "id": item_id}
        previous = event.get("previous_item_id")
        ids = [existing["id"] for existing in self.items]
        if previous is None or previous not in (*ids, "root"):
            if previous is not None:
                message = f"Previous item with id '{previous}' not found."
                self.error(_Problem("invalid_value", message, "previous_item_id"), event)
                return
            previous = ids[-1] if ids else None
            self.items.append(stored)
        else:
            self.items.insert(0 if previous == "root" else ids.index(previous) + 1, stored)
        self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": stored})
        self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": stored})

    def _find(self, event: dict[str, Any]) -> dict[str, Any] | None:
        item_id = event.get("item_id")
        found = next((item for item in self.items if item["id"] == item_id), None)
        if found is None:
            message = f"Conversation item with id '{item_id}' not found."
            self.error(_Problem("item_not_found", message, "item_id"), event)
        return found

    def _item_truncate(self, event: dict[str, Any]) -> None:
        item = self._find(event)
        if item is None:
            return
        end = event.get("audio_end_ms")
        if item.get("role") != "assistant" or item["id"] not in self.audio_ms:
            message = "Only assistant messages with audio can be truncated."
            self.error(_Problem("invalid_value", message, "item_id"), event)
        elif event.get("content_index", 0) != 0:
            self.error(
                _Problem("invalid_value", "Invalid 'content_index': no such content part.", "content_index"),
                event,
            )
        elif isinstance(end, bool) or not isinstance(end, int) or end < 0:
            self.error(_wrong_type("audio_end_ms", "a non-negative integer", end), event)
        elif end > self.audio_ms[item["id"]]:
            message = f"Audio content of {self.audio_ms[item['id']]}ms is already shorter than {end}ms"
            self.error(_Problem("invalid_value", message, "audio_end_ms"), event)
        else:
            self.audio_ms[item["id"]] = end
            for part in item.get("content") or []:
                part["transcript"] = ""  # the API drops the server-side transcript of a truncated item
            truncation = {"item_id": item["id"], "content_index": 0, "audio_end_ms": end}
            self.record._note(lambda: self.record.truncations.append(truncation))
            self.emit({"type": "conversation.item.truncated", **truncation})

    def _item_delete(self, event: dict[str, Any]) -> None:
        item = self._find(event)
        if item is not None:
            self.items.remove(item)
            self.emit({"type": "conversation.item.deleted", "item_id": item["id"]})

    def _item_retrieve(self, event: dict[str, Any]) -> None:
        item = self._find(event)
        if item is not None:
            self.emit({"type": "conversation.item.retrieved", "item": item})

    def _response_create(self, event: dict[str, Any]) -> None:
        options = event.get("response") or {}
        if not isinstance(options, dict):
            self.error(_wrong_type("response", "an object", options), event)
            return
        allowed = {"conversation", "input", "instructions", "output_modalities", "tools", "tool_choice",
                   "max_output_tokens", "metadata", "audio", "prompt"}  # fmt: skip
        if problem := _check_keys(options, allowed, "response"):
            self.error(problem, event)
            return
        if self.running is not None:
            message = (
                f"Conversation already has an active response in progress: {self.running.id}. "
                "Wait until the response is finished before creating a new one."
            )
            self.error(_Problem("conversation_already_has_active_response", message, None), event)
            return
        self._start_response(options)

    def _response_cancel(self, event: dict[str, Any]) -> None:
        wanted = event.get("response_id")
        if self.running is None or (wanted and wanted != self.running.id):
            message = "Cancellation failed: no active response found"
            self.error(_Problem("response_cancel_not_active", message, None), event)
            return
        self._cancel("client_cancelled")

    _HANDLERS: dict[str, Callable[[_Connection, dict[str, Any]], None]] = {
        "session.update": _session_update,
        "input_audio_buffer.append": _append,
        "input_audio_buffer.commit": _buffer_commit,
        "input_audio_buffer.clear": _buffer_clear,
        "conversation.item.create": _item_create,
        "conversation.item.truncate": _item_truncate,
        "conversation.item.delete": _item_delete,
        "conversation.item.retrieve": _item_retrieve,
        "response.create": _response_create,
        "response.cancel": _response_cancel,
    }

    # --- responses ---
    def _input_usage(self) -> tuple[int, int]:
        text = self.session.get("instructions") or ""
        text += json.dumps(self.session.get("tools") or [])
        text += " ".join(json.dumps(item) for item in self.items if item.get("role") != "user")
        return _text_tokens(text), self.input_audio_ms // 100

    def _start_response(self, options: dict[str, Any]) -> None:
        reply = self.hub.take_reply()
        if isinstance(reply, RtError):
            self.error(_Problem(reply.code, reply.message, None), None, reply.type)
            return
        modalities = options.get("output_modalities") or self.session["output_modalities"]
        body = {
            "object": "realtime.response",
            "id": _id("resp_"),
            "status": "in_progress",
            "status_details": None,
            "output": [],
            "conversation_id": self.conversation_id if options.get("conversation") != "none" else None,
            "output_modalities": modalities,
            "max_output_tokens": options.get("max_output_tokens", self.session["max_output_tokens"]),
            "audio": {"output": dict(self.session["audio"]["output"])},
            "usage": None,
            "metadata": options.get("metadata"),
        }
        response = _Response(body["id"], body, deque())
        self.running = response
        now = time.monotonic()
        if isinstance(reply, RtFunctionCall):
            response.steps.append((now, lambda: self._function_call(response, reply)))
        elif modalities == ["text"]:
            response.steps.append((now, lambda: self._say_text(response, reply)))
        else:
            self._schedule_audio(response, reply, now)
        self._advance()  # what is due now goes out before the next client event is read

    def _advance(self) -> None:
        while (
            self.running is not None and self.running.steps and self.running.steps[0][0] <= time.monotonic()
        ):
            _, action = self.running.steps.popleft()
            action()

    def _open_item(self, response: _Response, item: dict[str, Any]) -> None:
        previous = self.items[-1]["id"] if self.items else None
        response.item = item
        self.items.append(item)
        self.emit(
            {
                "type": "response.output_item.added",
                "response_id": response.id,
                "output_index": 0,
                "item": item,
            }
        )
        self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item})

    def _close_item(self, response: _Response, status: str) -> None:
        item = response.item
        if item is None:
            return
        item["status"] = status
        self.emit(
            {"type": "response.output_item.done", "response_id": response.id, "output_index": 0, "item": item}
        )
        self.emit({"type": "conversation.item.done", "item": item})

    def _finish(self, response: _Response, status: str, reason: str | None = None) -> None:
        self.running = None
        input_text, input_audio = self._input_usage()
        output_text = _text_tokens(response.spoken + ((response.item or {}).get("arguments") or ""))
        body = response.body
        body["status"] = status
        body["status_details"] = {"type": status, "reason": reason} if reason else None
        body["output"] = [response.item] if response.item is not None else []
        body["usage"] = _usage(input_text, input_audio, output_text, response.sent_ms // 50)
        self.emit({"type": "response.done", "response": body})

    def _begin(self, response: _Response) -> None:
        self.emit({"type": "response.created", "response": {**response.body, "output": []}})

    def _function_call(self, response: _Response, reply: RtFunctionCall) -> None:
        self._begin(response)
        self.issued_calls.add(reply.call_id)
        item = {
            "id": _id("item_"),
            "object": "realtime.item",
            "type": "function_call",
            "status": "in_progress",
            "call_id": reply.call_id,
            "name": reply.name,
            "arguments": "",
        }
        self._open_item(response, item)
        common = {
            "response_id": response.id,
            "item_id": item["id"],
            "output_index": 0,
            "call_id": reply.call_id,
        }
        size = max(1, -(-len(reply.arguments) // 3))
        for start in range(0, len(reply.arguments), size):
            piece = reply.arguments[start : start + size]
            self.emit({"type": "response.function_call_arguments.delta", **common, "delta": piece})
        item["arguments"] = reply.arguments
        self.emit(
            {
                "type": "response.function_call_arguments.done",
                **common,
                "name": reply.name,
                "arguments": reply.arguments,
            }
        )
        self._close_item(response, "completed")
        self._finish(response, "completed")

    def _message_item(self) -> dict[str, Any]:
        return {
            "id": _id("item_"),
            "object": "realtime.item",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }

    def _say_text(self, response: _Response, reply: RtSay) -> None:
        self._begin(response)
        item = self._message_item()
        self._open_item(response, item)
        common = {"response_id": response.id, "item_id": item["id"], "output_index": 0, "content_index": 0}
        self.emit({"type": "response.content_part.added", **common, "part": {"type": "text", "text": ""}})
        for word in _words(reply.text):
            self.emit({"type": "response.output_text.delta", **common, "delta": word})
        response.spoken = reply.text
        item["content"] = [{"type": "output_text", "text": reply.text}]
        self.emit({"type": "response.output_text.done", **common, "text": reply.text})
        self.emit(
            {"type": "response.content_part.done", **common, "part": {"type": "text", "text": reply.text}}
        )
        self._close_item(response, "completed")
        self._finish(response, "completed")

    def _schedule_audio(self, response: _Response, reply: RtSay, now: float) -> None:
        fmt = self.session["audio"]["output"]["format"]["type"]
        rate, width, _ = FORMATS[fmt]
        audio = encode(tone(reply.ms, rate), fmt)
        per_ms = rate * width // 1000
        chunks = [audio[i : i + DELTA_MS * per_ms] for i in range(0, len(audio), DELTA_MS * per_ms)]
        words = _words(reply.text)
        # Spread the words over the audio deltas so the transcript keeps pace with the sound.
        bounds = [-(-i * len(words) // len(chunks)) for i in range(len(chunks) + 1)]  # front-loaded
        pieces = ["".join(words[bounds[i] : bounds[i + 1]]) for i in range(len(chunks))]
        item = self._message_item()
        common: dict[str, Any] = {
            "response_id": response.id,
            "item_id": item["id"],
            "output_index": 0,
            "content_index": 0,
        }

        def start() -> None:
            self._begin(response)
            self._open_item(response, item)
            self.audio_ms[item["id"]] = 0
            item["content"] = [{"type": "output_audio", "transcript": ""}]
            self.emit(
                {"type": "response.content_part.added", **common, "part": {"type": "audio", "transcript": ""}}
            )

        def delta(chunk: bytes, piece: str) -> Callable[[], None]:
            def send() -> None:
                self.emit(
                    {
                        "type": "response.output_audio.delta",
                        **common,
                        "delta": base64.b64encode(chunk).decode(),
                    }
                )
                response.sent_ms += len(chunk) // per_ms
                self.audio_ms[item["id"]] = response.sent_ms
                if piece:
                    self.emit({"type": "response.output_audio_transcript.delta", **common, "delta": piece})
                    response.spoken += piece
                    item["content"][0]["transcript"] = response.spoken

            return send

        def end() -> None:
            self._end_audio(response, "completed")

        speed = max(self.hub.speed, 1e-6)
        response.steps.append((now, start))
        for n, (chunk, piece) in enumerate(zip(chunks, pieces, strict=True)):
            response.steps.append((now + n * DELTA_MS / 1000 / speed, delta(chunk, piece)))
        response.steps.append((now + reply.ms / 1000 / speed, end))

    def _end_audio(self, response: _Response, status: str, reason: str | None = None) -> None:
        item = response.item
        if item is not None:
            common = {
                "response_id": response.id,
                "item_id": item["id"],
                "output_index": 0,
                "content_index": 0,
            }
            part = {"type": "audio", "transcript": response.spoken}
            self.emit({"type": "response.output_audio.done", **common})
            self.emit(
                {"type": "response.output_audio_transcript.done", **common, "transcript": response.spoken}
            )
            self.emit({"type": "response.content_part.done", **common, "part": part})
            self._close_item(response, "completed" if status == "completed" else "incomplete")
        self._finish(response, status, reason)

    def _cancel(self, reason: str) -> None:
        response = self.running
        if response is None:
            return
        response.steps.clear()
        if response.item is None:  # cancelled before anything was said: no item to close
            self._finish(response, "cancelled", reason)
        else:
            self._end_audio(response, "cancelled", reason)


def _words(content: str) -> list[str]:
    """Word-sized pieces carrying their leading whitespace; they join back exactly."""
    pieces: list[str] = []
    for n, word in enumerate(content.split(" ")):
        pieces.append(word if n == 0 else " " + word)
    return [p for p in pieces if p] or ([content] if content else [])
