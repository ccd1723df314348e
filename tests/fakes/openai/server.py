"""A local stand-in for the OpenAI Chat Completions, audio (transcription, speech) and Realtime APIs
that the real `openai` SDK talks to unmodified.

    with FakeOpenAI() as fake:
        fake.queue(tool_calls([("add_to_order", {"item": "Margherita"})]), text("C'est noté."))
        fake.queue_transcriptions(transcript("Two large margherita pizzas, please."))
        fake.queue_realtime(rt_say("Two margheritas, noted."))
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)

Routes (under /v1): POST /chat/completions (JSON, or server-sent events when "stream": true),
POST /audio/transcriptions (multipart/form-data, see audio.py), POST /audio/speech (JSON → raw audio
of a tone, ≈ 65 ms a character: pcm = 24 kHz 16-bit little-endian mono, wav, mp3, flac, opus; aac
is refused), GET /realtime?model=<id> (a WebSocket upgrade, the Realtime GA protocol: see
realtime.py), GET /models and GET /models/{id}; anything else is a 404 in the API's error shape.
Every request is recorded (`fake.requests`, `fake.chat_requests`, `fake.transcription_requests`
with the uploaded file's bytes, `fake.speech_requests`), including the ones that are rejected; each
realtime WebSocket also gets a record of its events (`fake.realtime_connections`).

Order of checks, as on the real API: bearer key (401), then route (404), then body validation (400:
messages, tools, response_format with the strict-schema rules of schemas.py; for a transcription
the form fields), and only then is a scripted reply consumed, so a rejected request never eats one.

Scripting: two queues, one reply consumed per accepted request. `queue()` feeds chat completions:
text(), structured() (a JSON document, sent as is: valid or not is the test's choice), refusal(),
tool_calls(), error(), hang(), drop(). `queue_transcriptions()` feeds transcriptions: transcript(),
error(), hang(), drop(). Realtime has its own: `queue_realtime()` (rt_say(), rt_function_call(),
rt_error(); one per response) and `queue_realtime_transcripts()` (one per committed user turn), with
`realtime_speed` pacing the audio, `drop_realtime()` and `refuse_realtime()` injecting failures.

Default responder (queue empty): answers the text "OK." — whether or not tools were sent and
whatever the last message is, so a client's tool loop always ends. When the request asks for
structured output it answers the smallest JSON the schema accepts instead ("{}" for json_object).
A transcription answers "OK." too.

Timing, seen through the SDK (httpx2's read timeout bounds every single socket read):
- non-streaming `delay_first_token` and `hang` hold back the status line, so `create()` itself
  raises APITimeoutError once the read timeout passes;
- streaming sends the headers at once (as the API does), then waits `delay_first_token` before the
  first chunk: `create()` returns a Stream and *iterating* it raises APITimeoutError;
- `chunk_delay` is the gap between chunks; it only trips the read timeout if one gap exceeds it
  (there is no total-duration timeout in httpx2).

Run by hand: python -m tests.fakes.openai.server --port 8765
"""

from __future__ import annotations

import argparse
import io
import json
import re
import secrets
import socket
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from tests.fakes.openai import audio, realtime
from tests.fakes.openai.audio import UploadedFile
from tests.fakes.openai.realtime import RealtimeRecord, RealtimeReply
from tests.fakes.openai.schemas import SchemaProblem, check_response_format, smallest

T = TypeVar("T")
DEFAULT_API_KEY = "sk-test-fake"
DEFAULT_TEXT = "OK."
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", *audio.FORMATS)
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_ALNUM = string.ascii_letters + string.digits
SPEECH_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15")
SPEECH_VOICES = (*realtime.VOICES, "fable", "onyx", "nova")
# response_format → (Content-Type, soundfile format and subtype; None for what we write ourselves)
SPEECH_FORMATS: dict[str, tuple[str, tuple[str, str] | None]] = {
    "pcm": ("audio/pcm", None),
    "wav": ("audio/wav", None),
    "mp3": ("audio/mpeg", ("MP3", "MPEG_LAYER_III")),
    "flac": ("audio/flac", ("FLAC", "PCM_16")),
    "opus": ("audio/ogg", ("OGG", "OPUS")),
    "aac": ("audio/aac", None),
}
SPEECH_RATE = 24000


# --- scripted replies ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # a JSON string, as the API sends it (may be deliberately malformed)
    id: str = field(default_factory=lambda: "call_" + "".join(secrets.choice(_ALNUM) for _ in range(24)))


@dataclass(frozen=True)
class Completion:
    """An assistant message: content, tool calls or both."""

    content: str | None
    calls: tuple[ToolCall, ...] = ()
    finish_reason: str = "stop"
    delay_first_token: float = 0.0
    chunk_delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    refusal: str | None = None  # a structured-output request the model declined


@dataclass(frozen=True)
class Transcript:
    """The text of a transcription (whatever the audio was)."""

    text: str
    delay: float = 0.0


@dataclass(frozen=True)
class ErrorReply:
    status: int
    message: str
    type: str
    code: str | None = None
    param: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Hang:
    seconds: float


@dataclass(frozen=True)
class Drop:
    pass


Reply = Completion | ErrorReply | Hang | Drop
TranscriptionReply = Transcript | ErrorReply | Hang | Drop


def text(
    content: str,
    *,
    delay_first_token: float = 0.0,
    chunk_delay: float = 0.0,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    finish_reason: str = "stop",
) -> Completion:
    """A plain assistant answer; finish_reason="length" imitates a reply cut by max_tokens."""
    return Completion(
        content=content,
        finish_reason=finish_reason,
        delay_first_token=delay_first_token,
        chunk_delay=chunk_delay,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def structured(
    value: Any, *, prompt_tokens: int | None = None, completion_tokens: int | None = None
) -> Completion:
    """A structured-output answer: `value` as the JSON content, sent as is (the fake does not check
    it against the request's schema, so a test can send one that does not match)."""
    content = json.dumps(value, ensure_ascii=False)
    return text(content, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def refusal(reason: str) -> Completion:
    """The model declines a structured-output request: content null, `refusal` set."""
    return Completion(content=None, refusal=reason)


def transcript(text: str, *, delay: float = 0.0) -> Transcript:
    """What POST /v1/audio/transcriptions answers next, after `delay` seconds."""
    return Transcript(text, delay)


def tool_calls(
    calls: Iterable[tuple[str, dict[str, Any] | str]],
    *,
    text: str | None = None,
    delay_first_token: float = 0.0,
    chunk_delay: float = 0.0,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
) -> Completion:
    """Tool calls (in parallel when several). Arguments given as a str are sent verbatim, so a test
    can hand the client the broken JSON real models occasionally produce."""
    built = tuple(
        ToolCall(name, args if isinstance(args, str) else json.dumps(args, ensure_ascii=False))
        for name, args in calls
    )
    if not built:
        raise ValueError("tool_calls() needs at least one (name, arguments) pair")
    return Completion(
        content=text,
        calls=built,
        finish_reason="tool_calls",
        delay_first_token=delay_first_token,
        chunk_delay=chunk_delay,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


_ERROR_TYPES = {429: "requests", 500: "server_error", 502: "server_error", 503: "server_error"}
_ERROR_CODES = {429: "rate_limit_exceeded"}


def error(
    status: int,
    message: str,
    *,
    type: str | None = None,
    code: str | None = None,
    param: str | None = None,
    retry_after: float | None = None,
) -> ErrorReply:
    """An API error. Defaults follow the real API: 429 → type "requests", code "rate_limit_exceeded"
    and a retry-after header (1 s); 5xx → "server_error"; other 4xx → "invalid_request_error"."""
    default_type = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    if retry_after is None and status == 429:
        retry_after = 1.0
    return ErrorReply(
        status=status,
        message=message,
        type=type or default_type,
        code=code if code is not None else _ERROR_CODES.get(status),
        param=param,
        retry_after=retry_after,
    )


def hang(seconds: float) -> Hang:
    """Read the request, send nothing for `seconds`, then close the connection."""
    return Hang(seconds)


def drop() -> Drop:
    """Close the connection without any response (the SDK raises APIConnectionError)."""
    return Drop()


# --- the server -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, the text fields of a multipart form, or None (GET, or not parseable)
    files: dict[str, UploadedFile] = field(default_factory=dict)  # a multipart form's file parts


class FakeOpenAI:
    """The fake API on 127.0.0.1 (a free port unless one is given). Context manager, or start()/stop()."""

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, port: int = 0) -> None:
        self.api_key = api_key
        self.port = port
        self._lock = threading.Lock()
        self._replies: list[Reply] = []
        self._transcription_replies: list[TranscriptionReply] = []
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._realtime = realtime.RealtimeHub()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> FakeOpenAI:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._realtime.stopping = False
        self._server = _Server(("127.0.0.1", self.port), _Handler, self)
        self.port = self._server.server_address[1]
        # A short poll interval keeps stop() (which waits for the next poll) from costing 0.5 s a test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes hangs and delays
        self._realtime.close_all()  # a close frame (1001) on every open WebSocket, before the sockets go
        server.shutdown()
        server.server_close()
        # Keep-alive connections would otherwise keep being served by their handler threads.
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # scripting
    def queue(self, *replies: Reply) -> None:
        """Replies consumed one per accepted POST /v1/chat/completions, in order."""
        with self._lock:
            self._replies.extend(replies)

    def queue_transcriptions(self, *replies: TranscriptionReply) -> None:
        """Replies consumed one per accepted POST /v1/audio/transcriptions, in order."""
        for reply in replies:
            if not isinstance(reply, Transcript | ErrorReply | Hang | Drop):
                raise TypeError(f"transcriptions take transcript(), error(), hang() or drop(), not {reply!r}")
        with self._lock:
            self._transcription_replies.extend(replies)

    def queue_realtime(self, *replies: RealtimeReply) -> None:
        """Realtime replies, one consumed per response started (response.create or after a user turn
        when create_response is on), on whichever connection asks first."""
        self._realtime.queue(replies)

    def queue_realtime_transcripts(self, *texts: str) -> None:
        """Transcripts of the next committed user turns (sent only when the session asks for
        transcription); "" once the queue is empty."""
        self._realtime.queue_transcripts(texts)

    @property
    def realtime_speed(self) -> float:
        """How many times faster than real time response audio is streamed (4.0: 2 s in 0.5 s)."""
        return self._realtime.speed

    @realtime_speed.setter
    def realtime_speed(self, value: float) -> None:
        if value <= 0:
            raise ValueError("realtime_speed must be positive")
        self._realtime.speed = value

    def drop_realtime(self, after_events: int = 0) -> None:
        """Cut the current realtime connection (the latest open one, else the next one) after that
        many further server events: the TCP connection closes without a close frame."""
        self._realtime.drop(after_events)

    def refuse_realtime(self, times: int = 1, status: int = 503) -> None:
        """Answer the next `times` realtime handshakes with `status` and an API error body."""
        self._realtime.refuse(times, status)

    @property
    def pending(self) -> int:
        """Scripted replies (all queues, realtime included) not consumed yet (assert 0 at the end of a
        test to catch missed calls)."""
        with self._lock:
            count = len(self._replies) + len(self._transcription_replies)
        return count + self._realtime.pending

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self._transcription_replies.clear()
            self._requests.clear()
        self._realtime.reset()

    # recording
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """The JSON bodies sent to POST /v1/chat/completions (rejected ones included)."""
        return [
            r.body
            for r in self.requests
            if r.method == "POST" and r.path.rstrip("/").endswith("/chat/completions")
        ]

    @property
    def transcription_requests(self) -> list[RecordedRequest]:
        """POST /v1/audio/transcriptions as received (rejected ones included): `body` holds the form
        fields ("include[]" collected as "include"), `files["file"]` the upload byte for byte."""
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/audio/transcriptions"]

    @property
    def speech_requests(self) -> list[dict[str, Any]]:
        """The JSON bodies sent to POST /v1/audio/speech (rejected ones included)."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/v1/audio/speech"]

    @property
    def realtime_connections(self) -> list[RealtimeRecord]:
        """One record per accepted realtime WebSocket, in order (refused handshakes have none)."""
        return self._realtime.records

    def wait_realtime(self, predicate: Callable[[list[RealtimeRecord]], T], timeout: float = 5) -> T:
        """Block until predicate(realtime_connections) is truthy and return its value; re-checked on
        every realtime change, TimeoutError after `timeout`. From async code, run it in a thread
        (asyncio.to_thread) so the event loop keeps reading the socket."""
        return self._realtime.wait(predicate, timeout)

    # used by the handler
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.pop(0)
        return _default_reply(body)

    def _next_transcription_reply(self) -> TranscriptionReply:
        with self._lock:
            if self._transcription_replies:
                return self._transcription_replies.pop(0)
        return Transcript(DEFAULT_TEXT)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeOpenAI
    ) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up mid-response (its own timeout) is routine here, not worth a traceback.
        return


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects

    # connection bookkeeping so stop() can close idle keep-alive sockets
    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server.fake._lock:
            self.server.fake._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: pytest output is for the tests

    # --- plumbing ---
    @property
    def fake(self) -> FakeOpenAI:
        return self.server.fake

    def _route(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/")

    def _headers(self) -> dict[str, str]:
        return {key.lower(): value for key, value in self.headers.items()}

    def _send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, reply: ErrorReply) -> None:
        extra = {"retry-after": f"{reply.retry_after:g}"} if reply.retry_after is not None else None
        body = {
            "error": {"message": reply.message, "type": reply.type, "param": reply.param, "code": reply.code}
        }
        self._send_json(reply.status, body, extra)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.fake.api_key}":
            return True
        self._send_error(
            error(401, "Incorrect API key provided.", type="invalid_request_error", code="invalid_api_key")
        )
        return False

    def _not_found(self) -> None:
        self._send_error(error(404, f"Invalid URL ({self.command} {self._route()})"))

    # --- routes ---
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.fake._record(RecordedRequest("GET", self._route(), self._headers(), None))
        if not self._authorised():
            return
        route = self._route()
        if route == "/v1/models":
            self._send_json(200, {"object": "list", "data": [_model(m) for m in MODELS]})
        elif route.startswith("/v1/models/") and route.removeprefix("/v1/models/") in MODELS:
            self._send_json(200, _model(route.removeprefix("/v1/models/")))
        elif route.startswith("/v1/models/"):
            model = route.removeprefix("/v1/models/")
            self._send_error(
                error(404, f"The model '{model}' does not exist", param="model", code="model_not_found")
            )
        elif route == "/v1/realtime":
            self._realtime()
        else:
            self._not_found()

    def _realtime(self) -> None:
        # Whatever the outcome, this socket is not read again as HTTP.
        self.close_connection = True
        status = self.fake._realtime.take_refusal()
        if status is not None:
            self._send_error(error(status, "The server is currently overloaded, please try again later."))
            return
        try:
            self.fake._realtime.serve(self.connection, self.requestline, self.headers.items())
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_DELETE(self) -> None:  # noqa: N802
        self.fake._record(RecordedRequest("DELETE", self._route(), self._headers(), None))
        if self._authorised():
            self._not_found()

    def do_POST(self) -> None:  # noqa: N802
        # Always drain the body first, so a keep-alive connection stays in step whatever we answer.
        raw = self._read_body()
        if self._route() == "/v1/audio/transcriptions":
            self._transcription(raw)
            return
        try:
            body: Any = json.loads(raw) if raw else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        self.fake._record(RecordedRequest("POST", self._route(), self._headers(), body))
        if not self._authorised():
            return
        if self._route() == "/v1/audio/speech":
            self._speech(body)
            return
        if self._route() != "/v1/chat/completions":
            self._not_found()
            return
        if not isinstance(body, dict):
            self._send_error(error(400, "We could not parse the JSON body of your request."))
            return
        problem = _validate(body)
        if problem is not None:
            self._send_error(problem)
            return
        reply = self.fake._next_reply(body)
        try:
            self._answer(body, reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout): nothing left to say

    def _read_body(self) -> bytes:
        if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        data = bytearray()
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            data += self.rfile.read(size)
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return bytes(data)

    def _failure(self, reply: Reply | TranscriptionReply) -> bool:
        """Send a scripted error, hang or drop; False when the reply is an answer to give."""
        if isinstance(reply, ErrorReply):
            self._send_error(reply)
        elif isinstance(reply, Drop):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif isinstance(reply, Hang):
            self.close_connection = True
            self.fake._sleep(reply.seconds)
        else:
            return False
        return True

    def _answer(self, body: dict[str, Any], reply: Reply) -> None:
        if self._failure(reply):
            return
        assert isinstance(reply, Completion)
        if body.get("stream"):
            self._stream(body, reply)
        else:
            self.fake._sleep(reply.delay_first_token)
            self._send_json(200, _completion(body, reply), {"openai-processing-ms": "1"})

    def _start_events(self) -> None:
        # Chunked transfer encoding, as the API does, so the connection can be reused afterwards.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        self.wfile.flush()

    def _stream(self, body: dict[str, Any], reply: Completion) -> None:
        self._start_events()
        self.fake._sleep(reply.delay_first_token)
        for n, event in enumerate(_sse_events(body, reply)):
            if n and reply.chunk_delay:
                self.fake._sleep(reply.chunk_delay)
            if self.fake._stopping.is_set():
                self.close_connection = True
                return
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # --- transcriptions ---
    def _transcription(self, raw: bytes) -> None:
        content_type = self.headers.get("Content-Type") or ""
        form = audio.parse_multipart(content_type, raw)
        fields, files = form if form is not None else (None, {})
        self.fake._record(RecordedRequest("POST", self._route(), self._headers(), fields, files))
        if not self._authorised():
            return
        problem = audio.problem(content_type, fields, files)
        if problem is not None:
            self._send_error(error(problem.status, problem.message, param=problem.param, code=problem.code))
            return
        assert fields is not None
        reply = self.fake._next_transcription_reply()
        try:
            if not self._failure(reply):
                assert isinstance(reply, Transcript)
                self.fake._sleep(reply.delay)
                self._transcript(fields, files["file"], reply.text)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _transcript(self, fields: dict[str, Any], upload: UploadedFile, text: str) -> None:
        if fields.get("stream") == "true" and fields["model"] != "whisper-1":  # whisper-1 ignores it
            self._start_events()
            for event in audio.stream_events(fields, upload, text):
                data = f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        content_type, payload = audio.answer(fields, upload, text)
        if isinstance(payload, dict):
            self._send_json(200, payload)
            return
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        self.wfile.write(data)

    # --- speech ---
    def _speech(self, body: Any) -> None:
        problem = _speech_problem(body)
        if problem is not None:
            self._send_error(problem)
            return
        response_format = body.get("response_format", "mp3")
        content_type, data = _speech_audio(response_format, len(body["input"]), body.get("speed", 1.0))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.end_headers()
        self.wfile.write(data)


def _speech_problem(body: Any) -> ErrorReply | None:
    if not isinstance(body, dict):
        return error(400, "We could not parse the JSON body of your request.")
    model = body.get("model")
    if not model:
        return _bad("you must provide a model parameter", "model", "missing_required_parameter")
    if model not in SPEECH_MODELS:
        return error(404, f"The model '{model}' does not exist", param="model", code="model_not_found")
    text = body.get("input")
    if not isinstance(text, str) or not text:
        return _bad("Missing required parameter: 'input'.", "input", "missing_required_parameter")
    if len(text) > 4096:
        return _bad(
            f"Invalid 'input': string too long. Expected a string with maximum length 4096, but got a "
            f"string with length {len(text)} instead.",
            "input",
            "string_above_max_length",
        )
    voice = body.get("voice")
    if voice is None:
        return _bad("Missing required parameter: 'voice'.", "voice", "missing_required_parameter")
    if not (isinstance(voice, dict) and isinstance(voice.get("id"), str)) and voice not in SPEECH_VOICES:
        supported = ", ".join(f"'{v}'" for v in SPEECH_VOICES)
        return _bad(f"Invalid value: '{voice}'. Supported values are: {supported}.", "voice", "invalid_value")
    response_format = body.get("response_format", "mp3")
    if response_format not in SPEECH_FORMATS:
        supported = ", ".join(f"'{f}'" for f in SPEECH_FORMATS)
        message = f"Invalid value: '{response_format}'. Supported values are: {supported}."
        return _bad(message, "response_format", "invalid_value")
    if response_format == "aac":
        return _bad(
            "response_format 'aac' is unsupported in the fake.", "response_format", "unsupported_value"
        )
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0.25 <= speed <= 4.0:
        return _bad(
            "Invalid 'speed': expected a number between 0.25 and 4.0.", "speed", "decimal_out_of_range"
        )
    if body.get("instructions") and model in ("tts-1", "tts-1-hd"):
        return _bad(
            "Instructions are not supported for tts-1 and tts-1-hd.", "instructions", "unsupported_value"
        )
    if body.get("stream_format", "audio") != "audio":
        return _bad("stream_format 'sse' is unsupported in the fake.", "stream_format", "unsupported_value")
    return None


def _speech_audio(response_format: str, characters: int, speed: float) -> tuple[str, bytes]:
    """A tone lasting ≈ 65 ms a character (scaled by speed) in the format asked for."""
    content_type, codec = SPEECH_FORMATS[response_format]
    samples = realtime.tone(max(1, round(realtime.MS_PER_CHARACTER * characters / speed)), SPEECH_RATE)
    if response_format == "pcm":
        return content_type, samples.astype("<i2").tobytes()
    if codec is None:
        return content_type, realtime.wav_bytes(samples, SPEECH_RATE)
    import soundfile  # only needed for the compressed formats, and slow to import

    out = io.BytesIO()
    soundfile.write(out, samples, SPEECH_RATE, format=codec[0], subtype=codec[1])
    return content_type, out.getvalue()


# --- payloads ---------------------------------------------------------------------------------------
def _model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}


def _completion_id() -> str:
    return "chatcmpl-" + "".join(secrets.choice(_ALNUM) for _ in range(29))


def _call_json(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def _completion(body: dict[str, Any], reply: Completion) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.content,
        "refusal": reply.refusal,
        "annotations": [],
    }
    if reply.calls:
        message["tool_calls"] = [_call_json(call) for call in reply.calls]
    return {
        "id": _completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}],
        "usage": _usage(body, reply),
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def _sse_events(body: dict[str, Any], reply: Completion) -> Iterator[str]:
    """The `data:` events of a streamed completion, ending with [DONE]."""
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base: dict[str, Any] = {
        "id": _completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }
    if include_usage:
        base["usage"] = None  # the API sends an explicit null on every chunk but the last

    def event(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return f"data: {json.dumps({**base, 'choices': [choice]}, ensure_ascii=False)}\n\n"

    # First chunk carries the role; content "" for a text answer, null when it is only tool calls.
    yield event({"role": "assistant", "content": "" if reply.content is not None else None, "refusal": None})
    for piece in _words(reply.content or ""):
        yield event({"content": piece})
    for piece in _words(reply.refusal or ""):
        yield event({"refusal": piece})
    for index, call in enumerate(reply.calls):
        head = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        yield event({"tool_calls": [head]})
        for piece in _pieces(call.arguments, 3):
            yield event({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield event({}, reply.finish_reason)
    if include_usage:
        final = {**base, "choices": [], "usage": _usage(body, reply)}
        yield f"data: {json.dumps(final, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def _words(content: str) -> list[str]:
    """Word-sized pieces carrying their leading whitespace, like model tokens; they join back exactly."""
    return re.findall(r"\s*\S+|\s+$", content)


def _pieces(value: str, count: int) -> list[str]:
    """Split into `count` near-equal pieces (at least two when there are two characters)."""
    if len(value) < 2:
        return [value]
    size = max(1, -(-len(value) // count))
    return [value[i : i + size] for i in range(0, len(value), size)]


# --- token estimate -----------------------------------------------------------------------------------
def _estimate(value: str) -> int:
    return len(value) // 4 + 1


def _message_text(message: Any) -> str:
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    calls = message.get("tool_calls") or []
    arguments = " ".join(
        str((c.get("function") or {}).get("arguments", "")) for c in calls if isinstance(c, dict)
    )
    return f"{content or ''} {arguments}".strip()


def _usage(body: dict[str, Any], reply: Completion) -> dict[str, Any]:
    """Scripted counts win; otherwise a deterministic estimate (≈ 4 characters a token; tools count)."""
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = sum(_estimate(_message_text(m)) for m in body["messages"])
        if body.get("tools"):
            prompt += _estimate(json.dumps(body["tools"], sort_keys=True))
    completion = reply.completion_tokens
    if completion is None:
        completion = _estimate((reply.content or "") + (reply.refusal or "")) + sum(
            _estimate(c.name + c.arguments) for c in reply.calls
        )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


# --- default responder ------------------------------------------------------------------------------------
def _default_reply(body: dict[str, Any]) -> Completion:
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return text(json.dumps(smallest(schema, schema), ensure_ascii=False))
    if response_format.get("type") == "json_object":
        return text("{}")
    return text(DEFAULT_TEXT)


# --- validation -------------------------------------------------------------------------------------------
def _bad(message: str, param: str | None, code: str | None = None) -> ErrorReply:
    return error(400, message, type="invalid_request_error", param=param, code=code)


def _validate(body: dict[str, Any]) -> ErrorReply | None:
    """The real API's checks that catch client bugs; None when the request is acceptable."""
    if not body.get("model"):
        return _bad("you must provide a model parameter", "model", "missing_required_parameter")
    if "messages" not in body:
        return _bad("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        return _bad(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            "messages",
            "empty_array",
        )
    if body.get("stream_options") is not None and not body.get("stream"):
        return _bad(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"
        )
    for n, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            return _bad(
                f"Missing required parameter: 'tools[{n}].function.name'.",
                f"tools[{n}].function.name",
                "missing_required_parameter",
            )
    try:
        check_response_format(body)
    except SchemaProblem as problem:
        return _bad(problem.message, problem.param, problem.code)
    return _validate_tool_turns(messages)


def _validate_tool_turns(messages: list[Any]) -> ErrorReply | None:
    # Every assistant tool call must be answered by a tool message right after it, and every tool
    # message must answer one of those calls: the pairing the real API enforces.
    pending: dict[str, int] = {}  # unanswered call id → index of the assistant message
    for n, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            supported = ", ".join(f"'{r}'" for r in ROLES)
            message_text = f"Invalid value: '{role}'. Supported values are: {supported}."
            return _bad(message_text, f"messages[{n}].role", "invalid_value")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                return _bad(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                    "message with 'tool_calls'.",
                    f"messages.[{n}].role",
                )
            del pending[call_id]
            continue
        if pending:
            return _unanswered(pending)
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                if isinstance(call, dict) and call.get("id"):
                    pending[call["id"]] = n
    return _unanswered(pending) if pending else None


def _unanswered(pending: dict[str, int]) -> ErrorReply:
    index = min(pending.values())
    return _bad(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
        f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(pending)}",
        f"messages.[{index}].role",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of the OpenAI Chat Completions API")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    args = parser.parse_args()
    fake = FakeOpenAI(api_key=args.api_key, port=args.port).start()
    print(f"OPENAI_BASE_URL={fake.base_url}  OPENAI_API_KEY={fake.api_key}", flush=True)
    print("Default responder answers every chat completion; Ctrl-C stops.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
