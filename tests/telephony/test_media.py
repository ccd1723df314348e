"""Media-stream building blocks: the auth token, G.711 and L16 codecs (checked against the
reference tables where Python still ships them), Telnyx's frames, and chunk reordering."""

from __future__ import annotations

import base64
import json
import time
import warnings

import numpy as np
import pytest

from telephony import media

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


def test_the_token_is_bound_to_its_call_and_short_lived(monkeypatch):
    token = media.stream_token("v3:call-1")
    assert media.stream_call(token) == "v3:call-1"
    assert media.stream_call(token.replace("v3:call-1", "v3:call-2")) is None  # bound to the call
    assert media.stream_call(token[:-2] + "xx") is None  # tampered signature
    assert media.stream_call("") is None and media.stream_call("x" * 600) is None
    later = time.time() + media.TOKEN_MAX_AGE + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert media.stream_call(token) is None  # too old


def test_the_stream_url_follows_the_public_address(settings):
    settings.PUBLIC_BASE_URL = "https://kalliky.example.com"
    assert media.stream_url("v3:a/b") == "wss://kalliky.example.com/ws/telnyx/media/?call=v3%3Aa%2Fb"


@pytest.mark.parametrize("name", ["PCMU", "PCMA"])
def test_g711_matches_the_reference_tables(name):
    audioop = pytest.importorskip("audioop")  # in the standard library until Python 3.12
    codec = media.CODECS[name]
    raw = ALL_SAMPLES.astype("<i2").tobytes()
    every_code = bytes(range(256))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        encode = audioop.lin2ulaw if name == "PCMU" else audioop.lin2alaw
        decode = audioop.ulaw2lin if name == "PCMU" else audioop.alaw2lin
        assert codec.encode(ALL_SAMPLES) == encode(raw, 2)
        assert codec.decode(every_code).tolist() == np.frombuffer(decode(every_code, 2), "<i2").tolist()


def test_known_g711_values_and_round_trips():
    pcmu, pcma, l16 = media.CODECS["PCMU"], media.CODECS["PCMA"], media.CODECS["L16"]
    assert pcmu.encode(np.array([0], np.int16)) == b"\xff"  # silence in μ-law
    assert pcma.encode(np.array([0], np.int16)) == b"\xd5"  # silence in A-law
    tone = (np.sin(np.arange(160) / 8) * 12000).astype(np.int16)
    for codec in (pcmu, pcma):
        back = codec.decode(codec.encode(tone))
        assert np.max(np.abs(back.astype(int) - tone)) < 12000 * 0.04  # G.711 keeps ~4 % at this level
    assert l16.decode(l16.encode(tone)).tolist() == tone.tolist()
    assert l16.encode(np.array([1], np.int16)) == b"\x00\x01"  # big-endian on the wire
    assert (pcmu.frame_bytes(), l16.frame_bytes()) == (160, 640)


def _media(chunk: int, payload: bytes = b"\xff" * 160, sequence: int | None = None) -> str:
    return json.dumps({
        "event": "media", "sequence_number": str(sequence or chunk + 2), "stream_id": "s1",
        "media": {"track": "inbound", "chunk": str(chunk), "timestamp": str(chunk * 20),
                  "payload": base64.b64encode(payload).decode()},
    })  # fmt: skip


def test_telnyx_frames_parse_into_typed_values():
    assert media.parse_frame('{"event":"connected","version":"1.0.0"}') == media.Connected("1.0.0")
    start = media.parse_frame(json.dumps({
        "event": "start", "sequence_number": "1", "stream_id": "s1",
        "start": {"call_control_id": "v3:c", "call_session_id": "x", "from": "+33611", "to": "+33100",
                  "client_state": "abc", "custom_parameters": {},
                  "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1}},
    }))  # fmt: skip
    assert start == media.Start("s1", "v3:c", "PCMU", 8000, 1, "abc")
    frame = media.parse_frame(_media(2))
    assert isinstance(frame, media.Media) and (frame.chunk, frame.sequence, len(frame.payload)) == (2, 4, 160)
    assert media.parse_frame('{"event":"dtmf","stream_id":"s1","dtmf":{"digit":"5"}}') == media.Dtmf(
        "s1", "5"
    )
    assert media.parse_frame('{"event":"mark","stream_id":"s1","mark":{"name":"t3"}}') == media.Mark(
        "s1", "t3"
    )
    assert media.parse_frame('{"event":"stop","stream_id":"s1"}') == media.Stop("s1")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"event":"media","stream_id":"s1","media":{"chunk":"1","payload":"AAAA"}}',  # no sequence
        '{"event":"media","sequence_number":"x","stream_id":"s1","media":{"chunk":"1","payload":"AA=="}}',
        '{"event":"media","sequence_number":"3","stream_id":"s1","media":{"chunk":"1","payload":"**"}}',
        '{"event":"start","stream_id":"s1","start":{}}',
        '{"event":"dtmf","stream_id":"s1","dtmf":{}}',
        '{"event":"somethingnew"}',
    ],
)
def test_malformed_frames_are_none(text):
    assert media.parse_frame(text) is None


def test_outgoing_messages():
    assert json.loads(media.media_message(b"\x00\xff")) == {"event": "media", "media": {"payload": "AP8="}}
    assert json.loads(media.clear_message()) == {"event": "clear"}
    assert json.loads(media.mark_message("turn-3")) == {"event": "mark", "mark": {"name": "turn-3"}}


def test_chunks_are_put_back_in_order_and_a_lost_one_is_given_up():
    reorder = media.Reorderer(window=3)

    def push(chunk: int) -> list[int]:
        return [m.chunk for m in reorder.push(media.parse_frame(_media(chunk)))]

    assert push(1) == [1]
    assert push(3) == []  # 2 is late: 3 waits
    assert push(2) == [2, 3]
    assert push(2) == []  # a duplicate
    assert push(5) == [] and push(6) == []
    assert push(7) == [5, 6, 7]  # 4 never came: given up once three later chunks wait
    assert (reorder.dropped, reorder.skipped) == (1, 1)
    assert push(4) == []  # too late now
    assert reorder.dropped == 2
