"""Simulated call legs for the Telnyx fake: what each Call Control command does and which webhooks follow.

A FakeCall is one leg. Every mutation happens with the fake's lock held (commands arrive on HTTP threads,
timers fire on their own threads, the scripted caller runs on the test's thread); webhooks are only queued
here, never sent, so nothing in this module blocks on the app.

Media streaming (streaming_start, or answer with stream_url) creates a MediaStream (media.py) that connects
to stream_url as Telnyx does, on its own thread: never with the fake's lock held. Its outcome comes back
through _stream_opened (→ streaming.started, or streaming.failed when it could not connect) and
_stream_closed (→ streaming.stopped, whoever ended it), which take the lock like any other thread. The
commands only ask a stream to stop (request_stop() does not block). A connect attempt and a requested stop
count as pending work until their webhook is emitted, so fake.drain() waits for them.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import secrets
import struct
import time
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.telnyx import errors
from tests.fakes.telnyx.errors import Refused
from tests.fakes.telnyx.media import FAILURE_REASON, MediaStream

if TYPE_CHECKING:
    from tests.fakes.telnyx.delivery import TimerHandle
    from tests.fakes.telnyx.server import FakeTelnyx

# --- wire constants ---------------------------------------------------------------------------------
SPEAK_COMPLETED = "completed"
SPEAK_INTERRUPTED = "interrupted"  # unverified: status of a speak cut short by a later speak with `stop`
SPEAK_CALL_HANGUP = "call_hangup"
TRANSFER_LEG_STATE = "bridging"  # unverified: `state` in call.initiated of a transfer's outgoing leg
PARTY_BEHAVIOURS = ("answer", "busy", "no_answer")
TRANSFER_OUTCOMES = {"answer": "answered", "busy": "busy", "no_answer": "no_answer"}
REJECT_CAUSES = ("CALL_REJECTED", "NOT_FOUND", "TEMPORARILY_UNAVAILABLE", "USER_BUSY")
DTMF_DIGITS = "0123456789*#ABCD"
SPEAK_MAX_CHARS = 3000

LIVE_STATES = ("parked", "answered", "bridged")
MEDIA_STATES = ("answered", "bridged")  # the call's media is up: speech, recording, transcription

# Actions with a behaviour (path names, as in POST /v2/calls/{id}/actions/<action>).
ACTIONS = (
    "answer",
    "speak",
    "transcription_start",
    "transcription_stop",
    "streaming_start",
    "streaming_stop",
    "transfer",
    "hangup",
    "reject",
    "record_start",
    "record_stop",
    "playback_start",
    "playback_stop",
    "gather_using_speak",
    "client_state_update",
)
# Real actions the fake accepts (200, client_state taken) without simulating anything else.
ACCEPTED_WITHOUT_EFFECT = ("record_pause", "record_resume", "send_dtmf", "gather_stop")
# SDK method names → path action names, so fail_next("start_transcription") works too.
SDK_ALIASES = {
    "start_transcription": "transcription_start",
    "stop_transcription": "transcription_stop",
    "start_streaming": "streaming_start",
    "stop_streaming": "streaming_stop",
    "start_recording": "record_start",
    "stop_recording": "record_stop",
    "pause_recording": "record_pause",
    "resume_recording": "record_resume",
    "start_playback": "playback_start",
    "stop_playback": "playback_stop",
    "stop_gather": "gather_stop",
    "update_client_state": "client_state_update",
}
REQUIRED_STATES: dict[str, tuple[str, ...]] = {
    "answer": ("parked",),
    "reject": ("parked",),
    "transfer": ("parked", "answered"),
    "speak": MEDIA_STATES,
    "gather_using_speak": MEDIA_STATES,
    "playback_start": MEDIA_STATES,
    "record_start": MEDIA_STATES,
    "transcription_start": MEDIA_STATES,
}


def action_name(name: str) -> str:
    return SDK_ALIASES.get(name, name)


def is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# --- recordings -------------------------------------------------------------------------------------
def wav_bytes(channels: int = 1, seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A real PCM WAV (16-bit, a quiet 440 Hz tone) that any audio library opens."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        sample = int(3000 * math.sin(2 * math.pi * 440 * n / rate))
        frames += struct.pack("<h", sample) * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return out.getvalue()


# An empty ID3v2.3 tag then three silent MPEG-1 Layer III frames (128 kb/s, 44.1 kHz, 417 bytes each).
MP3_BYTES = b"ID3\x03\x00\x00\x00\x00\x00\x00" + (b"\xff\xfb\x90\x64" + bytes(413)) * 3


# --- records ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    """One POST /v2/calls/{id}/actions/{action} as the fake received it (rejected ones included)."""

    action: str
    call_control_id: str
    body: dict[str, Any]
    command_id: str | None
    status: int
    at: float
    duplicate: bool = False


@dataclass
class _Speech:
    payload: str
    gather: bool = False
    speak_id: str = field(default_factory=lambda: secrets.token_urlsafe(8))
    timer: TimerHandle | None = None


@dataclass
class _Gather:
    maximum: int
    minimum: int
    terminating: str
    valid: str
    digits: str = ""
    timer: TimerHandle | None = None


# --- validation ---------------------------------------------------------------------------------------
def _text(body: dict[str, Any], name: str, *, limit: int | None = None) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise Refused(errors.missing(name))
    if not isinstance(value, str):
        raise Refused(errors.invalid(name, f"'{name}' must be a string."))
    if limit is not None and len(value) > limit:
        raise Refused(errors.invalid(name, f"'{name}' must be at most {limit} characters."))
    return value


def _choice(body: dict[str, Any], name: str, choices: tuple[str, ...], *, required: bool) -> None:
    value = body.get(name)
    if value is None:
        if required:
            raise Refused(errors.missing(name))
        return
    if value not in choices:
        raise Refused(errors.invalid(name, f"'{name}' must be one of: {', '.join(choices)}."))


def _integer(body: dict[str, Any], name: str, low: int, high: int) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Refused(errors.invalid(name, f"'{name}' must be an integer between {low} and {high}."))


def _websocket_url(body: dict[str, Any], name: str) -> None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value.startswith(("ws://", "wss://"))):
        raise Refused(errors.invalid(name, f"'{name}' must be a ws:// or wss:// URL."))


def validate(action: str, body: dict[str, Any]) -> None:
    """The field checks Telnyx makes before it looks at the call; raises Refused (422)."""
    if "client_state" in body and body["client_state"] is not None and not is_base64(body["client_state"]):
        raise Refused(errors.invalid_client_state())
    if "command_id" in body and body["command_id"] is not None and not isinstance(body["command_id"], str):
        raise Refused(errors.invalid("command_id", "'command_id' must be a string."))
    if action in ("speak", "gather_using_speak"):
        _text(body, "payload", limit=SPEAK_MAX_CHARS)
        _text(body, "voice")
        _choice(body, "payload_type", ("text", "ssml"), required=False)
        _choice(body, "service_level", ("basic", "premium"), required=False)
    if action == "gather_using_speak":
        for name in ("maximum_digits", "minimum_digits"):
            _integer(body, name, 1, 128)
    elif action == "transfer":
        _text(body, "to")
        _integer(body, "timeout_secs", 5, 600)
        target_state = body.get("target_leg_client_state")
        if target_state is not None and not is_base64(target_state):
            raise Refused(
                errors.invalid(
                    "target_leg_client_state", "'target_leg_client_state' must be a valid Base-64 string."
                )
            )
    elif action == "record_start":
        _choice(body, "format", ("wav", "mp3"), required=True)
        _choice(body, "channels", ("single", "dual"), required=True)
    elif action == "reject":
        _choice(body, "cause", REJECT_CAUSES, required=True)
    elif action == "playback_start":
        if not any(body.get(name) for name in ("audio_url", "media_name", "playback_content")):
            raise Refused(errors.missing("audio_url"))
    elif action == "streaming_start":
        _websocket_url(body, "stream_url")
        _choice(body, "stream_track", ("inbound_track", "outbound_track", "both_tracks"), required=False)
    elif action == "answer":
        _websocket_url(body, "stream_url")
        _choice(body, "record_format", ("wav", "mp3"), required=False)
        _choice(body, "record_channels", ("single", "dual"), required=False)
    elif action == "client_state_update":
        if not body.get("client_state"):
            raise Refused(errors.missing("client_state"))


def _failure(stream_id: str, url: str | None, track: str) -> dict[str, Any]:
    """streaming.failed's payload: the published sample's fields, plus stream_url at the top level like
    streaming.started/stopped have it."""
    return {
        "failure_reason": FAILURE_REASON,
        "stream_id": stream_id,
        "stream_url": url,
        "stream_params": {"stream_url": url, "track": track},
        "stream_type": "websocket",
    }


# --- the call leg -------------------------------------------------------------------------------------
class FakeCall:
    """One call leg. Read its attributes freely; drive it with say(), press() and hang_up()."""

    def __init__(
        self,
        fake: FakeTelnyx,
        *,
        direction: str,
        from_: str,
        to: str,
        connection_id: str,
        caller_id_name: str = "",
        call_session_id: str | None = None,
        client_state: str | None = None,
        parent: str | None = None,
    ) -> None:
        self._fake = fake
        self.call_control_id = "v3:" + secrets.token_urlsafe(40)
        self.call_leg_id = str(uuid.uuid4())
        self.call_session_id = call_session_id or str(uuid.uuid4())
        self.connection_id = connection_id
        self.direction = direction
        self.from_ = from_
        self.to = to
        self.caller_id_name = caller_id_name
        self.parent = parent  # for a transfer leg: the call_control_id of the leg that was transferred
        self.peer: str | None = None  # the leg this one is bridged with
        self.state = "parked"
        self.client_state = client_state
        self.start_time = fake._iso()
        self.answer_time: str | None = None
        self.end_time: str | None = None
        self.hangup_cause: str | None = None
        self.hangup_source: str | None = None
        self.transcribing = False
        self.transcription_language: str | None = None
        self.transcription_engine: str | None = None
        self.recording: dict[str, Any] | None = None
        self.recording_audio: tuple[bytes, bytes] | None = None  # (wav, mp3) its recordings serve
        self.streaming: dict[str, Any] | None = None  # the running (or connecting) stream's parameters
        self.stream: MediaStream | None = None  # the latest media stream, kept once it ended
        self.streams: list[MediaStream] = []  # every stream of this leg, in order
        self._stopping_streams: set[MediaStream] = set()  # stops requested, streaming.stopped not yet emitted
        self._spoken: list[str] = []
        self._transfers: list[dict[str, Any]] = []
        self._speech: _Speech | None = None
        self._speech_queue: list[_Speech] = []
        self._gather: _Gather | None = None
        self._command_ids: dict[str, float] = {}  # command_id → monotonic time it was acted on
        self._mark = 0  # len(spoken) at the last say()/press()/place_call: wait_for_speech's default base

    def __repr__(self) -> str:
        return f"<FakeCall {self.direction} {self.from_}→{self.to} {self.state} {self.call_control_id}>"

    # --- read side ---
    @property
    def spoken(self) -> list[str]:
        """The payload of every accepted speak (and gather_using_speak) on this leg, in order."""
        with self._fake._lock:
            return list(self._spoken)

    @property
    def transfers(self) -> list[dict[str, Any]]:
        with self._fake._lock:
            return [dict(t) for t in self._transfers]

    @property
    def commands(self) -> list[Command]:
        return [c for c in self._fake.commands if c.call_control_id == self.call_control_id]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every webhook envelope emitted for this leg, in emission order."""
        return [
            e
            for e in self._fake.events
            if e["data"]["payload"].get("call_control_id") == self.call_control_id
        ]

    @property
    def event_types(self) -> list[str]:
        return [e["data"]["event_type"] for e in self.events]

    @property
    def speaking(self) -> bool:
        with self._fake._lock:
            return self._speech is not None

    @property
    def gathering(self) -> bool:
        with self._fake._lock:
            return self._gather is not None

    def summary(self) -> dict[str, Any]:
        """A JSON-ready snapshot (what GET /_sim/calls/{id} answers)."""
        with self._fake._lock:
            return {
                "call_control_id": self.call_control_id,
                "call_leg_id": self.call_leg_id,
                "call_session_id": self.call_session_id,
                "connection_id": self.connection_id,
                "direction": self.direction,
                "from": self.from_,
                "to": self.to,
                "state": self.state,
                "spoken": list(self._spoken),
                "transcribing": self.transcribing,
                "transcription_language": self.transcription_language,
                "client_state": self.client_state,
                "recording": dict(self.recording) if self.recording else None,
                "streaming": dict(self.streaming) if self.streaming else None,
                "stream": self.stream.summary() if self.stream else None,
                "transfers": [dict(t) for t in self._transfers],
                "hangup_cause": self.hangup_cause,
                "hangup_source": self.hangup_source,
                "peer": self.peer,
                "parent": self.parent,
            }

    # --- the scripted caller ---
    def say(self, text: str, *, confidence: float = 0.95) -> None:
        """The caller speaks: an interim then a final call.transcription (only once transcription runs)."""
        with self._fake._lock:
            if self.state == "hangup":
                raise AssertionError("call has ended")
            if not self.transcribing:
                raise AssertionError("transcription not started")
            words = text.split()
            interim = (
                " ".join(words[: max(1, len(words) // 2)])
                if len(words) > 1
                else text[: max(1, len(text) // 2)]
            )
            for transcript, final in ((interim, False), (text, True)):
                data = {
                    "transcript": transcript,
                    "is_final": final,
                    "confidence": confidence,
                    "transcription_track": "inbound",
                }
                self._emit("call.transcription", {"transcription_data": data})
            self._mark = len(self._spoken)

    def press(self, digit: str) -> None:
        """The caller presses a key: call.dtmf.received, a dtmf frame on a connected media stream, and
        feeds a running gather."""
        if len(digit) != 1 or digit not in DTMF_DIGITS:
            raise ValueError(f"not a DTMF digit: {digit!r}")
        with self._fake._lock:
            if self.state not in MEDIA_STATES:
                raise AssertionError(f"call is {self.state}: DTMF only flows once it is answered")
            self._emit("call.dtmf.received", {"digit": digit}, parties=True)
            if self.stream is not None and self.stream.connected:
                try:
                    self.stream.send_dtmf(digit, wait=False)  # only queued: the lock stays short
                except RuntimeError:
                    pass  # the stream is ending
            gather = self._gather
            if gather is not None:
                if digit == gather.terminating:
                    self._end_gather("valid" if len(gather.digits) >= gather.minimum else "invalid")
                elif digit in gather.valid:
                    gather.digits += digit
                    if len(gather.digits) >= gather.maximum:
                        self._end_gather("valid")
                    else:
                        self._arm_gather(self._fake.gather_inter_digit_timeout)
            self._mark = len(self._spoken)

    def hang_up(self) -> None:
        """The caller hangs up (on a parked call that is a cancel: hangup_cause originator_cancel)."""
        with self._fake._lock:
            if self.state == "hangup":
                raise AssertionError("call has already ended")
            source = "caller" if self.direction == "incoming" else "callee"
            if self.state == "parked":
                self._end("originator_cancel", source, "487")
            else:
                self._end("normal_clearing", source, "200")

    def wait_for_speech(self, count: int | None = None, timeout: float = 5.0) -> list[str]:
        """Block until `count` texts were spoken (default: one more than at the last say/press/placing)."""
        with self._fake._lock:
            target = count if count is not None else self._mark + 1
        self.wait_for(
            lambda call: len(call._spoken) >= target, timeout=timeout, what=f"{target} spoken text(s)"
        )
        return self.spoken

    def wait_for_stream(self, timeout: float = 5.0) -> MediaStream:
        """Block until the app started a media stream and it connected (ConnectionError if it failed)."""
        deadline = time.monotonic() + timeout
        self.wait_for(lambda call: call.stream is not None, timeout=timeout, what="a streaming command")
        assert self.stream is not None
        return self.stream.wait_connected(max(0.0, deadline - time.monotonic()))

    def wait_for(
        self, predicate: Callable[[FakeCall], bool], timeout: float = 5.0, *, what: str | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._fake._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    wanted = what or getattr(predicate, "__name__", "the condition")
                    raise TimeoutError(f"waited {timeout:g}s for {wanted}; {self._describe()}")
                self._fake._changed.wait(remaining)

    def _describe(self) -> str:
        commands = ", ".join(f"{c.action}→{c.status}" for c in self.commands[-8:]) or "none"
        events = ", ".join(self.event_types[-8:]) or "none"
        deliveries = self._fake.deliveries
        failed = [d for d in deliveries if not 200 <= d.status_code < 300]
        return (
            f"call {self.call_control_id} ({self.direction} {self.from_}→{self.to}) is {self.state}; "
            f"spoken={self._spoken!r}; transcribing={self.transcribing}; last commands: {commands}; "
            f"last events: {events}; webhook_url={self._fake.webhook_url!r}, "
            f"{len(deliveries)} deliveries ({len(failed)} not 2xx)"
        )

    # --- events ---
    def _base(self) -> dict[str, Any]:
        return {
            "call_control_id": self.call_control_id,
            "call_leg_id": self.call_leg_id,
            "call_session_id": self.call_session_id,
            "connection_id": self.connection_id,
            "client_state": self.client_state,
            "calling_party_type": "pstn",
        }

    def _emit(
        self,
        event_type: str,
        extra: dict[str, Any] | None = None,
        *,
        parties: bool = False,
        times: bool = False,
    ) -> None:
        payload = self._base()
        if parties:
            payload["from"] = self.from_
            payload["to"] = self.to
        if times:
            payload["start_time"] = self.start_time
        payload.update(extra or {})
        self._fake._emit(self, event_type, payload)

    # --- commands (called by the fake with its lock held) ---
    def _is_duplicate(self, command_id: str) -> bool:
        seen = self._command_ids.get(command_id)
        return seen is not None and time.monotonic() - seen < self._fake.command_id_window

    def _remember(self, command_id: str) -> None:
        self._command_ids[command_id] = time.monotonic()

    def _command(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        """Apply one command; returns the response's `data`, or raises Refused."""
        if self.state == "hangup":
            raise Refused(errors.call_ended())
        validate(action, body)
        allowed = REQUIRED_STATES.get(action)
        if allowed is not None and self.state not in allowed:
            raise Refused(
                errors.invalid_call_state(f"'{action}' is not allowed while the call is {self.state}.")
            )
        if action in ("answer", "reject") and self.direction != "incoming":
            raise Refused(errors.invalid_call_state(f"'{action}' only applies to an incoming call."))
        if body.get("client_state") is not None:
            self.client_state = body["client_state"]
        handler = getattr(self, f"_do_{action}", None)
        data: dict[str, Any] = {"result": "ok"}
        if handler is not None:
            data.update(handler(body) or {})
        return data

    def _do_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        self.state = "answered"
        self.answer_time = self._fake._iso()
        self._emit("call.answered", {"state": "answered"}, parties=True, times=True)
        data: dict[str, Any] = {}
        if body.get("stream_url"):
            self._start_streaming(body)
        if body.get("record") == "record-from-answer":
            self._start_recording(body.get("record_format") or "mp3", body.get("record_channels") or "single")
            assert self.recording is not None
            data["recording_id"] = self.recording["recording_id"]
        return data

    def _do_speak(self, body: dict[str, Any]) -> None:
        self._spoken.append(body["payload"])
        self._queue_speech(_Speech(body["payload"]), stop=body.get("stop"))

    def _do_gather_using_speak(self, body: dict[str, Any]) -> None:
        if self._gather is not None and self._gather.timer is not None:
            self._gather.timer.cancel()
        self._gather = _Gather(
            maximum=body.get("maximum_digits") or 128,
            minimum=body.get("minimum_digits") or 1,
            terminating=str(body.get("terminating_digit") or "#"),
            valid=str(body.get("valid_digits") or "0123456789*#"),
        )
        self._spoken.append(body["payload"])
        self._queue_speech(_Speech(body["payload"], gather=True), stop=None)

    def _do_transcription_start(self, body: dict[str, Any]) -> None:
        config = body.get("transcription_engine_config")
        config = config if isinstance(config, dict) else {}
        self.transcribing = True
        self.transcription_language = config.get("language") or body.get("language")
        self.transcription_engine = body.get("transcription_engine") or config.get("transcription_engine")

    def _do_transcription_stop(self, body: dict[str, Any]) -> None:
        self.transcribing = False

    def _do_streaming_start(self, body: dict[str, Any]) -> None:
        self._start_streaming(body)

    def _do_streaming_stop(self, body: dict[str, Any]) -> None:
        self._stop_streaming()

    def _do_transfer(self, body: dict[str, Any]) -> None:
        fake = self._fake
        leg = FakeCall(
            fake,
            direction="outgoing",
            from_=body.get("from") or self.to,
            to=body["to"],
            connection_id=self.connection_id,
            caller_id_name=body.get("from_display_name") or "",
            call_session_id=self.call_session_id,
            client_state=body.get("target_leg_client_state"),
            parent=self.call_control_id,
        )
        fake._add_call(leg)
        leg._emit(
            "call.initiated",
            {"direction": "outgoing", "state": TRANSFER_LEG_STATE, "caller_id_name": leg.caller_id_name},
            parties=True,
            times=True,
        )
        behaviour = fake.party(leg.to)
        if behaviour == "answer":
            leg.state = "answered"
            leg.answer_time = fake._iso()
            leg._emit("call.answered", {"state": "answered"}, parties=True, times=True)
            self.state = leg.state = "bridged"
            self.peer, leg.peer = leg.call_control_id, self.call_control_id
            self._emit("call.bridged", parties=True)
            leg._emit("call.bridged", parties=True)
        elif behaviour == "busy":
            leg._end("user_busy", "callee", "486")
        else:
            leg._end("timeout", "callee", "408")
        self._transfers.append(
            {
                "to": leg.to,
                "from": leg.from_,
                "timeout_secs": body.get("timeout_secs"),
                "leg_call_control_id": leg.call_control_id,
                "outcome": TRANSFER_OUTCOMES[behaviour],
            }
        )

    def _do_hangup(self, body: dict[str, Any]) -> None:
        self._end("normal_clearing", "callee", "200")

    def _do_reject(self, body: dict[str, Any]) -> None:
        self._end("call_rejected", "callee", "603")

    def _do_record_start(self, body: dict[str, Any]) -> None:
        if self.recording is None or not self.recording["active"]:
            self._start_recording(body["format"], body["channels"])

    def _do_record_stop(self, body: dict[str, Any]) -> None:
        if self.recording is not None and self.recording["active"]:
            self._save_recording()

    def _do_playback_start(self, body: dict[str, Any]) -> None:
        media = {
            "media_url": body.get("audio_url"),
            "media_name": body.get("media_name"),
            "overlay": bool(body.get("overlay")),
        }
        self._emit("call.playback.started", media)
        self._emit("call.playback.ended", {**media, "status": "completed"})

    # --- speech ---
    def _queue_speech(self, item: _Speech, *, stop: object) -> None:
        if stop in ("all", "current") and self._speech is not None:
            if stop == "all":
                self._speech_queue.clear()
            self._finish_speech(SPEAK_INTERRUPTED)
        self._speech_queue.append(item)
        self._play_next()

    def _play_next(self) -> None:
        while self._speech is None and self._speech_queue and self.state != "hangup":
            item = self._speech_queue.pop(0)
            self._speech = item
            self._emit("call.speak.started", {"speak_id": item.speak_id})
            seconds = self._fake.speech_seconds_per_char * len(item.payload)
            if seconds > 0:
                item.timer = self._fake._timers.later(seconds, lambda item=item: self._speech_timer(item))
                return
            self._finish_speech(SPEAK_COMPLETED)

    def _speech_timer(self, item: _Speech) -> None:
        with self._fake._lock:
            if self._speech is item:
                self._finish_speech(SPEAK_COMPLETED)
                self._play_next()

    def _finish_speech(self, status: str) -> None:
        item, self._speech = self._speech, None
        if item is None:
            return
        if item.timer is not None:
            item.timer.cancel()
        self._emit("call.speak.ended", {"speak_id": item.speak_id, "status": status})
        if item.gather and self._gather is not None and status != SPEAK_CALL_HANGUP:
            self._arm_gather(self._fake.gather_timeout)

    # --- gather ---
    def _arm_gather(self, seconds: float) -> None:
        gather = self._gather
        if gather is None:
            return
        if gather.timer is not None:
            gather.timer.cancel()
        gather.timer = self._fake._timers.later(seconds, lambda: self._gather_timer(gather))

    def _gather_timer(self, gather: _Gather) -> None:
        with self._fake._lock:
            if self._gather is gather:
                if not gather.digits:
                    self._end_gather("timeout")
                else:
                    self._end_gather("valid" if len(gather.digits) >= gather.minimum else "invalid")

    def _end_gather(self, status: str) -> None:
        gather, self._gather = self._gather, None
        if gather is None:
            return
        if gather.timer is not None:
            gather.timer.cancel()
        self._emit("call.gather.ended", {"digits": gather.digits, "status": status}, parties=True)

    # --- streaming and recording ---
    def _start_streaming(self, body: dict[str, Any]) -> None:
        self._stop_streaming()  # one stream per leg here: a new streaming_start replaces the running one
        stream_id = str(uuid.uuid4())
        url = body.get("stream_url")
        track = body.get("stream_track") or "inbound_track"
        if not url:
            self._emit("streaming.failed", _failure(stream_id, url, track))
            return
        self.streaming = {
            "stream_id": stream_id,
            "stream_url": url,
            "stream_track": track,
            "stream_codec": body.get("stream_codec"),
            "stream_bidirectional_mode": body.get("stream_bidirectional_mode"),
            "stream_bidirectional_codec": body.get("stream_bidirectional_codec"),
        }
        stream = MediaStream(
            url,
            stream_id=stream_id,
            auth_token=body.get("stream_auth_token") or None,
            encoding=body.get("stream_codec") or "PCMU",
            track=track,
            call_control_id=self.call_control_id,
            call_session_id=self.call_session_id,
            from_=self.from_,
            to=self.to,
            client_state=self.client_state,
            keepalive_silence=self._fake.stream_keepalive_silence,
            open_timeout=self._fake.stream_open_timeout,
            on_opened=self._stream_opened,
            on_closed=self._stream_closed,
            on_error=self._stream_error,
        )
        self.stream = stream
        self.streams.append(stream)
        self._fake._tracker.add()  # settled once streaming.started or streaming.failed is emitted
        stream.start()

    def _stop_streaming(self) -> None:
        stream = self.stream
        if stream is None or stream.ended or stream in self._stopping_streams:
            return  # an ended stream reports itself (or already did) through _stream_opened/_stream_closed
        self._stopping_streams.add(stream)
        self._fake._tracker.add()  # settled once the stream reports its end
        stream.request_stop()

    # Called from the stream's thread, without its lock.
    def _stream_opened(self, stream: MediaStream, ok: bool) -> None:
        with self._fake._lock:
            try:
                if ok:
                    self._emit("streaming.started", {"stream_url": stream.url, "stream_id": stream.stream_id})
                else:
                    if not stream.aborted:  # a stream stopped before it connected just never starts
                        self._emit("streaming.failed", _failure(stream.stream_id, stream.url, stream.track))
                    self._stream_gone(stream)
            finally:
                self._fake._tracker.done()

    def _stream_closed(self, stream: MediaStream) -> None:
        with self._fake._lock:
            self._emit("streaming.stopped", {"stream_url": stream.url, "stream_id": stream.stream_id})
            self._stream_gone(stream)

    def _stream_error(self, stream: MediaStream, exc: BaseException) -> None:
        self._fake._timers.errors.append(exc)  # shows in fake.internal_errors

    def _stream_gone(self, stream: MediaStream) -> None:
        if self.streaming is not None and self.streaming["stream_id"] == stream.stream_id:
            self.streaming = None
        if stream in self._stopping_streams:
            self._stopping_streams.discard(stream)
            self._fake._tracker.done()
        self._fake._changed.notify_all()

    def _start_recording(self, fmt: str, channels: str) -> None:
        self.recording = {
            "recording_id": str(uuid.uuid4()),
            "format": fmt,
            "channels": channels,
            "started_at": self._fake._iso(),
            "ended_at": None,
            "active": True,
            "recording_urls": None,
        }

    def _save_recording(self) -> None:
        recording = self.recording
        if recording is None or not recording["active"]:
            return
        recording["active"] = False
        recording["ended_at"] = self._fake._iso()
        urls = self._fake._recording_urls(
            recording["recording_id"], recording["channels"], self.recording_audio
        )
        recording["recording_urls"] = urls
        self._emit(
            "call.recording.saved",
            {
                "channels": recording["channels"],
                "recording_started_at": recording["started_at"],
                "recording_ended_at": recording["ended_at"],
                "recording_urls": dict(urls),
                "public_recording_urls": dict(urls),
            },
        )

    # --- the end ---
    def _end(self, cause: str, source: str, sip_cause: str) -> None:
        if self.state == "hangup":
            return
        self._speech_queue.clear()
        self._finish_speech(SPEAK_CALL_HANGUP)
        self._end_gather("call_hangup")
        self.state = "hangup"
        self.end_time = self._fake._iso()
        self.hangup_cause = cause
        self.hangup_source = source
        self.transcribing = False
        self._emit(
            "call.hangup",
            {
                "state": "hangup",
                "hangup_cause": cause,
                "hangup_source": source,
                "sip_hangup_cause": sip_cause,
                "end_time": self.end_time,
            },
            parties=True,
            times=True,
        )
        self._stop_streaming()
        self._save_recording()
        peer = self._fake._calls.get(self.peer) if self.peer else None
        if peer is not None:
            peer._end(cause, source, sip_cause)
