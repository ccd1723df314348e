"""The Telnyx media-stream simulator (tests/fakes/telnyx/media.py) against a WebSocket server run by the test:
frame shapes against the published samples, pacing, reordering, playback with marks and clear, the handshake,
the ways a stream ends, and the same through FakeTelnyx driven by the real SDK. Timing is only ever asserted
as a lower bound (a paced frame can be late, never early), so a loaded machine cannot make these flaky."""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import telnyx
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from telephony import media as app_media
from tests.fakes.telnyx import FakeCall, FakeTelnyx
from tests.fakes.telnyx.media import AUTH_HEADER, MediaStream
from tests.fakes.telnyx.speech import (
    cough_ulaw,
    linear_to_ulaw,
    silence_ulaw,
    speech_ulaw,
    tone_ulaw,
)
from tests.system_tools import needs_speech

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "telnyx"
CALLER = "+33612345678"
OUR_NUMBER = "+33184880001"
STATE = base64.b64encode(b'{"step":"greeting"}').decode()
SILENT_FRAME = b"\xff" * 160

needs_fixtures = pytest.mark.skipif(not (SHARED / "media").is_dir(), reason="shared fixtures not available")
needs_speech_tools = needs_speech


def sample(kind: str, name: str) -> dict[str, Any]:
    data = json.loads((SHARED / kind / f"{name}.json").read_text())
    return data.get("data", data) if kind == "webhooks" else data


# --- the app's side: a small WebSocket server that records what it gets -------------------------------------
class Peer:
    """One accepted connection: its request, every frame with its arrival time, how it closed."""

    def __init__(self, server: StreamServer, connection: ServerConnection) -> None:
        self.server = server
        self.connection = connection
        request = connection.request
        assert request is not None
        self.path = request.path
        self.headers = {name.lower(): value for name, value in request.headers.raw_items()}
        self.frames: list[tuple[float, str | bytes]] = []
        self.closed = False
        self.close_code: int | None = None

    def messages(self, event: str | None = None) -> list[dict[str, Any]]:
        with self.server.cond:
            parsed = [json.loads(raw) for _, raw in self.frames if _is_json_object(raw)]
        return [m for m in parsed if event is None or m.get("event") == event]

    def timed(self, event: str) -> list[tuple[float, dict[str, Any]]]:
        with self.server.cond:
            frames = list(self.frames)
        return [
            (t, json.loads(raw))
            for t, raw in frames
            if _is_json_object(raw) and json.loads(raw)["event"] == event
        ]

    def media_payload(self) -> bytes:
        return b"".join(base64.b64decode(m["media"]["payload"]) for m in self.messages("media"))

    def wait(self, predicate: Callable[[Peer], bool], timeout: float = 5.0) -> None:
        with self.server.cond:
            if not self.server.cond.wait_for(lambda: predicate(self), timeout=timeout):
                got = [m.get("event") for m in self.messages()][-10:]
                raise TimeoutError(
                    f"peer has {len(self.frames)} frames (last events {got}), closed={self.closed}"
                )

    def wait_event(self, event: str, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        self.wait(lambda peer: len(peer.messages(event)) >= count, timeout)
        return self.messages(event)[count - 1]

    def send(self, message: dict[str, Any] | str | bytes) -> None:
        self.connection.send(json.dumps(message) if isinstance(message, dict) else message)

    def play(self, audio: bytes) -> None:
        self.send({"event": "media", "media": {"payload": base64.b64encode(audio).decode()}})

    def mark(self, name: str) -> None:
        self.send({"event": "mark", "mark": {"name": name}})


def _is_json_object(raw: str | bytes) -> bool:
    if not isinstance(raw, str):
        return False
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


class StreamServer:
    """The app's media endpoint, reduced to recording; `refuse` answers the upgrade with that HTTP status."""

    def __init__(self, refuse: int | None = None) -> None:
        self.refuse = refuse
        self.cond = threading.Condition()
        self.peers: list[Peer] = []
        self.requests: list[dict[str, str]] = []  # headers of every upgrade request, refused ones included
        self._server = serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request, compression=None
        )
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/media/stream?call=1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        with self.cond:
            self.requests.append({name.lower(): value for name, value in request.headers.raw_items()})
            self.cond.notify_all()
        if self.refuse is not None:
            return connection.respond(HTTPStatus(self.refuse), "refused\n")
        return None

    def _handle(self, connection: ServerConnection) -> None:
        peer = Peer(self, connection)
        with self.cond:
            self.peers.append(peer)
            self.cond.notify_all()
        try:
            for raw in connection:
                with self.cond:
                    peer.frames.append((time.monotonic(), raw))
                    self.cond.notify_all()
        except ConnectionClosed:
            pass
        with self.cond:
            peer.closed = True
            peer.close_code = connection.close_code
            self.cond.notify_all()

    def wait_peer(self, index: int = 0, timeout: float = 5.0) -> Peer:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.peers) > index, timeout=timeout):
                raise TimeoutError(f"no connection #{index + 1} (requests: {len(self.requests)})")
            return self.peers[index]

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture
def server() -> Iterator[StreamServer]:
    app = StreamServer()
    yield app
    app.close()


@pytest.fixture
def streams() -> Iterator[list[MediaStream]]:
    opened: list[MediaStream] = []
    yield opened
    for stream in opened:
        stream.stop()
        assert not stream.internal_errors, stream.internal_errors


@pytest.fixture
def open_stream(server: StreamServer, streams: list[MediaStream]) -> Callable[..., MediaStream]:
    def opener(**kwargs: Any) -> MediaStream:
        options: dict[str, Any] = {
            "call_control_id": "v3:call-1",
            "call_session_id": "session-1",
            "from_": CALLER,
            "to": OUR_NUMBER,
            "client_state": STATE,
            "keepalive_silence": False,
        }
        stream = MediaStream(server.url, **{**options, **kwargs}).start()
        streams.append(stream)
        return stream.wait_connected()

    return opener


@pytest.fixture
def fake() -> Iterator[FakeTelnyx]:
    with FakeTelnyx() as server:  # no webhook_url: events are recorded, not posted
        yield server
        assert not server.internal_errors, server.internal_errors


@pytest.fixture
def client(fake: FakeTelnyx) -> telnyx.Telnyx:
    return telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)


def streaming_call(fake: FakeTelnyx, client: telnyx.Telnyx, url: str, **options: Any) -> FakeCall:
    call = fake.place_call(from_=CALLER, to=OUR_NUMBER)
    client.calls.actions.answer(call.call_control_id, client_state=STATE)
    client.calls.actions.start_streaming(call.call_control_id, stream_url=url, **options)
    return call


def payloads(call: FakeCall, event_type: str) -> list[dict[str, Any]]:
    return [e["data"]["payload"] for e in call.events if e["data"]["event_type"] == event_type]


# --- frame shapes ---------------------------------------------------------------------------------------
@needs_fixtures
def test_connected_and_start_follow_the_published_samples_and_carry_the_auth_token(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream(auth_token="secret-token")
    peer = server.wait_peer()
    peer.wait(lambda p: len(p.messages()) >= 2)
    connected, start = peer.messages()[:2]
    assert connected == sample("media", "connected")
    published = sample("media", "start")
    assert set(start) == set(published)
    assert set(published["start"]) - {"tags"} <= set(start["start"])  # tags: not simulated
    assert start["start"]["media_format"] == published["start"]["media_format"]
    assert (start["sequence_number"], start["stream_id"]) == ("1", stream.stream_id)
    fields = start["start"]
    assert (fields["call_control_id"], fields["call_session_id"]) == ("v3:call-1", "session-1")
    assert (fields["from"], fields["to"], fields["client_state"]) == (CALLER, OUR_NUMBER, STATE)
    assert fields["custom_parameters"] == {}
    assert peer.headers[AUTH_HEADER] == "secret-token"
    assert peer.path == "/media/stream?call=1"

    open_stream(encoding="PCMA")
    other = server.wait_peer(1)
    assert AUTH_HEADER not in other.headers  # no token in the command: no header
    assert other.wait_event("start")["start"]["media_format"]["encoding"] == "PCMA"


@needs_fixtures
def test_media_dtmf_mark_and_stop_follow_the_published_samples(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    assert stream.send_audio(tone_ulaw(40)) == 2
    stream.send_dtmf("1")
    peer.mark("idle")
    peer.wait_event("mark")
    stream.stop()
    peer.wait(lambda p: p.closed)

    shapes = {"media": sample("media", "media"), "dtmf": sample("media", "dtmf")}
    shapes |= {"mark": sample("media", "mark"), "stop": sample("media", "stop")}
    for event, published in shapes.items():
        ours = peer.messages(event)[0]
        assert set(ours) == set(published), event
        assert set(ours[event]) == set(published[event]), event
        assert isinstance(ours["sequence_number"], str) and ours["sequence_number"].isdigit()
    media = peer.messages("media")[0]["media"]
    assert media["track"] == "inbound" and (media["chunk"], media["timestamp"]) == ("1", "0")
    assert len(base64.b64decode(media["payload"])) == 160
    assert peer.messages("dtmf")[0]["dtmf"] == {"digit": "1"}
    assert peer.messages("stop")[0]["stop"]["call_control_id"] == "v3:call-1"
    sequence = [int(m["sequence_number"]) for m in peer.messages() if "sequence_number" in m]
    assert sequence == list(range(1, len(sequence) + 1))  # one counter over start, media, dtmf, mark, stop
    assert peer.close_code == 1000

    # The app's own parser reads every frame the simulator sends.
    kinds = [type(app_media.parse_frame(raw)).__name__ for _, raw in peer.frames]
    assert kinds == ["Connected", "Start", "Media", "Media", "Dtmf", "Mark", "Stop"]


# --- the caller's audio ------------------------------------------------------------------------------------
def test_one_second_of_audio_is_fifty_paced_frames_in_order(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    audio = tone_ulaw(1000)
    began = time.monotonic()
    assert stream.send_audio(audio) == 50
    elapsed = time.monotonic() - began
    peer.wait(lambda p: len(p.messages("media")) >= 50)
    media = [m["media"] for m in peer.messages("media")]
    assert [int(m["chunk"]) for m in media] == list(range(1, 51))
    assert [int(m["timestamp"]) for m in media] == list(range(0, 1000, 20))
    assert peer.media_payload() == audio
    assert stream.frames_sent == 50
    # Paced: frame n never leaves before t0 + n × 20 ms, and t0 is no earlier than the call.
    sent = [t for t, _, m in stream.sent if isinstance(m, dict) and m["event"] == "media"]
    assert all(t - began >= n * 0.020 for n, t in enumerate(sent))
    assert elapsed >= 0.98

    assert stream.send_audio(tone_ulaw(1000), realtime=False) == 50  # back to back, still numbered on
    peer.wait(lambda p: len(p.messages("media")) >= 100)
    assert [int(m["media"]["chunk"]) for m in peer.messages("media")][50:] == list(range(51, 101))


def test_keepalive_silence_fills_the_line_and_audio_takes_the_next_slots(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream(keepalive_silence=True)
    peer = server.wait_peer()
    stream.wait_for(lambda s: s.frames_sent >= 10)  # nobody sent anything: the line carries silence
    assert stream.send_silence(100) == 5
    stream.play_utterance(tone_ulaw(200), trailing_silence_ms=0)
    stream.wait_for(lambda s: s.frames_sent >= 40)
    peer.wait(lambda p: len(p.messages("media")) >= 40)
    media = [m["media"] for m in peer.messages("media")]
    assert [int(m["chunk"]) for m in media] == list(range(1, len(media) + 1))  # one unbroken run
    tone = [int(m["chunk"]) for m in media if base64.b64decode(m["payload"]) != SILENT_FRAME]
    assert len(tone) == 10 and tone == list(range(tone[0], tone[0] + 10))
    assert tone[0] > 15  # after 10+ keepalive frames and the 5 explicit silent ones


def test_reorder_swaps_adjacent_frames_but_delivers_every_chunk(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    audio = tone_ulaw(1000, hz=300)
    assert stream.send_audio(audio, reorder=True) == 50
    peer.wait(lambda p: len(p.messages("media")) >= 50)
    media = peer.messages("media")
    chunks = [int(m["media"]["chunk"]) for m in media]
    assert chunks != sorted(chunks) and sorted(chunks) == list(range(1, 51))
    assert stream.reordered == [(n + 1, n) for n in range(2, 50, 5)]
    for m in media:  # a swapped frame keeps its own numbers: sequence and timestamp follow its chunk
        chunk = int(m["media"]["chunk"])
        assert (int(m["sequence_number"]), int(m["media"]["timestamp"])) == (chunk + 1, (chunk - 1) * 20)
    by_chunk = sorted(media, key=lambda m: int(m["media"]["chunk"]))
    assert b"".join(base64.b64decode(m["media"]["payload"]) for m in by_chunk) == audio


def test_dtmf_and_raw_frames(server: StreamServer, open_stream: Callable[..., MediaStream]) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    stream.send_raw('{"event": "media", "media": ')  # cut short
    stream.send_raw(b"\x00\x01binary")
    stream.send_dtmf("#")
    stream.send_audio(tone_ulaw(20))
    peer.wait(lambda p: len(p.messages("media")) == 1)
    raws = [raw for _, raw in peer.frames]
    assert raws[2:4] == ['{"event": "media", "media": ', b"\x00\x01binary"]
    dtmf = peer.messages("dtmf")[0]
    assert dtmf["dtmf"] == {"digit": "#"} and dtmf["stream_id"] == stream.stream_id
    assert dtmf["occurred_at"].endswith("Z")
    assert int(peer.messages("media")[0]["sequence_number"]) == int(dtmf["sequence_number"]) + 1
    with pytest.raises(ValueError):
        stream.send_dtmf("x")


# --- the app's audio: playback, marks, clear ----------------------------------------------------------------
def test_a_mark_is_echoed_once_the_audio_before_it_has_played(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream(keepalive_silence=True)
    peer = server.wait_peer()
    first, second = tone_ulaw(400), tone_ulaw(200, hz=600)
    sent_at = time.monotonic()
    peer.play(first)
    peer.mark("first")
    peer.play(second)
    peer.mark("second")
    stream.wait_playing()
    echoes = [peer.wait_event("mark", count) for count in (1, 2)]
    stream.wait_for(lambda s: len(s.marks_echoed) == 2)  # recorded just after the write
    assert [e["mark"]["name"] for e in echoes] == ["first", "second"]
    assert all(e["stream_id"] == stream.stream_id and e["sequence_number"].isdigit() for e in echoes)
    arrivals = [t for t, _ in peer.timed("mark")]
    assert arrivals[0] - sent_at >= 0.38 and arrivals[1] - sent_at >= 0.58  # not before the audio played
    assert [(name, played) for _, _, name, played in stream.marks_echoed] == [("first", 400), ("second", 600)]
    assert bytes(stream.played) == first + second

    stream.wait_quiet(100)
    assert not stream.playing
    peer.mark("idle")  # nothing queued: echoed at once
    peer.wait_event("mark", 3)
    stream.wait_for(lambda s: len(s.marks_echoed) == 3)
    (frames_then,) = [frames for _, frames, m in stream.received if m.get("mark", {}).get("name") == "idle"]
    _, frames_at_echo, name, played = stream.marks_echoed[2]
    assert (name, played) == ("idle", 600)
    assert frames_at_echo - frames_then <= 1  # the echo jumped the queue of caller frames


def test_clear_drops_unplayed_audio_and_echoes_queued_marks(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream(keepalive_silence=True)
    peer = server.wait_peer()
    peer.play(tone_ulaw(2000))
    peer.mark("end-of-prompt")
    stream.wait_playing()
    stream.wait_for(lambda s: s.played_ms >= 100)
    peer.send({"event": "clear"})
    echo = peer.wait_event("mark")
    assert echo["mark"]["name"] == "end-of-prompt"
    stream.wait_for(lambda s: not s.playing and len(s.marks_echoed) == 1)
    ((_, _, played_at_clear),) = stream.clears
    assert 100 <= played_at_clear < 2000 and stream.played_ms == played_at_clear
    assert stream.marks_echoed[0][2:] == ("end-of-prompt", played_at_clear)

    peer.play(tone_ulaw(100))  # playback carries on after a clear
    stream.wait_for(lambda s: s.played_ms == played_at_clear + 100)


def test_malformed_frames_from_the_app_are_recorded_and_the_stream_goes_on(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    peer.send("not json")
    peer.send({"event": "media", "media": {"payload": "***"}})
    peer.send(b"\x01\x02")
    peer.play(tone_ulaw(60))
    stream.wait_for(lambda s: s.played_ms == 60)
    assert [raw for _, _, raw in stream.malformed][0::2] == ["not json", b"\x01\x02"]
    assert len(stream.malformed) == 3 and [m["event"] for m in stream.received_events()] == ["media", "media"]
    with pytest.raises(TimeoutError, match="for more audio;.*received=2 played_ms=60"):
        stream.wait_for(lambda s: s.played_ms > 60, 0.05, what="more audio")  # a timeout tells the state


# --- how a stream ends --------------------------------------------------------------------------------------
def test_the_server_closing_first_is_recorded(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream(keepalive_silence=True)
    peer = server.wait_peer()
    peer.connection.close(1011, "app error")
    stream.wait_ended()
    assert stream.closed_by_server and stream.close_code == 1011
    assert stream.sent_events("stop") == []  # nothing to say on a closed socket
    with pytest.raises(RuntimeError):
        stream.send_audio(tone_ulaw(20))


def test_our_stop_is_not_a_server_close(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    stream.stop()
    assert stream.ended and not stream.closed_by_server and stream.close_code == 1000
    peer.wait(lambda p: p.closed)
    assert peer.messages()[-1]["event"] == "stop"


def test_an_unreachable_url_fails_fast() -> None:
    stream = MediaStream("ws://127.0.0.1:9/nothing-listens", open_timeout=2.0).start()
    with pytest.raises(ConnectionError, match="connection failed"):
        stream.wait_connected()
    assert stream.ended and stream.refused is None and not stream.aborted


# --- through FakeTelnyx and the SDK -------------------------------------------------------------------------
def test_streaming_start_connects_the_call_to_the_app(
    fake: FakeTelnyx, client: telnyx.Telnyx, server: StreamServer
) -> None:
    call = streaming_call(fake, client, server.url, stream_auth_token="tok-1", stream_codec="PCMU")
    stream = call.wait_for_stream()
    peer = server.wait_peer()
    start = peer.wait_event("start")["start"]
    assert (start["call_control_id"], start["call_session_id"]) == (
        call.call_control_id,
        call.call_session_id,
    )
    assert (start["from"], start["to"], start["client_state"]) == (CALLER, OUR_NUMBER, STATE)
    assert peer.headers[AUTH_HEADER] == "tok-1"
    fake.drain()
    assert call.event_types == ["call.initiated", "call.answered", "streaming.started"]
    (started,) = payloads(call, "streaming.started")
    assert (started["stream_url"], started["stream_id"]) == (server.url, stream.stream_id)
    assert call.summary()["stream"]["connected"] is True

    # The caller talks and presses a key; the app plays a prompt back.
    words = tone_ulaw(200)
    stream.play_utterance(words, trailing_silence_ms=100)
    peer.wait(lambda p: words + SILENT_FRAME * 5 in p.media_payload())
    call.press("5")  # call.dtmf.received and a dtmf frame
    assert peer.wait_event("dtmf")["dtmf"]["digit"] == "5"
    peer.play(tone_ulaw(100))
    stream.wait_for(lambda s: s.played_ms == 100)

    client.calls.actions.stop_streaming(call.call_control_id)
    fake.drain()  # waits for the stream to report its end
    assert stream.ended and call.streaming is None
    assert call.event_types[-2:] == ["call.dtmf.received", "streaming.stopped"]
    peer.wait(lambda p: p.closed)
    assert peer.messages()[-1]["event"] == "stop" and peer.close_code == 1000
    if (SHARED / "webhooks").is_dir():
        for event_type in ("streaming.started", "streaming.stopped"):
            published = set(sample("webhooks", event_type)["payload"])
            assert published <= set(payloads(call, event_type)[0]), event_type


@pytest.mark.parametrize("who", ["caller", "app"])
def test_hang_up_sends_stop_and_closes(
    fake: FakeTelnyx, client: telnyx.Telnyx, server: StreamServer, who: str
) -> None:
    fake.stream_keepalive_silence = False
    call = fake.place_call()
    client.calls.actions.answer(call.call_control_id, stream_url=server.url)  # streaming from the answer
    stream = call.wait_for_stream()
    peer = server.wait_peer()
    if who == "caller":
        call.hang_up()
    else:
        client.calls.actions.hangup(call.call_control_id)
    fake.drain()
    peer.wait(lambda p: p.closed)
    assert [m["event"] for m in peer.messages()] == ["connected", "start", "stop"]
    assert peer.close_code == 1000 and not stream.closed_by_server
    assert call.event_types[-2:] == ["call.hangup", "streaming.stopped"]


def test_the_app_closing_the_socket_stops_the_stream(
    fake: FakeTelnyx, client: telnyx.Telnyx, server: StreamServer
) -> None:
    call = streaming_call(fake, client, server.url)
    stream = call.wait_for_stream()
    server.wait_peer().connection.close(1000)
    call.wait_for(lambda c: "streaming.stopped" in c.event_types)
    assert stream.closed_by_server and stream.close_code == 1000 and call.state == "answered"
    assert call.streaming is None


@needs_fixtures
def test_a_refused_handshake_is_recorded_and_reported(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    refusing = StreamServer(refuse=403)
    try:
        call = streaming_call(fake, client, refusing.url, stream_auth_token="stale")
        fake.drain()
        stream = call.stream
        assert stream is not None and stream.refused == 403 and "403" in (stream.error or "")
        assert not stream.connected and refusing.requests[0][AUTH_HEADER] == "stale"
        assert call.event_types == ["call.initiated", "call.answered", "streaming.failed"]
        (failed,) = payloads(call, "streaming.failed")
        assert (failed["failure_reason"], failed["stream_id"]) == ("connection_failed", stream.stream_id)
        assert failed["stream_url"] == refusing.url
        assert set(sample("webhooks", "streaming.failed")["payload"]) <= set(failed)
        with pytest.raises(ConnectionError, match="403"):
            call.wait_for_stream(timeout=1)
    finally:
        refusing.close()


def test_a_new_streaming_start_replaces_the_running_stream(
    fake: FakeTelnyx, client: telnyx.Telnyx, server: StreamServer
) -> None:
    call = streaming_call(fake, client, server.url)
    first = call.wait_for_stream()
    client.calls.actions.start_streaming(call.call_control_id, stream_url=server.url)
    second = call.wait_for_stream()
    fake.drain()
    assert first is not second and first.ended and not second.ended and call.streams == [first, second]
    # The old stream's end and the new one's start race each other, as they would at Telnyx.
    streaming = sorted(e for e in call.event_types if e.startswith("streaming."))
    assert streaming == ["streaming.started", "streaming.started", "streaming.stopped"]
    assert [p["stream_id"] for p in payloads(call, "streaming.stopped")] == [first.stream_id]


# --- caller audio helpers -----------------------------------------------------------------------------------
def test_tone_and_silence_are_g711_ulaw() -> None:
    assert silence_ulaw(20) == SILENT_FRAME
    tone = tone_ulaw(100, hz=440)
    assert len(tone) == 800 and len(set(tone)) > 10
    sine = [int(8000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(800)]
    samples = np.array(sine, dtype=np.int16)
    assert tone == app_media.CODECS["PCMU"].encode(samples)  # bit-exact with the app's codec table
    every = np.arange(-32768, 32768, 7, dtype=np.int16)
    assert bytes(linear_to_ulaw(int(x)) for x in every) == app_media.CODECS["PCMU"].encode(every)


@needs_speech_tools
def test_speech_is_cached_ulaw_at_8_khz() -> None:
    english = speech_ulaw("Hello, I would like to order a pizza please")
    assert 1.0 < len(english) / 8000 < 6.0  # seconds of speech, not of silence or of a long WAV header
    assert speech_ulaw("Hello, I would like to order a pizza please") is english  # cached
    french = speech_ulaw("Bonjour, je voudrais une pizza", "fr", speed=150)
    assert french != english and len(french) > 8000
    loud = np.abs(app_media.CODECS["PCMU"].decode(english).astype(np.int32))
    assert loud.max() > 3000 and (loud > 500).mean() > 0.2  # a voice, not near-silence


@needs_speech_tools
def test_cough_is_a_short_decaying_burst() -> None:
    cough = cough_ulaw()
    assert 1900 <= len(cough) <= 2100  # ~250 ms
    level = np.abs(app_media.CODECS["PCMU"].decode(cough).astype(np.int32))
    assert level[:800].mean() > 1000 and level[:800].mean() > 4 * level[-400:].mean()  # onset, then a fade


@needs_speech_tools
def test_an_utterance_goes_down_the_stream_verbatim(
    server: StreamServer, open_stream: Callable[..., MediaStream]
) -> None:
    stream = open_stream()
    peer = server.wait_peer()
    words = speech_ulaw("Table for two at eight")
    stream.play_utterance(words, trailing_silence_ms=200)
    frames = -(-len(words) // 160) + 10
    peer.wait(lambda p: len(p.messages("media")) >= frames)
    received = peer.media_payload()
    assert received.startswith(words) and received[len(words) :] == b"\xff" * (frames * 160 - len(words))
