"""Telnyx media streams (realtime voice). This package: the socket Telnyx opens (consumer.py),
the database side of a streamed call (streamed_call.py), words relayed to that socket
(relay.py); and here, the pieces that need no socket: the stream's auth token, the codec
table (G.711 μ-law and A-law, 16-bit linear), Telnyx's text frames as typed values, and the
reordering of media chunks that arrive out of order.

The consumer that carries a call's audio (media/consumer.py) is built on these; they are kept free of I/O
so they can be tested on their own and reused by the Telnyx simulator's media client."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

# The codec table lives with the voice pipeline (the audio format is not Telnyx's); re-exported
# for the stream's users.
from ai.voice.codecs import CODECS, Codec  # noqa: F401
from ai.voice.pipeline import Outgoing, SendAudio, SendClear, SendMark

# --- the stream's auth token ----------------------------------------------------------------------
# Telnyx sends it back in `x-telnyx-streaming-auth-token` when it connects. Signed with the
# project's key, bound to one call, valid a few minutes: enough to connect, useless afterwards.
TOKEN_SALT = "telephony.media.stream"
TOKEN_MAX_AGE = 120  # seconds between streaming_start and Telnyx connecting


def stream_token(call_control_id: str) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(call_control_id)


def stream_call(token: str, *, max_age: int = TOKEN_MAX_AGE) -> str | None:
    """The call the token was made for, or None when it is forged, tampered or too old."""
    if not token or len(token) > 512:
        return None
    try:
        return signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None


def stream_url(call_control_id: str) -> str:
    """Where Telnyx connects for this call's audio (wss:// on a https:// site)."""
    base = settings.PUBLIC_BASE_URL.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return f"{base}/ws/telnyx/media/?{urlencode({'call': call_control_id})}"


# --- Telnyx's frames ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Connected:
    version: str


@dataclass(frozen=True)
class Start:
    stream_id: str
    call_control_id: str
    encoding: str
    sample_rate: int
    channels: int
    client_state: str = ""


@dataclass(frozen=True)
class Media:
    stream_id: str
    sequence: int
    chunk: int
    timestamp: int
    track: str
    payload: bytes


@dataclass(frozen=True)
class Dtmf:
    stream_id: str
    digit: str


@dataclass(frozen=True)
class Mark:
    stream_id: str
    name: str


@dataclass(frozen=True)
class Stop:
    stream_id: str


@dataclass(frozen=True)
class StreamError:
    stream_id: str
    detail: str


Frame = Connected | Start | Media | Dtmf | Mark | Stop | StreamError


def _int(value: Any) -> int:
    # Telnyx sends numbers as strings ("sequence_number":"4"); a missing one is refused.
    if isinstance(value, bool):
        raise ValueError("not a number")
    return int(value)


def parse_frame(text: str | bytes) -> Frame | None:
    """One Telnyx text frame as a typed value; None for anything malformed or unknown (the caller
    counts those and goes on: one bad frame must not end a call)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            return None
        event, stream_id = data.get("event"), str(data.get("stream_id", ""))
        if event == "connected":
            return Connected(version=str(data.get("version", "")))
        if event == "start":
            start = data["start"]
            media_format = start.get("media_format") or {}
            return Start(
                stream_id=stream_id,
                call_control_id=str(start["call_control_id"]),
                encoding=str(media_format.get("encoding", "PCMU")).upper(),
                sample_rate=_int(media_format.get("sample_rate", 8000)),
                channels=_int(media_format.get("channels", 1)),
                client_state=str(start.get("client_state") or ""),
            )
        if event == "media":
            media = data["media"]
            return Media(
                stream_id=stream_id,
                sequence=_int(data["sequence_number"]),
                chunk=_int(media["chunk"]),
                timestamp=_int(media.get("timestamp", 0)),
                track=str(media.get("track", "inbound")),
                payload=base64.b64decode(media["payload"], validate=True),
            )
        if event == "dtmf":
            digit = str((data.get("dtmf") or {}).get("digit", ""))
            return Dtmf(stream_id=stream_id, digit=digit) if digit else None
        if event == "mark":
            return Mark(stream_id=stream_id, name=str((data.get("mark") or {}).get("name", "")))
        if event == "stop":
            return Stop(stream_id=stream_id)
        if event == "error":
            return StreamError(stream_id=stream_id, detail=json.dumps(data.get("payload", data))[:500])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return None


def media_message(audio: bytes) -> str:
    """Audio for the caller (bidirectional rtp mode: raw codec bytes, base64). Written without the
    JSON encoder: base64 needs no escaping, and this runs fifty times a second per call."""
    return '{"event":"media","media":{"payload":"' + base64.b64encode(audio).decode() + '"}}'



def clear_message() -> str:
    return json.dumps({"event": "clear"})


def mark_message(name: str) -> str:
    return json.dumps({"event": "mark", "mark": {"name": name}})


def outgoing_message(out: Outgoing) -> str:
    """The voice pipeline's neutral frame as Telnyx's text frame (media first: the hot path)."""
    if isinstance(out, SendAudio):
        return media_message(out.audio)
    if isinstance(out, SendMark):
        return mark_message(out.name)
    if isinstance(out, SendClear):
        return clear_message()
    raise TypeError(f"not a voice pipeline frame: {out!r}")


# --- reordering ---------------------------------------------------------------------------------
@dataclass
class Reorderer:
    """Media chunks back in order. A chunk that arrives early waits for the ones before it; a
    chunk missing while `window` later ones wait is given up (the call goes on without those 20
    ms); duplicates and chunks older than what was delivered are dropped and counted."""

    window: int = 5
    next_chunk: int | None = None
    waiting: dict[int, Media] = field(default_factory=dict)
    dropped: int = 0
    skipped: int = 0

    def push(self, frame: Media) -> list[Media]:
        if self.next_chunk is None:
            self.next_chunk = frame.chunk
        if frame.chunk < self.next_chunk or frame.chunk in self.waiting:
            self.dropped += 1
            return []
        self.waiting[frame.chunk] = frame
        ready: list[Media] = []
        while True:
            if self.next_chunk in self.waiting:
                ready.append(self.waiting.pop(self.next_chunk))
                self.next_chunk += 1
            elif len(self.waiting) >= self.window:
                # Give up on the gap: jump to the oldest chunk that did arrive.
                oldest = min(self.waiting)
                self.skipped += oldest - self.next_chunk
                self.next_chunk = oldest
            else:
                return ready
