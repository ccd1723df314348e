"""Telnyx media streams (realtime voice). This package: the socket Telnyx opens (consumer.py),
the database side of a streamed call (streamed_call.py), words relayed to that socket
(relay.py); and here, the pieces that need no socket: the stream's auth token, the codec
table (G.711 μ-law and A-law, 16-bit linear), Telnyx's text frames as typed values, and the
reordering of media chunks that arrive out of order.

The consumer that carries a call's audio (issue 8) is built on these; they are kept free of I/O
so they can be tested on their own and reused by the Telnyx simulator's media client."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.core import signing

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


# --- codecs -------------------------------------------------------------------------------------
# G.711 (ITU-T): 8-bit μ-law and A-law, 8 kHz. Encoded with numpy over whole frames, not per
# sample in Python: a 20 ms frame is 160 samples and a call sends fifty a second.
_MU_BIAS = 0x84
_MU_CLIP14 = 8159  # the clip level on 14-bit samples, as in the reference g711.c
_MU_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _mulaw_encode(pcm: np.ndarray) -> bytes:
    # Works on 14-bit samples shifted first, then the sign taken: the reference's order, which
    # decides the code of values on a segment's edge.
    x = pcm.astype(np.int32) >> 2
    mask = np.where(x < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(x), _MU_CLIP14) + (_MU_BIAS >> 2)
    segment = np.searchsorted(_MU_SEGMENT_ENDS, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)  # beyond the last segment: the loudest code
    return ((code ^ mask) & 0xFF).astype(np.uint8).tobytes()


def _mulaw_formula(codes: np.ndarray) -> np.ndarray:
    u = ~codes.astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _MU_BIAS) << exponent) - _MU_BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


# Decoding is a lookup in the 256 values the formula gives: one indexing per frame instead of
# six array operations (it runs for every caller frame of every call).
_MU_TABLE = _mulaw_formula(np.arange(256, dtype=np.uint8))


def _mulaw_decode(data: bytes) -> np.ndarray:
    return _MU_TABLE[np.frombuffer(data, dtype=np.uint8)]


def _alaw_encode(pcm: np.ndarray) -> bytes:
    x = pcm.astype(np.int32) >> 3  # A-law works on 13-bit samples
    sign = np.where(x >= 0, 0x80, 0x00)
    magnitude = np.minimum(np.where(x >= 0, x, -x - 1), 0x0FFF)
    exponent = np.where(magnitude < 32, 0, np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 4)
    exponent = np.clip(exponent, 0, 7)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    return ((sign | (exponent << 4) | mantissa) ^ 0x55).astype(np.uint8).tobytes()


def _alaw_decode(data: bytes) -> np.ndarray:
    a = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


def _l16_encode(pcm: np.ndarray) -> bytes:
    return pcm.astype(">i2").tobytes()  # L16 is big-endian (RFC 3551)


def _l16_decode(data: bytes) -> np.ndarray:
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], dtype=">i2").astype(np.int16)


@dataclass(frozen=True)
class Codec:
    name: str
    sample_rate: int
    bytes_per_sample: int
    decode: Callable[[bytes], np.ndarray]  # codec bytes → 16-bit linear samples
    encode: Callable[[np.ndarray], bytes]  # 16-bit linear samples → codec bytes

    def frame_bytes(self, milliseconds: int = 20) -> int:
        return self.sample_rate * milliseconds // 1000 * self.bytes_per_sample


CODECS: dict[str, Codec] = {
    "PCMU": Codec("PCMU", 8000, 1, _mulaw_decode, _mulaw_encode),
    "PCMA": Codec("PCMA", 8000, 1, _alaw_decode, _alaw_encode),
    "L16": Codec("L16", 16000, 2, _l16_decode, _l16_encode),
}


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
