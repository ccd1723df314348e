"""Telnyx's end of a call's media stream (bidirectional, rtp mode): a WebSocket *client* that connects to the
app's `stream_url`, sends the caller's audio in real time and plays back the audio the app sends.

Handshake: a plain WebSocket upgrade to `stream_url`, with header `x-telnyx-streaming-auth-token: <token>`
when the command carried `stream_auth_token`. A refused upgrade (HTTP 403, …) or no connection at all is a
failed stream (`error`, `refused` = the status), which the call reports as streaming.failed.

Telnyx → app (text frames, JSON, numbers as strings as in /work/shared/fixtures/telnyx/media/):
    {"event":"connected","version":"1.0.0"}
    {"event":"start","sequence_number":"1","stream_id":…,"start":{"user_id","call_control_id",
        "call_session_id","from","to","client_state","custom_parameters":{},
        "media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}}}
    {"event":"media","sequence_number":"N","stream_id":…,"media":{"track":"inbound","chunk":"K",
        "timestamp":"T","payload":"<base64 of 160 bytes of PCMU>"}}       one per 20 ms, 50 a second
    {"event":"dtmf","stream_id":…,"occurred_at":…,"sequence_number":"N","dtmf":{"digit":"1"}}
    {"event":"mark","sequence_number":"N","stream_id":…,"mark":{"name":…}}   the echo of the app's mark
    {"event":"stop","sequence_number":"N","stream_id":…,"stop":{"user_id","call_control_id"}}
app → Telnyx:
    {"event":"media","media":{"payload":"<base64 PCMU>"}}   queued, then played at 8 bytes a millisecond
    {"event":"mark","mark":{"name":…}}    echoed once the audio queued before it has played (at once if none)
    {"event":"clear"}                     drops the unplayed audio; queued marks are echoed at once

sequence_number counts every frame after `connected` (start is 1), chunk counts media frames from 1 and
timestamp is the chunk's media time in ms ((chunk - 1) × 20). Unverified: the exact timestamp origin (the
published sample has chunk 2 at timestamp 5), the failure_reason of a refused handshake, what Telnyx does
when the app closes first. The outbound track (both_tracks) and the mp3 bidirectional mode are not simulated:
every media frame is track "inbound" and the app's audio is taken as raw codec bytes.

Threads: one sender thread connects, then owns every write to the socket: the caller's frames leave on an
absolute 20 ms schedule (frame n at t0 + n × 20 ms, no drift), control frames (dtmf, mark echoes, raw text,
stop) as soon as they are queued. A receiver thread reads the app's frames; a playback thread is Telnyx's
playback clock. Tests call send_audio() & co. from their own thread: those only queue and (by default) wait.
The stream's state sits behind its own lock; the callbacks into the call (on_opened, on_closed) are made
without it, so the fake's lock may be taken there and the fake may call request_stop() with its lock held.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

FRAME_MS = 20
FRAME_SECONDS = FRAME_MS / 1000
FRAME_BYTES = 160  # 20 ms of 8 kHz μ-law
BYTES_PER_SECOND = 8000
SILENCE = 0xFF  # μ-law code of a zero sample
FAILURE_REASON = "connection_failed"  # the only value of the published streaming.failed sample
AUTH_HEADER = "x-telnyx-streaming-auth-token"
DTMF_DIGITS = "0123456789*#ABCD"
REORDER_EVERY = 5  # with reorder=True, frames 1↔2, 6↔7, 11↔12, … of a send leave swapped
_RESYNC_AFTER = 0.2  # s behind schedule (a stalled process) after which pacing restarts instead of bursting
_POLL = 0.02  # s between re-checks of time-based wait predicates

Message = dict[str, Any]


@dataclass
class _Frame:
    payload: bytes
    paced: bool
    keepalive: bool = False
    swap: bool = False
    numbers: tuple[int, int] | None = None  # (sequence_number, chunk) once given out


@dataclass(frozen=True)
class _Control:
    kind: str  # "dtmf", "mark" (an echo) or "raw"
    value: str | bytes
    played_ms: int = 0  # for an echo: how much had played when its turn came


class MediaStream:
    """One media stream. Create, start(), then drive the caller's side; every record is safe to read anytime.

    Records (monotonic times; `frames_sent` is the number of media frames sent when the thing happened):
    received [(t, frames_sent, message)], malformed [(t, frames_sent, raw)] (frames from the app that were
    not JSON objects, or media whose payload was not base64), sent [(t, frames_sent, message or raw)],
    played (bytearray), played_ms, clears [(t, frames_sent, played_ms)], marks_echoed
    [(t, frames_sent, name, played_ms)], reordered [(chunk sent first, chunk sent second)], frames_sent,
    playing, connected (handshake done, `start` sent, on_opened called), ended, error, refused (HTTP status),
    aborted (stopped before it connected), closed_by_server, close_code.
    """

    def __init__(
        self,
        url: str,
        *,
        stream_id: str | None = None,
        auth_token: str | None = None,
        encoding: str = "PCMU",
        track: str = "inbound_track",
        call_control_id: str = "",
        call_session_id: str = "",
        from_: str = "",
        to: str = "",
        client_state: str | None = None,
        user_id: str | None = None,
        keepalive_silence: bool = True,
        open_timeout: float = 5.0,
        on_opened: Callable[[MediaStream, bool], None] | None = None,
        on_closed: Callable[[MediaStream], None] | None = None,
        on_error: Callable[[MediaStream, BaseException], None] | None = None,
    ) -> None:
        self.url = url
        self.stream_id = stream_id or str(uuid.uuid4())
        self.auth_token = auth_token
        self.encoding = encoding
        self.track = track  # the stream_track asked for; every frame says "inbound" whatever it is
        self.call_control_id = call_control_id
        self.call_session_id = call_session_id
        self.from_ = from_
        self.to = to
        self.client_state = client_state
        self.user_id = user_id or str(uuid.uuid4())
        self.keepalive_silence = keepalive_silence
        self.open_timeout = open_timeout
        self.request_headers = {AUTH_HEADER: auth_token} if auth_token else {}
        self._on_opened = on_opened
        self._on_closed = on_closed
        self._on_error = on_error
        self._cond = threading.Condition()  # an RLock: predicates passed to wait_for may read properties
        self._thread: threading.Thread | None = None
        # outcome
        self._connected = False
        self._ended = False
        self.error: str | None = None
        self.refused: int | None = None
        self.aborted = False
        self.closed_by_server = False
        self.close_code: int | None = None
        self.internal_errors: list[BaseException] = []
        # sending
        self._audio: deque[_Frame] = deque()
        self._held: deque[_Frame] = deque()  # the earlier frame of a swapped pair, due at the next slot
        self._controls: deque[_Control] = deque()
        self._stop_requested = False
        self._socket_closed = False
        self._closing = False  # our stop went out: a close after that is not the server's doing
        self._sequence = 1  # `start` is 1
        self._chunk = 0
        self._audio_queued = 0
        self._audio_written = 0
        self._controls_queued = 0
        self._controls_written = 0
        self._frames_sent = 0
        self._sent: list[tuple[float, int, Message | str | bytes]] = []
        self._reordered: list[tuple[int, int]] = []
        # receiving and playback
        self._received: list[tuple[float, int, Message]] = []
        self._malformed: list[tuple[float, int, str | bytes]] = []
        self._playback: deque[bytearray | str] = deque()  # audio to play and mark names, in arrival order
        self._played = bytearray()
        self._tick: float | None = None  # when the next slice of audio starts playing
        self._playing_until = time.monotonic()  # end of the audio played so far
        self._clears: list[tuple[float, int, int]] = []
        self._marks_echoed: list[tuple[float, int, str, int]] = []

    def __repr__(self) -> str:
        return f"<MediaStream {self.stream_id} → {self.url} {self._state()}>"

    # --- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> MediaStream:
        """Connect and run, on the stream's own thread (returns at once)."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"media-{self.stream_id[:8]}", daemon=True
                )
                self._thread.start()
        return self

    def __enter__(self) -> MediaStream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def request_stop(self) -> None:
        """Ask the stream to send `stop` and close; never blocks (callable with the fake's lock held)."""
        with self._cond:
            self._stop_requested = True
            if self._thread is None:
                self._ended = True
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        """Send `stop`, close the socket and wait for the stream's threads (the caller ending the stream)."""
        self.request_stop()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # --- the caller's side ---------------------------------------------------------------------------
    def send_audio(
        self, ulaw: bytes, *, realtime: bool = True, reorder: bool = False, wait: bool = True
    ) -> int:
        """Send μ-law audio as 160-byte media frames (the last one padded with silence). `realtime` paces
        them at 20 ms; otherwise they leave back to back. `reorder` swaps some adjacent frames (still paced).
        With `wait`, returns once they are all written (or the stream ended): the number of them written."""
        frames = [
            ulaw[i : i + FRAME_BYTES].ljust(FRAME_BYTES, bytes([SILENCE]))
            for i in range(0, len(ulaw), FRAME_BYTES)
        ]
        with self._cond:
            self._check_open()
            for index, payload in enumerate(frames):
                swap = reorder and index % REORDER_EVERY == 1 and index + 1 < len(frames)
                self._audio.append(_Frame(payload, paced=realtime, swap=swap))
            self._audio_queued += len(frames)
            target = self._audio_queued
            self._cond.notify_all()
        if not wait:
            return 0
        budget = len(frames) * FRAME_SECONDS + self.open_timeout + 5.0
        self.wait_for(
            lambda s: s._audio_written >= target or s._ended, budget, what=f"{len(frames)} frames sent"
        )
        with self._cond:
            return max(0, min(len(frames), self._audio_written - (target - len(frames))))

    def send_silence(self, ms: int, *, wait: bool = True) -> int:
        return self.send_audio(bytes([SILENCE]) * (ms * BYTES_PER_SECOND // 1000), wait=wait)

    def play_utterance(self, ulaw: bytes, trailing_silence_ms: int = 800, *, wait: bool = True) -> int:
        """An utterance then silence, in one paced run: what a VAD needs to see the end of a turn."""
        tail = bytes([SILENCE]) * (trailing_silence_ms * BYTES_PER_SECOND // 1000)
        return self.send_audio(ulaw + tail, wait=wait)

    def send_dtmf(self, digit: str, *, wait: bool = True) -> None:
        if len(digit) != 1 or digit not in DTMF_DIGITS:
            raise ValueError(f"not a DTMF digit: {digit!r}")
        self._queue_control(_Control("dtmf", digit), wait)

    def send_raw(self, text: str | bytes, *, wait: bool = True) -> None:
        """Send one frame as is (bytes: a binary frame), e.g. malformed JSON to see the app survive it."""
        self._queue_control(_Control("raw", text), wait)

    # --- records -------------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        with self._cond:
            return self._connected

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended

    @property
    def frames_sent(self) -> int:
        with self._cond:
            return self._frames_sent

    @property
    def sent(self) -> list[tuple[float, int, Message | str | bytes]]:
        with self._cond:
            return list(self._sent)

    @property
    def received(self) -> list[tuple[float, int, Message]]:
        with self._cond:
            return list(self._received)

    @property
    def malformed(self) -> list[tuple[float, int, str | bytes]]:
        with self._cond:
            return list(self._malformed)

    @property
    def played(self) -> bytearray:
        with self._cond:
            return bytearray(self._played)

    @property
    def played_ms(self) -> int:
        with self._cond:
            return len(self._played) * 1000 // BYTES_PER_SECOND

    @property
    def playing(self) -> bool:
        """Audio is queued or being played right now."""
        with self._cond:
            queued = any(isinstance(item, bytearray) for item in self._playback)
            return not self._ended and (queued or time.monotonic() < self._playing_until)

    @property
    def clears(self) -> list[tuple[float, int, int]]:
        with self._cond:
            return list(self._clears)

    @property
    def marks_echoed(self) -> list[tuple[float, int, str, int]]:
        with self._cond:
            return list(self._marks_echoed)

    @property
    def reordered(self) -> list[tuple[int, int]]:
        with self._cond:
            return list(self._reordered)

    def received_events(self, event: str | None = None) -> list[Message]:
        """The app's frames (parsed), optionally only those of one `event`."""
        with self._cond:
            return [m for _, _, m in self._received if event is None or m.get("event") == event]

    def sent_events(self, event: str | None = None) -> list[Message]:
        with self._cond:
            return [
                m
                for _, _, m in self._sent
                if isinstance(m, dict) and (event is None or m.get("event") == event)
            ]

    def summary(self) -> dict[str, Any]:
        with self._cond:
            return {
                "stream_id": self.stream_id,
                "stream_url": self.url,
                "connected": self._connected,
                "ended": self._ended,
                "error": self.error,
                "refused": self.refused,
                "frames_sent": self._frames_sent,
                "played_ms": len(self._played) * 1000 // BYTES_PER_SECOND,
                "playing": self.playing,
                "received": len(self._received),
                "closed_by_server": self.closed_by_server,
                "close_code": self.close_code,
            }

    # --- waiting -------------------------------------------------------------------------------------
    def wait_for(
        self, predicate: Callable[[MediaStream], bool], timeout: float = 5.0, *, what: str | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    wanted = what or getattr(predicate, "__name__", "the condition")
                    raise TimeoutError(f"waited {timeout:g}s for {wanted}; {self!r}")
                # Woken by every change, and regularly for predicates that depend on the clock.
                self._cond.wait(min(remaining, _POLL))

    def wait_connected(self, timeout: float = 5.0) -> MediaStream:
        self.wait_for(lambda s: s._connected or s._ended, timeout, what="the stream to connect")
        if not self.connected:
            raise ConnectionError(f"media stream to {self.url} did not connect: {self.error or 'stopped'}")
        return self

    def wait_playing(self, timeout: float = 5.0) -> None:
        self.wait_for(lambda s: s.playing, timeout, what="playback to start")

    def wait_quiet(self, ms: int = 500, timeout: float = 10.0) -> None:
        """Until nothing has played for `ms` (counted from the stream's creation if nothing ever played)."""
        self.wait_for(
            lambda s: not s.playing and time.monotonic() - s._playing_until >= ms / 1000,
            timeout,
            what=f"{ms} ms without playback",
        )

    def wait_ended(self, timeout: float = 5.0) -> None:
        self.wait_for(lambda s: s._ended, timeout, what="the stream to end")

    # --- internals: queueing -------------------------------------------------------------------------
    def _state(self) -> str:
        with self._cond:
            state = "ended" if self._ended else "connected" if self._connected else "connecting"
            return (
                f"{state}; error={self.error!r} refused={self.refused} frames_sent={self._frames_sent} "
                f"received={len(self._received)} played_ms={len(self._played) * 1000 // BYTES_PER_SECOND} "
                f"closed_by_server={self.closed_by_server} close_code={self.close_code}"
            )

    def _check_open(self) -> None:
        if self._ended or self._stop_requested:
            raise RuntimeError(f"media stream {self.stream_id} has ended ({self.error or 'stopped'})")

    def _queue_control(self, control: _Control, wait: bool) -> None:
        with self._cond:
            self._check_open()
            self._controls.append(control)
            self._controls_queued += 1
            target = self._controls_queued
            self._cond.notify_all()
        if wait:
            budget = self.open_timeout + 5.0
            self.wait_for(lambda s: s._controls_written >= target or s._ended, budget, what="a frame sent")

    def _echo(self, name: str) -> None:
        """Queue a mark's echo (lock held)."""
        self._controls.append(_Control("mark", name, len(self._played) * 1000 // BYTES_PER_SECOND))
        self._controls_queued += 1
        self._cond.notify_all()

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _number(self) -> tuple[int, int]:
        self._chunk += 1
        return self._next_sequence(), self._chunk

    # --- internals: the sender thread ----------------------------------------------------------------
    def _run(self) -> None:
        opened = False
        ws: ClientConnection | None = None
        playback: threading.Thread | None = None
        try:
            ws = self._open()
            if ws is None:
                return
            receiver = threading.Thread(target=self._receive, args=(ws,), name="media-recv", daemon=True)
            playback = threading.Thread(target=self._play, name="media-play", daemon=True)
            receiver.start()
            playback.start()
            opened = True
            if self._on_opened is not None:
                self._on_opened(self, True)
            with self._cond:  # only now: whoever waited for the connection finds streaming.started emitted
                self._connected = True
                self._cond.notify_all()
            try:
                self._send_loop(ws)
                self._close(ws)
            except ConnectionClosed:
                ws.close()  # the server closed first; the receiver records how
            receiver.join(5.0)
        except Exception as exc:  # a bug in the simulator: surface it, end the stream cleanly
            self._crashed(exc)
            if ws is not None:
                ws.close()
        finally:
            with self._cond:
                self._ended = True
                self._audio.clear()
                self._held.clear()
                self._cond.notify_all()
            if playback is not None:
                playback.join(5.0)
            if opened:
                if self._on_closed is not None:
                    self._on_closed(self)
            elif self._on_opened is not None:
                self._on_opened(self, False)

    def _open(self) -> ClientConnection | None:
        try:
            ws = connect(
                self.url,
                additional_headers=self.request_headers or None,
                open_timeout=self.open_timeout,
                close_timeout=2.0,
                compression=None,
                proxy=None,  # a proxy from the environment must not stand between Telnyx and a local app
                max_size=4 * 1024 * 1024,  # the app may send up to 30 s of audio in one message
            )
        except InvalidStatus as exc:
            self._fail(f"handshake refused: HTTP {exc.response.status_code}", exc.response.status_code)
            return None
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            self._fail(f"connection failed: {exc!r}")
            return None
        with self._cond:
            if self._stop_requested:  # the call ended while we were connecting: never start
                self.aborted = True
                self._ended = True
        if self.aborted:
            ws.close()
            return None
        start = {
            "event": "start",
            "sequence_number": "1",
            "stream_id": self.stream_id,
            "start": {
                "user_id": self.user_id,
                "call_control_id": self.call_control_id,
                "call_session_id": self.call_session_id,
                "from": self.from_,
                "to": self.to,
                "client_state": self.client_state,
                "custom_parameters": {},
                "media_format": {"encoding": self.encoding, "sample_rate": 8000, "channels": 1},
            },
        }
        try:
            for message in ({"event": "connected", "version": "1.0.0"}, start):
                self._write(ws, message)
        except ConnectionClosed as exc:
            ws.close()
            self._fail(f"closed during the start: {exc!r}")
            return None
        return ws

    def _fail(self, error: str, status: int | None = None) -> None:
        with self._cond:
            self.error = error
            self.refused = status
            self.aborted = self._stop_requested  # a call that ended meanwhile reports no failure
            self._ended = True
            self._cond.notify_all()

    def _crashed(self, exc: BaseException) -> None:
        with self._cond:
            self.internal_errors.append(exc)
            self.error = self.error or f"internal error: {exc!r}"
        if self._on_error is not None:
            self._on_error(self, exc)

    def _write(self, ws: ClientConnection, message: Message | str | bytes, *, media: bool = False) -> None:
        ws.send(json.dumps(message) if isinstance(message, dict) else message)
        with self._cond:
            if media:
                self._frames_sent += 1
            self._sent.append((time.monotonic(), self._frames_sent, message))
            self._cond.notify_all()

    def _send_loop(self, ws: ClientConnection) -> None:
        next_due: float | None = None
        idle = True
        while True:
            control: _Control | None = None
            frame: _Frame | None = None
            with self._cond:
                while True:
                    if self._socket_closed:
                        return
                    if self._controls:
                        control = self._controls.popleft()
                        break
                    if self._stop_requested:
                        return
                    now = time.monotonic()
                    head = self._held[0] if self._held else self._audio[0] if self._audio else None
                    if head is not None and not head.paced:
                        frame = self._take()
                        next_due = now + FRAME_SECONDS  # paced frames resume one frame after the burst
                        break
                    if head is None and not self.keepalive_silence:
                        idle = True
                        self._cond.wait()
                        continue
                    if next_due is None or (idle and next_due < now) or now - next_due > _RESYNC_AFTER:
                        next_due = now  # a new schedule: after a pause, or after a stall too long to catch up
                    idle = False
                    if now < next_due:
                        self._cond.wait(next_due - now)
                        continue
                    frame = (
                        self._take()
                        if head is not None
                        else _Frame(bytes([SILENCE]) * FRAME_BYTES, True, True)
                    )
                    next_due += FRAME_SECONDS
                    break
                if frame is not None and frame.numbers is None:
                    frame.numbers = self._number()
                message = self._control_message(control) if control is not None else None
            if control is not None:
                self._send_control(ws, control, message)
            elif frame is not None:
                self._send_frame(ws, frame)

    def _take(self) -> _Frame:
        """The next frame of the caller's audio (lock held); hands out the numbers of a swapped pair."""
        if self._held:
            return self._held.popleft()
        frame = self._audio.popleft()
        if frame.swap and self._audio:
            partner = self._audio.popleft()
            frame.numbers, partner.numbers = self._number(), self._number()
            self._held.append(frame)
            self._reordered.append((partner.numbers[1], frame.numbers[1]))
            return partner
        return frame

    def _control_message(self, control: _Control) -> Message | str | bytes:
        if control.kind == "raw":
            return control.value
        sequence = str(self._next_sequence())
        if control.kind == "dtmf":
            occurred = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return {
                "event": "dtmf",
                "stream_id": self.stream_id,
                "occurred_at": occurred,
                "sequence_number": sequence,
                "dtmf": {"digit": control.value},
            }
        return {
            "event": "mark",
            "sequence_number": sequence,
            "stream_id": self.stream_id,
            "mark": {"name": control.value},
        }

    def _send_control(
        self, ws: ClientConnection, control: _Control, message: Message | str | bytes | None
    ) -> None:
        assert message is not None
        self._write(ws, message)
        with self._cond:
            self._controls_written += 1
            if control.kind == "mark":
                echo = (time.monotonic(), self._frames_sent, str(control.value), control.played_ms)
                self._marks_echoed.append(echo)
            self._cond.notify_all()

    def _send_frame(self, ws: ClientConnection, frame: _Frame) -> None:
        assert frame.numbers is not None
        sequence, chunk = frame.numbers
        message = {
            "event": "media",
            "sequence_number": str(sequence),
            "stream_id": self.stream_id,
            "media": {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str((chunk - 1) * FRAME_MS),
                "payload": base64.b64encode(frame.payload).decode(),
            },
        }
        self._write(ws, message, media=True)
        if not frame.keepalive:
            with self._cond:
                self._audio_written += 1
                self._cond.notify_all()

    def _close(self, ws: ClientConnection) -> None:
        with self._cond:
            if self._socket_closed:
                ws.close()
                return
            self._closing = True
            stop = {
                "event": "stop",
                "sequence_number": str(self._next_sequence()),
                "stream_id": self.stream_id,
                "stop": {"user_id": self.user_id, "call_control_id": self.call_control_id},
            }
        try:
            self._write(ws, stop)
        except ConnectionClosed:
            pass
        ws.close()

    # --- internals: the receiver and playback threads -------------------------------------------------
    def _receive(self, ws: ClientConnection) -> None:
        try:
            while True:
                self._handle(ws.recv())
        except ConnectionClosed as exc:
            with self._cond:
                self.close_code = exc.rcvd.code if exc.rcvd is not None else 1006
                self.closed_by_server = not self._closing
                self._socket_closed = True
                self._cond.notify_all()
        except Exception as exc:
            self._crashed(exc)
            with self._cond:
                self._socket_closed = True
                self._cond.notify_all()

    def _handle(self, raw: str | bytes) -> None:
        now = time.monotonic()
        try:
            message = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            message = None
        with self._cond:
            if not isinstance(message, dict):
                self._malformed.append((now, self._frames_sent, raw))
                return
            self._received.append((now, self._frames_sent, message))
            event = message.get("event")
            if event == "media":
                self._queue_media(now, raw, message.get("media"))
            elif event == "mark":
                mark = message.get("mark")
                name = str(mark.get("name", "")) if isinstance(mark, dict) else ""
                if not self._playback and now >= self._playing_until:
                    self._echo(name)  # nothing queued or playing: echoed at once
                else:
                    self._playback.append(name)
            elif event == "clear":
                for item in self._playback:
                    if isinstance(item, str):
                        self._echo(item)
                self._playback.clear()
                self._playing_until = min(self._playing_until, now)
                self._tick = None
                self._clears.append((now, self._frames_sent, len(self._played) * 1000 // BYTES_PER_SECOND))
            self._cond.notify_all()

    def _queue_media(self, now: float, raw: str | bytes, media: object) -> None:
        payload = media.get("payload") if isinstance(media, dict) else None
        try:
            audio = base64.b64decode(payload, validate=True) if isinstance(payload, str) else None
        except ValueError:  # binascii.Error is a ValueError
            audio = None
        if audio is None:
            self._malformed.append((now, self._frames_sent, raw))
        elif audio:
            self._playback.append(bytearray(audio))

    def _play(self) -> None:
        """Telnyx's playback clock: 160 bytes per 20 ms, marks echoed when the audio before them is over."""
        with self._cond:
            while not self._ended and not self._socket_closed:
                now = time.monotonic()
                if not self._playback:
                    self._tick = None
                    # Wake when the last slice ends, so wait_quiet()/playing waiters see it promptly.
                    self._cond.wait(self._playing_until - now if self._playing_until > now else None)
                    continue
                head = self._playback[0]
                if isinstance(head, str):
                    if now < self._playing_until:
                        self._cond.wait(self._playing_until - now)
                        continue
                    self._playback.popleft()
                    self._echo(head)
                    continue
                if self._tick is None or now - self._tick > _RESYNC_AFTER:
                    self._tick = max(now, self._playing_until)
                if now < self._tick:
                    self._cond.wait(self._tick - now)
                    continue
                piece = bytes(head[:FRAME_BYTES])
                del head[:FRAME_BYTES]
                if not head:
                    self._playback.popleft()
                self._played += piece
                self._playing_until = self._tick + len(piece) / BYTES_PER_SECOND
                self._tick = self._playing_until
                self._cond.notify_all()
