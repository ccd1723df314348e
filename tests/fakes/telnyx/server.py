"""A local Telnyx (Call Control v2, numbers, messaging) that the real `telnyx` SDK talks to unmodified, and a
scripted caller that drives the app under test through signed webhooks.

    with FakeTelnyx(webhook_url="http://127.0.0.1:8000/api/telnyx/webhook") as fake:
        client = telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
        call = fake.place_call(from_="+33612345678", to="+33184880001")   # → call.initiated
        call.wait_for(lambda c: c.transcribing)                             # the app answered, transcribes
        call.say("Bonjour, je voudrais réserver")                           # → call.transcription ×2
        print(call.wait_for_speech())                                       # what the app spoke back

REST routes (under /v2, `Authorization: Bearer <api_key>` or 401 code 10009):
- POST /calls/{call_control_id}/actions/{action}: answer, speak, transcription_start/stop,
  streaming_start/stop, transfer, hangup, reject, record_start/stop, playback_start/stop,
  gather_using_speak, client_state_update (record_pause/resume, send_dtmf, gather_stop are accepted and do
  nothing else). 200 {"data":{"result":"ok"}}; unknown call 404; ended call 422 code 90018; bad
  client_state 422; missing/invalid fields 422 with a JSON pointer; a wrong call state (answer twice, speak
  before answer, reject after answer) 422. GET /calls/{id} answers the call status (is_alive).
- GET /available_phone_numbers (filter[country_code], filter[features], filter[limit],
  filter[phone_number][contains|starts_with|ends_with]); POST /number_orders, GET /number_orders/{id}
  (pending until `order_polls_until_done` retrievals, then success — or failure with `fail_orders`);
  GET /phone_numbers (filter[phone_number], filter[connection_id]), GET|PATCH|DELETE /phone_numbers/{id};
  POST|GET /call_control_applications (filter[application_name][contains]), GET|PATCH|DELETE …/{id};
  POST /messages.
- Anything else: 404 in Telnyx's error shape. Every request is recorded (`fake.requests`), every call
  action too (`fake.commands`), rejected ones included.

Order of checks: route, bearer key, injected failure (`fail_next`), then the call (404), command_id
dedupe (a repeat within 60 s answers 200 and does nothing: Command.duplicate), ended call (90018), field
validation, call state, and only then the effect. `slow()` delays the answer after the effect took place,
so a client that times out and retries with the same command_id exercises the dedupe.

Webhooks: each event is built when it happens (client_state as it is then), recorded in `fake.events`,
and queued; one background thread POSTs them, signed with Ed25519 over b"{timestamp}|{body}", to
`fake.webhook_url` (None: recorded only). Never from inside the request that caused them, so the app may
answer a webhook by sending a command and wait for the reply. Delivery modes: `duplicate` (every event
twice, the copy with meta.attempt 2), `shuffle` (per-call batches of `shuffle_batch` in random order,
flushed after `shuffle_window` s at the latest), `delay` (before each POST). No answer or a 5xx is retried
after `retry_delays` with meta.attempt + 1. `fake.deliveries` records every POST; `drain()` waits for the
queue, in-flight POSTs, retries and timers.

Timing: by default everything is immediate (speak.started and speak.ended together). With
`speech_seconds_per_char` > 0 speech lasts that long per character, speaks queue up like Telnyx's, and a
speak with stop="current"/"all" interrupts the one playing (speak.ended status "interrupted", unverified).
A gather times out `gather_timeout` s after its prompt (status "timeout") unless digits are pressed.
Transfers resolve at once per `set_party()` ("answer", "busy", "no_answer"; no wait for timeout_secs).

Recordings: call.recording.saved carries URLs on this server, /recordings/<id>.(mp3|wav)?expires=&signature=
that serve a small real file and answer 403 once expired (`recording_url_ttl`, clock `fake.now`). A test
sets what they serve with `call.recording_audio = (wav_bytes, mp3_bytes)` before the recording is saved,
or `fake.recording_audio` for every call without its own (None: the small real file).

Media streams (media.py): streaming_start, or answer with stream_url, makes the call connect to stream_url
as a WebSocket client, like Telnyx in bidirectional rtp mode. `call.stream` (a MediaStream; see
`call.wait_for_stream()`) sends connected and start, then the caller's audio (`stream.send_audio()`,
`play_utterance()`, `send_dtmf()`; μ-law silence at 50 frames a second in between unless
`stream_keepalive_silence` is False), and plays back the app's media, marks and clears. streaming.started is
emitted once the handshake succeeded; streaming.failed (failure_reason connection_failed) when it did not
(unreachable URL, HTTP 403, … within `stream_open_timeout` s); streaming.stopped when a started stream ends
(streaming_stop, hang-up, the app closing the socket, `stream.stop()`). drain() also waits for pending
connects and requested stops. Streaming commands answer 200 at once: the outcome comes as those webhooks.

Control API for other processes (no auth, 127.0.0.1 only), JSON: GET /_sim/info; POST /_sim/calls
{from, to, custom_headers?} (the caller's SIP headers, [{name, value}], listed in call.initiated);
GET /_sim/calls[/{id}]; POST /_sim/calls/{id}/say {text}, /speak {text, lang} (spoken
out loud on the media stream), /press {digit}, /hangup, /wait_for_speech {count?, timeout?};
POST /_sim/parties {number, behaviour}; POST /_sim/config {duplicate, shuffle, delay, webhook_url,
speech_seconds_per_char}; POST /_sim/drain {timeout?}; GET /_sim/events, GET /_sim/deliveries.

Run by hand: python -m tests.fakes.telnyx.server --port 8790 --webhook-url http://127.0.0.1:8000/api/telnyx/webhook
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from nacl.signing import SigningKey

from tests.fakes.telnyx import errors
from tests.fakes.telnyx.calls import (
    ACCEPTED_WITHOUT_EFFECT,
    ACTIONS,
    MP3_BYTES,
    PARTY_BEHAVIOURS,
    Command,
    FakeCall,
    action_name,
    wav_bytes,
)
from tests.fakes.telnyx.delivery import Deliverer, Delivery, Timers, WorkTracker, post
from tests.fakes.telnyx.errors import Refused
from tests.fakes.telnyx.numbers import Account, Query

DEFAULT_API_KEY = "KEYfake"
DEFAULT_CONNECTION_ID = "2811212257810187875"
COMMAND_ID_WINDOW = 60.0
# Telnyx retries failed webhooks with a backoff; its exact schedule is unverified.
RETRY_DELAYS = (0.1, 0.3, 0.9)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None (GET, or a body that was not JSON)
    query: dict[str, str]


@dataclass
class _Failure:
    action: str | None
    status: int
    remaining: int


@dataclass(frozen=True)
class _Route:
    name: str  # "speak", "number_orders.create", …: what fail_next()/slow() match
    params: dict[str, str]
    call_action: bool = False


class FakeTelnyx:
    """The fake Telnyx on 127.0.0.1 (a free port unless one is given). Context manager, or start()/stop()."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        webhook_url: str | None = None,
        port: int = 0,
        seed: bytes | None = None,
    ) -> None:
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.port = port
        self._signing_key = SigningKey(seed) if seed is not None else SigningKey.generate()
        self.public_key = base64.b64encode(bytes(self._signing_key.verify_key)).decode()
        self.rng = random.Random(seed)
        # webhook delivery
        self.duplicate = False
        self.shuffle = False
        self.delay = 0.0
        self.shuffle_batch = 3
        self.shuffle_window = 0.05
        self.webhook_timeout = 5.0  # Telnyx gives up sooner (it asks for an answer within 2 s)
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        # call simulation
        self.speech_seconds_per_char = 0.0
        self.gather_timeout = 0.5
        self.gather_inter_digit_timeout = 0.2
        self.command_id_window = COMMAND_ID_WINDOW
        self.default_connection_id = DEFAULT_CONNECTION_ID
        self.recording_url_ttl = 600
        self.recording_audio: tuple[bytes, bytes] | None = None  # (wav, mp3) of every recording
        self.stream_keepalive_silence = True  # media streams send silence frames while the caller is quiet
        self.stream_open_timeout = 5.0  # s a media stream's connect may take before streaming.failed
        self.now: Callable[[], float] = time.time  # the clock recording URLs expire by
        # state
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: dict[str, FakeCall] = {}
        self._parties: dict[str, str] = {}
        self._commands: list[Command] = []
        self._requests: list[RecordedRequest] = []
        self._events: list[dict[str, Any]] = []
        self._deliveries: list[Delivery] = []
        self._failures: list[_Failure] = []
        self._slow: dict[str | None, float] = {}
        # recording id → (channels, the call's recording_audio when it was saved)
        self._recordings: dict[str, tuple[int, tuple[bytes, bytes] | None]] = {}
        self._recording_secret = uuid.uuid4().bytes
        self.account = Account(self._iso)
        self._tracker = WorkTracker()
        self._timers = Timers(self._tracker)
        self._deliverer = Deliverer(self, self._tracker, self._timers)
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> FakeTelnyx:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-telnyx", daemon=True
        )
        self._thread.start()
        self._deliverer.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with self._lock:
            streams = [stream for call in self._calls.values() for stream in call.streams]
        for stream in streams:  # outside the lock: a stream reports its end by taking it
            stream.stop(timeout=2.0)
        server.shutdown()
        server.server_close()
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._timers.cancel_all()
        self._deliverer.stop()

    def __enter__(self) -> FakeTelnyx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- signing and webhooks ---
    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        ts = int(time.time()) if timestamp is None else int(timestamp)
        signature = self._signing_key.sign(f"{ts}|".encode() + body).signature
        return {
            "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
            "telnyx-timestamp": str(ts),
            "content-type": "application/json",
        }

    def event(
        self,
        event_type: str,
        payload: dict[str, Any],
        *,
        event_id: str | None = None,
        occurred_at: str | None = None,
    ) -> dict[str, Any]:
        return {
            "data": {
                "record_type": "event",
                "event_type": event_type,
                "id": event_id or str(uuid.uuid4()),
                "occurred_at": occurred_at or self._iso(),
                "payload": payload,
            },
            "meta": {"attempt": 1, "delivered_to": self.webhook_url},
        }

    def deliver(
        self, envelope: dict[str, Any], *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> int:
        """POST one webhook now, on this thread (signed unless `headers` is given); returns the status."""
        if not self.webhook_url:
            raise RuntimeError("FakeTelnyx.webhook_url is not set")
        raw = body if body is not None else json.dumps(envelope, separators=(",", ":")).encode()
        status = post(self.webhook_url, raw, headers if headers is not None else self.sign(raw), timeout=30)
        data = envelope.get("data") or {}
        attempt = (envelope.get("meta") or {}).get("attempt") or 1
        self._record_delivery(Delivery(str(data.get("event_type")), str(data.get("id")), status, attempt))
        return status

    def drain(self, timeout: float = 5.0) -> None:
        """Block until every queued webhook is delivered (or given up) and no timer is pending."""
        if not self._tracker.wait_idle(timeout):
            raise TimeoutError(
                f"webhook deliveries/timers still pending after {timeout:g}s "
                f"({self._tracker.count} outstanding; webhook_url={self.webhook_url!r})"
            )

    # --- failure injection ---
    def fail_next(self, action: str | None = None, *, status: int = 500, times: int = 1) -> None:
        """The next `times` requests matching `action` (a call action like "speak", an SDK method name like
        "start_transcription", a route like "number_orders" or "number_orders.create"; None: any) answer
        `status` with Telnyx's error body, without any effect."""
        with self._lock:
            self._failures.append(_Failure(_normalise(action), status, times))

    def slow(self, seconds: float, action: str | None = None) -> None:
        """Matching requests answer `seconds` late (after their effect); slow(0) resets (all, or that one)."""
        with self._lock:
            if seconds <= 0:
                if action is None:
                    self._slow.clear()
                else:
                    self._slow.pop(_normalise(action), None)
            else:
                self._slow[_normalise(action)] = seconds

    # --- records ---
    @property
    def commands(self) -> list[Command]:
        with self._lock:
            return list(self._commands)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every webhook envelope the simulation emitted, in order (whether or not it was delivered)."""
        with self._lock:
            return list(self._events)

    @property
    def calls(self) -> dict[str, FakeCall]:
        with self._lock:
            return dict(self._calls)

    @property
    def phone_numbers(self) -> dict[str, dict[str, Any]]:
        """Owned numbers by id (id, phone_number, connection_id, status "active", …)."""
        with self._lock:
            return dict(self.account.phone_numbers)

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self.account.orders)

    @property
    def applications(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self.account.applications)

    @property
    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.account.messages)

    @property
    def order_polls_until_done(self) -> int:
        return self.account.order_polls_until_done

    @order_polls_until_done.setter
    def order_polls_until_done(self, value: int) -> None:
        self.account.order_polls_until_done = value

    @property
    def fail_orders(self) -> bool:
        return self.account.fail_orders

    @fail_orders.setter
    def fail_orders(self, value: bool) -> None:
        self.account.fail_orders = value

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions raised inside timer callbacks (a bug in the fake if not empty)."""
        return list(self._timers.errors)

    def add_number(self, phone_number: str, connection_id: str | None = None) -> dict[str, Any]:
        """Own a number without going through an order (a shortcut for tests)."""
        with self._lock:
            return dict(self.account.add_number(phone_number, connection_id, source="port_request"))

    def number(self, phone_number: str) -> dict[str, Any] | None:
        with self._lock:
            record = self.account.number(phone_number)
            return dict(record) if record else None

    # --- the scripted caller ---
    def place_call(
        self,
        from_: str = "+33612345678",
        to: str = "+33100000001",
        caller_id_name: str = "",
        custom_headers: list[dict[str, str]] | None = None,
    ) -> FakeCall:
        """An incoming call to `to`: emits call.initiated (parked) and returns the leg.
        `custom_headers` are the caller's custom SIP headers ([{"name", "value"}]), which Telnyx
        lists in call.initiated."""
        with self._lock:
            owned = self.account.number(to)
            connection_id = (owned or {}).get("connection_id") or self.default_connection_id
            call = FakeCall(
                self,
                direction="incoming",
                from_=from_,
                to=to,
                connection_id=str(connection_id),
                caller_id_name=caller_id_name or from_,
            )
            self._add_call(call)
            call._emit(
                "call.initiated",
                {
                    "direction": "incoming",
                    "state": "parked",
                    "caller_id_name": call.caller_id_name,
                    "offered_codecs": "PCMU,PCMA,G722",
                    **({"custom_headers": custom_headers} if custom_headers else {}),
                },
                parties=True,
                times=True,
            )
            return call

    def set_party(self, number: str, behaviour: str) -> None:
        """How a transfer target answers: "answer" (default), "busy" or "no_answer"."""
        if behaviour not in PARTY_BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {PARTY_BEHAVIOURS}, not {behaviour!r}")
        with self._lock:
            self._parties[number] = behaviour

    def party(self, number: str) -> str:
        with self._lock:
            return self._parties.get(number, "answer")

    def call(self, call_control_id: str) -> FakeCall:
        with self._lock:
            return self._calls[call_control_id]

    # --- internals used by FakeCall and the delivery ---
    @staticmethod
    def _iso(ts: float | None = None) -> str:
        moment = datetime.fromtimestamp(time.time() if ts is None else ts, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _add_call(self, call: FakeCall) -> None:
        with self._lock:
            self._calls[call.call_control_id] = call

    def _emit(self, call: FakeCall, event_type: str, payload: dict[str, Any]) -> None:
        with self._lock:
            envelope = self.event(event_type, payload)
            self._events.append(envelope)
            self._deliverer.submit(envelope, call.call_control_id)
            self._changed.notify_all()

    def _record_delivery(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)
            self._changed.notify_all()

    def _recording_urls(
        self, recording_id: str, channels: str, audio: tuple[bytes, bytes] | None = None
    ) -> dict[str, str]:
        with self._lock:
            self._recordings[recording_id] = (2 if channels == "dual" else 1, audio)
        expires = int(self.now()) + int(self.recording_url_ttl)
        return {ext: self._signed_url(recording_id, ext, expires) for ext in ("mp3", "wav")}

    def _signed_url(self, recording_id: str, ext: str, expires: int) -> str:
        signature = self._url_signature(recording_id, ext, expires)
        return f"{self.root_url}/recordings/{recording_id}.{ext}?expires={expires}&signature={signature}"

    def _url_signature(self, recording_id: str, ext: str, expires: int) -> str:
        message = f"{recording_id}.{ext}:{expires}".encode()
        return hmac.new(self._recording_secret, message, hashlib.sha256).hexdigest()

    def _take_failure(self, name: str) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if _matches(failure.action, name):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _slow_for(self, name: str) -> float:
        with self._lock:
            for action, seconds in self._slow.items():
                if action is not None and _matches(action, name):
                    return seconds
            return self._slow.get(None, 0.0)

    def _record_request(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # --- REST handlers: (status, JSON body) ---
    def _call_action(
        self, route: _Route, body: Any, failure: _Failure | None, *, authorised: bool
    ) -> tuple[int, Any]:
        call_control_id = route.params["id"]
        action = route.params["action"]
        body_dict: dict[str, Any] = body if isinstance(body, dict) else {}
        raw_command_id = body_dict.get("command_id")
        command_id = raw_command_id if isinstance(raw_command_id, str) else None
        arrived = time.time()

        def record(status: int, duplicate: bool = False) -> None:
            self._commands.append(
                Command(action, call_control_id, body_dict, command_id, status, arrived, duplicate)
            )

        with self._lock:
            if not authorised:
                record(401)
                return 401, errors.authentication_failed().body()
            if failure is not None:
                record(failure.status)
                return failure.status, errors.unexpected(failure.status).body()
            if action not in ACTIONS and action not in ACCEPTED_WITHOUT_EFFECT:
                record(404)
                return 404, errors.not_found(f"The fake does not simulate the '{action}' action.").body()
            call = self._calls.get(call_control_id)
            if call is None:
                record(404)
                return 404, errors.not_found(f"Call {call_control_id} not found.").body()
            if not isinstance(body, dict):
                record(400)
                return 400, errors.malformed_json().body()
            if command_id is not None and call._is_duplicate(command_id):
                record(200, duplicate=True)
                return 200, {"data": {"result": "ok"}}
            try:
                data = call._command(action, body_dict)
            except Refused as refused:
                record(refused.error.status)
                return refused.error.status, refused.error.body()
            if command_id is not None:
                call._remember(command_id)
            record(200)
            self._changed.notify_all()
            return 200, {"data": data}

    def _call_status(self, call_control_id: str) -> tuple[int, Any]:
        call = self._calls.get(call_control_id)
        if call is None:
            raise Refused(errors.not_found(f"Call {call_control_id} not found."))
        duration = None
        if call.end_time is not None:
            duration = int(datetime.fromisoformat(call.end_time).timestamp()) - int(
                datetime.fromisoformat(call.start_time).timestamp()
            )
        return 200, {
            "data": {
                "record_type": "call",
                "call_control_id": call.call_control_id,
                "call_leg_id": call.call_leg_id,
                "call_session_id": call.call_session_id,
                "client_state": call.client_state,
                "is_alive": call.state != "hangup",
                "start_time": call.start_time,
                "end_time": call.end_time,
                "call_duration": duration,
            }
        }

    def _route(self, method: str, path: str) -> _Route | None:
        for route_method, pattern, name in _ROUTES:
            match = pattern.fullmatch(path) if route_method == method else None
            if match is None:
                continue
            params = {key: unquote(value) for key, value in match.groupdict().items()}
            if name == "call_action":
                return _Route(action_name(params["action"]), params, call_action=True)
            return _Route(name, params)
        return None

    def _serve(self, route: _Route, body: dict[str, Any], query: Query) -> tuple[int, Any]:
        """Answer one account route (lock held); raises Refused for Telnyx errors."""
        account, key = self.account, route.params.get("id", "")
        match route.name:
            case "calls.retrieve_status":
                return self._call_status(key)
            case "available_phone_numbers.list":
                return 200, account.search(query)
            case "number_orders.create":
                result = account.create_order(body)
            case "number_orders.retrieve":
                result = account.retrieve_order(key)
            case "phone_numbers.list":
                return 200, account.list_numbers(query)
            case "phone_numbers.retrieve":
                result = account.get_number(key)
            case "phone_numbers.update":
                result = account.update_number(key, body)
            case "phone_numbers.delete":
                result = account.delete_number(key)
            case "call_control_applications.create":
                result = account.create_application(body)
            case "call_control_applications.list":
                return 200, account.list_applications(query)
            case "call_control_applications.retrieve":
                result = account.get_application(key)
            case "call_control_applications.update":
                result = account.update_application(key, body)
            case "call_control_applications.delete":
                result = account.delete_application(key)
            case "messages.send":
                result = account.send_message(body)
            case _:
                raise Refused(errors.not_found())
        return 200, {"data": result}

    # --- /_sim control API ---
    def _sim(self, method: str, path: str, body: dict[str, Any], query: Query) -> tuple[int, Any]:
        parts = [unquote(p) for p in path.strip("/").split("/")[1:]]
        if method == "GET" and parts == ["info"]:
            return 200, {
                "base_url": self.base_url,
                "public_key": self.public_key,
                "webhook_url": self.webhook_url,
            }
        if parts == ["calls"] and method == "POST":
            headers = body.get("custom_headers") or []
            if not isinstance(headers, list) or not all(
                isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)
                for h in headers
            ):
                return 400, {"error": "custom_headers: a list of {name, value} strings"}
            call = self.place_call(
                from_=str(body.get("from") or "+33612345678"),
                to=str(body.get("to") or "+33100000001"),
                caller_id_name=str(body.get("caller_id_name") or ""),
                custom_headers=[{"name": h["name"], "value": h["value"]} for h in headers],
            )
            return 200, {
                "call_control_id": call.call_control_id,
                "call_session_id": call.call_session_id,
                "call_leg_id": call.call_leg_id,
            }
        if parts == ["calls"] and method == "GET":
            return 200, {"data": [call.summary() for call in self.calls.values()]}
        if len(parts) >= 2 and parts[0] == "calls":
            call = self.calls.get(parts[1])
            if call is None:
                return 404, {"error": f"no call {parts[1]}"}
            return self._sim_call(method, call, parts[2:], body)
        if parts == ["parties"] and method == "POST":
            try:
                self.set_party(str(body.get("number")), str(body.get("behaviour") or "answer"))
            except ValueError as exc:
                return 400, {"error": str(exc)}
            return 200, {"ok": True}
        if parts == ["config"] and method == "POST":
            return self._sim_config(body)
        if parts == ["drain"] and method == "POST":
            try:
                self.drain(float(body.get("timeout") or 5.0))
            except TimeoutError as exc:
                return 408, {"error": str(exc)}
            return 200, {"ok": True}
        if parts == ["events"] and method == "GET":
            wanted = query.get("call_control_id")
            events = [
                e
                for e in self.events
                if wanted is None or e["data"]["payload"].get("call_control_id") == wanted
            ]
            return 200, {"data": events}
        if parts == ["deliveries"] and method == "GET":
            return 200, {"data": [d.as_dict() for d in self.deliveries]}
        return 404, {"error": f"no such control route: {method} {path}"}

    def _sim_call(
        self, method: str, call: FakeCall, rest: list[str], body: dict[str, Any]
    ) -> tuple[int, Any]:
        try:
            if method == "GET" and not rest:
                return 200, call.summary()
            if method != "POST" or len(rest) != 1:
                return 404, {"error": "unknown call control route"}
            if rest[0] == "say":
                call.say(str(body.get("text") or ""), confidence=float(body.get("confidence") or 0.95))
            elif rest[0] == "press":
                call.press(str(body.get("digit") or ""))
            elif rest[0] == "speak":
                self._sim_speak(call, str(body.get("text") or ""), str(body.get("lang") or "en"))
            elif rest[0] == "hangup":
                call.hang_up()
            elif rest[0] == "wait_for_speech":
                count = body.get("count")
                spoken = call.wait_for_speech(
                    int(count) if count is not None else None, timeout=float(body.get("timeout") or 5.0)
                )
                return 200, {"spoken": spoken}
            else:
                return 404, {"error": f"unknown call control route: {rest[0]}"}
        except AssertionError as exc:
            return 409, {"error": str(exc)}
        except ValueError as exc:
            return 400, {"error": str(exc)}
        except TimeoutError as exc:
            return 408, {"error": str(exc)}
        return 200, call.summary()

    def _sim_speak(self, call: FakeCall, text: str, lang: str) -> None:
        """The caller says `text` out loud on the call's media stream (espeak-ng speech at real-time
        pace); when Telnyx transcription runs too, its transcript follows, as Telnyx would send it."""
        from tests.fakes.telnyx.speech import have_speech_tools, speech_ulaw

        stream = call.stream
        if stream is None or not stream.connected or stream.ended:
            raise AssertionError("no media stream on this call (the app streams realtime-voice plans' calls)")
        if not have_speech_tools():
            raise ValueError("speaking on a stream needs espeak-ng and sox (apt-get install espeak-ng sox)")
        stream.play_utterance(speech_ulaw(text, lang), trailing_silence_ms=700)
        if call.transcribing:
            call.say(text)

    def _sim_config(self, body: dict[str, Any]) -> tuple[int, Any]:
        settable = {
            "duplicate": bool,
            "shuffle": bool,
            "delay": float,
            "webhook_url": lambda v: v or None,
            "speech_seconds_per_char": float,
            "gather_timeout": float,
            "recording_url_ttl": int,
        }
        for key, value in body.items():
            if key not in settable:
                return 400, {"error": f"cannot set {key!r}; settable: {', '.join(settable)}"}
            setattr(self, key, settable[key](value))
        return 200, {key: getattr(self, key) for key in settable}

    # --- recordings ---
    def _recording(self, path: str, query: Query) -> tuple[int, bytes, str]:
        match = re.fullmatch(r"/recordings/([0-9a-f-]+)\.(mp3|wav)", path)
        if match is None:
            return 404, b"not found", "text/plain"
        recording_id, ext = match.groups()
        denied = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            b"<Message>Request has expired or the signature does not match</Message></Error>"
        )
        try:
            expires = int(query.get("expires") or "")
        except ValueError:
            return 403, denied, "application/xml"
        expected = self._url_signature(recording_id, ext, expires)
        if not hmac.compare_digest(expected, query.get("signature") or "") or self.now() > expires:
            return 403, denied, "application/xml"
        with self._lock:
            saved = self._recordings.get(recording_id)
        if saved is None:
            return 404, b"not found", "text/plain"
        channels, audio = saved
        audio = audio or self.recording_audio
        if ext == "wav":
            return 200, audio[0] if audio else wav_bytes(channels), "audio/wav"
        return 200, audio[1] if audio else MP3_BYTES, "audio/mpeg"


def _normalise(action: str | None) -> str | None:
    return None if action is None else action_name(action)


def _matches(wanted: str | None, name: str) -> bool:
    return wanted is None or wanted == name or name.startswith(wanted + ".")


# --- REST route table ----------------------------------------------------------------------------------
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern), name)
    for method, pattern, name in (
        ("POST", r"/v2/calls/(?P<id>[^/]+)/actions/(?P<action>[a-z_]+)", "call_action"),
        ("GET", r"/v2/calls/(?P<id>[^/]+)", "calls.retrieve_status"),
        ("GET", r"/v2/available_phone_numbers", "available_phone_numbers.list"),
        ("POST", r"/v2/number_orders", "number_orders.create"),
        ("GET", r"/v2/number_orders/(?P<id>[^/]+)", "number_orders.retrieve"),
        ("GET", r"/v2/phone_numbers", "phone_numbers.list"),
        ("GET", r"/v2/phone_numbers/(?P<id>[^/]+)", "phone_numbers.retrieve"),
        ("PATCH", r"/v2/phone_numbers/(?P<id>[^/]+)", "phone_numbers.update"),
        ("DELETE", r"/v2/phone_numbers/(?P<id>[^/]+)", "phone_numbers.delete"),
        ("POST", r"/v2/call_control_applications", "call_control_applications.create"),
        ("GET", r"/v2/call_control_applications", "call_control_applications.list"),
        ("GET", r"/v2/call_control_applications/(?P<id>[^/]+)", "call_control_applications.retrieve"),
        ("PATCH", r"/v2/call_control_applications/(?P<id>[^/]+)", "call_control_applications.update"),
        ("DELETE", r"/v2/call_control_applications/(?P<id>[^/]+)", "call_control_applications.delete"),
        ("POST", r"/v2/messages", "messages.send"),
    )
]


# --- HTTP plumbing ---------------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeTelnyx
    ) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hangs up mid-answer is routine here


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK cost 40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        return

    @property
    def fake(self) -> FakeTelnyx:
        return self.server.fake

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _dispatch(self, method: str) -> None:
        # Always drain the body first, so a keep-alive connection stays in step whatever we answer.
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query, flat = Query(pairs), dict(pairs)
        malformed = False
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                malformed = True
        try:
            if path.startswith("/_sim/"):
                status, payload = self.fake._sim(method, path, body if isinstance(body, dict) else {}, query)
                self._send_json(status, payload)
            elif path.startswith("/recordings/") and method == "GET":
                self.fake._record_request(RecordedRequest(method, path, self._headers(), None, flat))
                status, data, content_type = self.fake._recording(path, query)
                self._send(status, data, content_type)
            else:
                self._rest(method, path, query, body, malformed, flat)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _headers(self) -> dict[str, str]:
        return {key.lower(): value for key, value in self.headers.items()}

    def _rest(
        self, method: str, path: str, query: Query, body: Any, malformed: bool, flat: dict[str, str]
    ) -> None:
        fake = self.fake
        fake._record_request(RecordedRequest(method, path, self._headers(), body, flat))
        route = fake._route(method, path)
        authorised = self.headers.get("Authorization") == f"Bearer {fake.api_key}"
        if route is not None and route.call_action:
            # Call actions record a Command whatever happens to them.
            failure = fake._take_failure(route.name) if authorised else None
            if malformed:
                body = "malformed"
            elif body is None:
                body = {}
            status, payload = fake._call_action(route, body, failure, authorised=authorised)
            self._finish_rest(route.name, status, payload)
            return
        if not authorised:
            self._send_json(401, errors.authentication_failed().body())
            return
        if route is None:
            self._send_json(404, errors.not_found().body())
            return
        failure = fake._take_failure(route.name)
        if failure is not None:
            self._finish_rest(route.name, failure.status, errors.unexpected(failure.status).body())
            return
        if malformed or (method in ("POST", "PATCH") and body is not None and not isinstance(body, dict)):
            self._finish_rest(route.name, 400, errors.malformed_json().body())
            return
        try:
            with fake._lock:
                status, payload = fake._serve(route, body if isinstance(body, dict) else {}, query)
        except Refused as refused:
            status, payload = refused.error.status, refused.error.body()
        self._finish_rest(route.name, status, payload)

    def _finish_rest(self, name: str, status: int, payload: Any) -> None:
        delay = self.fake._slow_for(name)
        if delay > 0:
            self.fake._stopping.wait(delay)
        self._send_json(status, payload)


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of the Telnyx Call Control API")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--seed-hex", default=None, help="64 hex digits: a fixed Ed25519 key pair")
    args = parser.parse_args()
    seed = bytes.fromhex(args.seed_hex) if args.seed_hex else None
    if seed is not None and len(seed) != 32:
        parser.error("--seed-hex must be 64 hex digits (32 bytes)")
    fake = FakeTelnyx(api_key=args.api_key, webhook_url=args.webhook_url, port=args.port, seed=seed).start()
    print(f"TELNYX_BASE_URL={fake.base_url}", flush=True)
    print(f"TELNYX_API_KEY={fake.api_key}", flush=True)
    print(f"TELNYX_PUBLIC_KEY={fake.public_key}", flush=True)
    print(
        f"webhooks → {fake.webhook_url or '(recorded only)'}; control API at {fake.root_url}/_sim/",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
