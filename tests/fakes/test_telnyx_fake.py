"""The Telnyx fake, judged by the real SDK (REST) and by the SDK's own signature check (webhooks)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import wave
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import telnyx
from nacl.signing import SigningKey
from telnyx.lib.webhook_verification import WebhookVerificationError, verify_webhook_signature

from tests.fakes.telnyx import FakeCall, FakeTelnyx

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "telnyx" / "webhooks"
CALLER = "+33612345678"
OUR_NUMBER = "+33184880001"
STATE_A = base64.b64encode(b'{"step":"greeting"}').decode()
STATE_B = base64.b64encode(b'{"step":"order"}').decode()


# --- a tiny webhook receiver that checks every signature the way the app will ------------------------------
class Receiver:
    def __init__(self) -> None:
        self.public_key = ""
        self.events: list[dict[str, Any]] = []  # every verified delivery, duplicates included
        self.rejected: list[str] = []  # why deliveries failed verification
        self.script: list[int] = []  # statuses to answer before answering 200 again
        self.on_event: Callable[[dict[str, Any]], None] | None = None
        self.errors: list[BaseException] = []
        self.cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/telnyx/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.receive(body, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            verify_webhook_signature(body, headers, self.public_key)
        except WebhookVerificationError as exc:
            with self.cond:
                self.rejected.append(str(exc))
                self.cond.notify_all()
            return 401
        with self.cond:
            if self.script:
                return self.script.pop(0)
            envelope = json.loads(body)
            self.events.append(envelope)
            self.cond.notify_all()
        if self.on_event is not None:
            try:
                self.on_event(envelope)  # the app answering a webhook with a command, re-entrantly
            except BaseException as exc:  # surfaced by the test, not lost in a server thread
                self.errors.append(exc)
        return 200

    def types(self, call: FakeCall | None = None) -> list[str]:
        with self.cond:
            return [
                e["data"]["event_type"]
                for e in self.events
                if call is None or e["data"]["payload"].get("call_control_id") == call.call_control_id
            ]

    def of(self, event_type: str) -> list[dict[str, Any]]:
        with self.cond:
            return [e["data"]["payload"] for e in self.events if e["data"]["event_type"] == event_type]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout=timeout):
                raise TimeoutError(f"receiver got {self.types()} (rejected: {self.rejected})")

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as app:
        yield app


@pytest.fixture
def fake(receiver: Receiver) -> Iterator[FakeTelnyx]:
    with FakeTelnyx(api_key="KEYfake", webhook_url=receiver.url) as server:
        receiver.public_key = server.public_key
        server.retry_delays = (0.01, 0.02, 0.04)
        yield server
        assert not receiver.errors, receiver.errors
        assert not server.internal_errors, server.internal_errors


@pytest.fixture
def client(fake: FakeTelnyx) -> telnyx.Telnyx:
    return telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)


def answered_call(fake: FakeTelnyx, client: telnyx.Telnyx, *, transcribe: bool = False) -> FakeCall:
    call = fake.place_call(from_=CALLER, to=OUR_NUMBER)
    client.calls.actions.answer(call.call_control_id, client_state=STATE_A)
    if transcribe:
        client.calls.actions.start_transcription(
            call.call_control_id,
            transcription_engine="Google",
            transcription_engine_config={"language": "fr"},
        )
    return call


def actions(client: telnyx.Telnyx) -> Any:
    return client.calls.actions


# --- commands and the webhooks they cause ----------------------------------------------------------------
def test_answer_then_speak_emit_signed_webhooks_in_order(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    call = fake.place_call(from_=CALLER, to=OUR_NUMBER, caller_id_name="Jean")
    assert call.state == "parked" and call.direction == "incoming"
    answer = actions(client).answer(call.call_control_id, client_state=STATE_A, command_id="c-1")
    assert answer.data is not None and answer.data.result == "ok"
    speak = actions(client).speak(
        call.call_control_id, payload="Bonjour !", voice="Telnyx.KokoroTTS.af", language="fr-FR"
    )
    assert speak.data is not None and speak.data.result == "ok"
    fake.drain()

    assert receiver.types(call) == [
        "call.initiated",
        "call.answered",
        "call.speak.started",
        "call.speak.ended",
    ]
    assert not receiver.rejected
    initiated, answered, started, ended = (e["data"] for e in receiver.events)
    assert initiated["record_type"] == "event" and initiated["occurred_at"].endswith("Z")
    first = initiated["payload"]
    assert first["direction"] == "incoming" and first["state"] == "parked"
    assert (first["from"], first["to"], first["caller_id_name"]) == (CALLER, OUR_NUMBER, "Jean")
    assert first["client_state"] is None and first["start_time"]
    for data in (answered, started, ended):
        payload = data["payload"]
        assert payload["client_state"] == STATE_A  # echoed on every later webhook of the leg
        ids = (payload["call_control_id"], payload["call_leg_id"], payload["call_session_id"])
        assert ids == (call.call_control_id, call.call_leg_id, call.call_session_id)
        assert payload["connection_id"] == fake.default_connection_id
    assert answered["payload"]["state"] == "answered"
    assert ended["payload"]["status"] == "completed"
    assert receiver.events[0]["meta"] == {"attempt": 1, "delivered_to": receiver.url}
    assert call.state == "answered" and call.spoken == ["Bonjour !"] and call.client_state == STATE_A
    assert [(c.action, c.status, c.command_id) for c in call.commands] == [
        ("answer", 200, "c-1"),
        ("speak", 200, None),
    ]
    assert [d.status_code for d in fake.deliveries] == [200, 200, 200, 200]


def test_the_app_can_answer_a_webhook_with_commands(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    def app(envelope: dict[str, Any]) -> None:
        data = envelope["data"]
        call_id = data["payload"]["call_control_id"]
        if data["event_type"] == "call.initiated":
            actions(client).answer(call_id, client_state=STATE_A)
        elif data["event_type"] == "call.answered":
            actions(client).speak(call_id, payload="Pizzeria Roma, bonjour", voice="female")
            actions(client).start_transcription(call_id, transcription_engine_config={"language": "fr"})
        elif data["event_type"] == "call.transcription" and data["payload"]["transcription_data"]["is_final"]:
            actions(client).speak(call_id, payload="Une margherita, c'est noté.", voice="female")

    receiver.on_event = app
    call = fake.place_call(from_=CALLER, to=OUR_NUMBER)
    assert call.wait_for_speech() == ["Pizzeria Roma, bonjour"]
    call.wait_for(lambda c: c.transcribing)
    call.say("une margherita s'il vous plaît")
    assert call.wait_for_speech() == ["Pizzeria Roma, bonjour", "Une margherita, c'est noté."]
    assert call.transcription_language == "fr"
    fake.drain()


def test_repeated_command_id_is_acknowledged_but_not_acted_on(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    call = answered_call(fake, client)
    for _ in range(2):
        actions(client).speak(
            call.call_control_id, payload="Une seule fois", voice="female", command_id="s-1"
        )
    actions(client).speak(call.call_control_id, payload="Une autre", voice="female", command_id="s-2")
    fake.drain()
    assert call.spoken == ["Une seule fois", "Une autre"]
    assert [(c.command_id, c.status, c.duplicate) for c in call.commands if c.action == "speak"] == [
        ("s-1", 200, False),
        ("s-1", 200, True),
        ("s-2", 200, False),
    ]
    assert receiver.types(call).count("call.speak.started") == 2


def test_commands_on_an_ended_call_answer_90018(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    call = answered_call(fake, client)
    call.hang_up()
    with pytest.raises(telnyx.UnprocessableEntityError) as raised:
        actions(client).speak(call.call_control_id, payload="Allô ?", voice="female")
    error = raised.value.body["errors"][0]  # type: ignore[index]
    assert (error["code"], error["title"]) == ("90018", "Call has already ended")
    assert "no longer active" in error["detail"]
    with pytest.raises(telnyx.UnprocessableEntityError):
        actions(client).hangup(call.call_control_id)
    assert [c.status for c in call.commands][-2:] == [422, 422]


def test_client_state_must_be_base64(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    call = fake.place_call()
    with pytest.raises(telnyx.UnprocessableEntityError) as raised:
        actions(client).answer(call.call_control_id, client_state="not base64 at all!")
    error = raised.value.body["errors"][0]  # type: ignore[index]
    assert error["title"] == "Invalid client_state" and "Base-64" in error["detail"]
    assert call.state == "parked" and call.client_state is None  # nothing happened


@pytest.mark.parametrize(
    ("action", "kwargs", "pointer"),
    [
        ("speak", {"payload": "", "voice": "female"}, "/payload"),
        ("speak", {"payload": "Bonjour", "voice": ""}, "/voice"),
        ("speak", {"payload": "x" * 3001, "voice": "female"}, "/payload"),
        ("transfer", {"to": ""}, "/to"),
        ("transfer", {"to": "+33611111111", "timeout_secs": 2}, "/timeout_secs"),
        ("start_recording", {"format": "ogg", "channels": "dual"}, "/format"),
        ("start_recording", {"format": "mp3", "channels": "stereo"}, "/channels"),
        ("start_playback", {}, "/audio_url"),
    ],
)
def test_required_and_invalid_fields_answer_422(
    fake: FakeTelnyx, client: telnyx.Telnyx, action: str, kwargs: dict[str, Any], pointer: str
) -> None:
    call = answered_call(fake, client)
    with pytest.raises(telnyx.UnprocessableEntityError) as raised:
        getattr(actions(client), action)(call.call_control_id, **kwargs)
    error = raised.value.body["errors"][0]  # type: ignore[index]
    assert error["source"]["pointer"] == pointer and error["detail"]


def test_reject_needs_a_known_cause_and_a_parked_call(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    call = fake.place_call()
    with pytest.raises(telnyx.UnprocessableEntityError):
        actions(client).reject(call.call_control_id, cause="NOPE")  # type: ignore[arg-type]
    actions(client).reject(call.call_control_id, cause="USER_BUSY")
    fake.drain()
    hangup = receiver.of("call.hangup")[0]
    assert (hangup["hangup_cause"], hangup["hangup_source"]) == ("call_rejected", "callee")
    answered = answered_call(fake, client)
    with pytest.raises(telnyx.UnprocessableEntityError):
        actions(client).reject(answered.call_control_id, cause="CALL_REJECTED")
    with pytest.raises(telnyx.UnprocessableEntityError):
        actions(client).answer(answered.call_control_id)  # twice


def test_speak_needs_an_answered_call(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    call = fake.place_call()
    with pytest.raises(telnyx.UnprocessableEntityError):
        actions(client).speak(call.call_control_id, payload="Trop tôt", voice="female")
    assert call.spoken == []


def test_unknown_call_and_unknown_route_answer_404(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    with pytest.raises(telnyx.NotFoundError) as raised:
        actions(client).hangup("v3:does-not-exist")
    assert raised.value.body["errors"][0]["code"] == "10005"  # type: ignore[index]
    with pytest.raises(telnyx.NotFoundError):
        client.number_orders.retrieve("nope")
    assert fake.commands[-1].status == 404


def test_wrong_api_key_answers_401(fake: FakeTelnyx) -> None:
    intruder = telnyx.Telnyx(api_key="KEYwrong", base_url=fake.base_url, max_retries=0)
    call = fake.place_call()
    with pytest.raises(telnyx.AuthenticationError) as raised:
        intruder.calls.actions.answer(call.call_control_id)
    assert raised.value.body["errors"][0]["code"] == "10009"  # type: ignore[index]
    with pytest.raises(telnyx.AuthenticationError):
        intruder.available_phone_numbers.list(filter={"country_code": "FR"})
    assert call.state == "parked" and fake.commands[-1].status == 401
    assert fake.requests[-1].headers["authorization"] == "Bearer KEYwrong"


def test_fail_next_then_the_sdk_retry_succeeds_with_the_same_command_id(
    fake: FakeTelnyx, receiver: Receiver
) -> None:
    retrying = telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=1)
    call = answered_call(fake, retrying)
    fake.fail_next("speak")
    retrying.calls.actions.speak(call.call_control_id, payload="Enfin", voice="female", command_id="k-1")
    speaks = [c for c in fake.commands if c.action == "speak"]
    assert [(c.status, c.command_id) for c in speaks] == [(500, "k-1"), (200, "k-1")]
    fake.drain()
    assert receiver.types(call).count("call.speak.started") == 1 and call.spoken == ["Enfin"]


def test_fail_next_matches_sdk_names_routes_and_counts(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    call = answered_call(fake, client)
    fake.fail_next("start_transcription", status=503, times=2)
    for _ in range(2):
        with pytest.raises(telnyx.InternalServerError) as raised:
            actions(client).start_transcription(call.call_control_id)
        assert raised.value.body["errors"][0]["code"] == "10007"  # type: ignore[index]
    actions(client).start_transcription(call.call_control_id)
    assert call.transcribing
    fake.fail_next("number_orders", status=502)
    with pytest.raises(telnyx.InternalServerError):
        client.number_orders.create(phone_numbers=[{"phone_number": OUR_NUMBER}])
    assert fake.orders == {}
    fake.fail_next()
    with pytest.raises(telnyx.InternalServerError):
        client.messages.send(from_=OUR_NUMBER, to=CALLER, text="x")


def test_slow_answers_after_the_effect_so_a_retry_is_deduplicated(
    fake: FakeTelnyx, client: telnyx.Telnyx
) -> None:
    call = answered_call(fake, client)
    fake.slow(0.5, "speak")
    impatient = client.with_options(timeout=0.1)
    with pytest.raises(telnyx.APITimeoutError):
        impatient.calls.actions.speak(call.call_control_id, payload="Lent", voice="female", command_id="z")
    assert call.spoken == ["Lent"]
    fake.slow(0)
    actions(client).speak(call.call_control_id, payload="Lent", voice="female", command_id="z")
    assert call.spoken == ["Lent"] and call.commands[-1].duplicate


# --- delivery modes ----------------------------------------------------------------------------------------
def test_duplicate_mode_sends_every_event_twice(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    fake.duplicate = True
    call = answered_call(fake, client)
    fake.drain()
    ids = [e["data"]["id"] for e in receiver.events]
    assert len(ids) == 4 and len(set(ids)) == 2
    by_id: dict[str, list[int]] = {}
    for envelope in receiver.events:
        by_id.setdefault(envelope["data"]["id"], []).append(envelope["meta"]["attempt"])
    assert all(sorted(attempts) == [1, 2] for attempts in by_id.values())
    assert call.event_types == ["call.initiated", "call.answered"]


def test_shuffle_mode_still_delivers_every_event(
    receiver: Receiver,
) -> None:
    with FakeTelnyx(webhook_url=receiver.url, seed=bytes(range(32))) as fake:
        receiver.public_key = fake.public_key
        fake.shuffle = True
        fake.shuffle_batch, fake.shuffle_window = 11, 5.0  # one batch: the whole call, shuffled by the seed
        client = telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
        call = answered_call(fake, client)
        for n in range(4):
            actions(client).speak(call.call_control_id, payload=f"Phrase {n}", voice="female")
        call.hang_up()
        fake.drain()
        emitted = [e["data"]["id"] for e in fake.events]
        received = [e["data"]["id"] for e in receiver.events]
        assert len(emitted) == 11 and sorted(received) == sorted(emitted)
        assert received != emitted


def test_failed_deliveries_are_retried_with_a_higher_attempt(fake: FakeTelnyx, receiver: Receiver) -> None:
    receiver.script = [500, 503]
    fake.place_call()
    fake.drain()
    assert [(d.status_code, d.attempt) for d in fake.deliveries] == [(500, 1), (503, 2), (200, 3)]
    event_id = fake.events[0]["data"]["id"]
    assert fake.deliveries[-1] == ("call.initiated", event_id, 200)
    assert receiver.events[0]["meta"]["attempt"] == 3


def test_unreachable_webhook_is_retried_then_given_up(fake: FakeTelnyx) -> None:
    fake.webhook_url = "http://127.0.0.1:9/unreachable"
    fake.place_call()
    fake.drain()
    assert [(d.status_code, d.attempt) for d in fake.deliveries] == [(0, 1), (0, 2), (0, 3), (0, 4)]


def test_without_webhook_url_events_are_only_recorded() -> None:
    with FakeTelnyx() as fake:
        call = fake.place_call()
        fake.drain()
        assert call.event_types == ["call.initiated"] and fake.deliveries == []


def test_delay_holds_each_delivery(fake: FakeTelnyx, receiver: Receiver) -> None:
    fake.delay = 0.2
    began = time.monotonic()
    fake.place_call()
    assert receiver.events == []
    fake.drain()
    assert time.monotonic() - began >= 0.2 and len(receiver.events) == 1


def test_deliver_signs_or_sends_what_it_is_given(fake: FakeTelnyx, receiver: Receiver) -> None:
    envelope = fake.event("call.hangup", {"call_control_id": "v3:x", "client_state": None})
    assert envelope["data"]["record_type"] == "event" and envelope["meta"]["delivered_to"] == receiver.url
    assert fake.deliver(envelope) == 200
    body = json.dumps(envelope).encode()
    stale = fake.sign(body, timestamp=int(time.time()) - 600)
    assert fake.deliver(envelope, body=body, headers=stale) == 401
    forged = FakeTelnyx(seed=bytes(32)).sign(body)
    assert fake.deliver(envelope, body=body, headers=forged) == 401
    tampered = fake.sign(body)
    assert fake.deliver(envelope, body=body.replace(b"hangup", b"answered"), headers=tampered) == 401
    assert len(receiver.events) == 1 and len(receiver.rejected) == 3


def test_a_seed_fixes_the_key_pair() -> None:
    seed = bytes.fromhex("11" * 32)
    one, two = FakeTelnyx(seed=seed), FakeTelnyx(seed=seed)
    assert one.public_key == two.public_key
    assert base64.b64decode(one.public_key) == bytes(SigningKey(seed).verify_key)
    headers = one.sign(b'{"data":{}}', timestamp=int(time.time()))
    verify_webhook_signature(b'{"data":{}}', headers, two.public_key)
    assert headers["content-type"] == "application/json"
    assert FakeTelnyx().public_key != one.public_key


# --- the scripted caller ---------------------------------------------------------------------------------
def test_say_needs_transcription(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    call = answered_call(fake, client)
    with pytest.raises(AssertionError, match="transcription not started"):
        call.say("Allô ?")
    actions(client).start_transcription(call.call_control_id, transcription_engine_config={"language": "fr"})
    actions(client).stop_transcription(call.call_control_id)
    with pytest.raises(AssertionError, match="transcription not started"):
        call.say("Allô ?")


def test_say_sends_an_interim_then_a_final_transcription(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    call = answered_call(fake, client, transcribe=True)
    assert call.transcribing and call.transcription_language == "fr"
    call.say("je voudrais deux pizzas", confidence=0.8)
    fake.drain()
    interim, final = (p["transcription_data"] for p in receiver.of("call.transcription"))
    assert interim["is_final"] is False and "je voudrais deux pizzas".startswith(interim["transcript"])
    assert interim["transcript"] != "je voudrais deux pizzas"
    assert final == {
        "transcript": "je voudrais deux pizzas",
        "is_final": True,
        "confidence": 0.8,
        "transcription_track": "inbound",
    }


def test_press_sends_dtmf(fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver) -> None:
    call = answered_call(fake, client)
    call.press("5")
    fake.drain()
    assert receiver.of("call.dtmf.received")[0]["digit"] == "5"
    with pytest.raises(ValueError):
        call.press("55")


def test_caller_hangup_ends_speech_and_saves_the_recording(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    fake.speech_seconds_per_char = 1.0  # long enough to still be speaking when the caller hangs up
    call = answered_call(fake, client)
    actions(client).start_recording(call.call_control_id, format="mp3", channels="dual")
    assert call.recording is not None and call.recording["format"] == "mp3" and call.recording["active"]
    actions(client).speak(call.call_control_id, payload="Un long discours", voice="female")
    call.hang_up()
    fake.drain()
    assert receiver.types(call)[-4:] == [
        "call.speak.started",
        "call.speak.ended",
        "call.hangup",
        "call.recording.saved",
    ]
    assert receiver.of("call.speak.ended")[0]["status"] == "call_hangup"
    hangup = receiver.of("call.hangup")[0]
    assert (hangup["hangup_cause"], hangup["hangup_source"]) == ("normal_clearing", "caller")
    assert hangup["start_time"] and hangup["end_time"] and hangup["client_state"] == STATE_A
    saved = receiver.of("call.recording.saved")[0]
    assert saved["channels"] == "dual" and saved["recording_started_at"] and saved["recording_ended_at"]
    assert saved["public_recording_urls"] == saved["recording_urls"]

    with urllib.request.urlopen(saved["recording_urls"]["mp3"]) as response:
        assert response.headers["Content-Type"] == "audio/mpeg" and response.read().startswith(b"ID3")
    with urllib.request.urlopen(saved["recording_urls"]["wav"]) as response:
        with wave.open(io.BytesIO(response.read())) as wav:
            assert wav.getnchannels() == 2 and wav.getnframes() > 0

    fake.now = lambda: time.time() + 601  # the signed URLs last 10 minutes
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(saved["recording_urls"]["mp3"])
    assert expired.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as forged:
        urllib.request.urlopen(saved["recording_urls"]["wav"].replace("signature=", "signature=0"))
    assert forged.value.code == 403


def test_a_test_chooses_the_audio_a_recording_serves(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    fake.recording_audio = (b"RIFF-every-call", b"ID3-every-call")
    own, other = answered_call(fake, client), answered_call(fake, client)
    own.recording_audio = (b"RIFF-this-call", b"ID3-this-call")
    for call in (own, other):
        actions(client).start_recording(call.call_control_id, format="mp3", channels="single")
        actions(client).stop_recording(call.call_control_id)
    fake.drain()
    served = []
    for saved in receiver.of("call.recording.saved"):
        for ext in ("wav", "mp3"):
            with urllib.request.urlopen(saved["recording_urls"][ext]) as response:
                served.append((response.headers["Content-Type"], response.read()))
    assert served == [
        ("audio/wav", b"RIFF-this-call"),
        ("audio/mpeg", b"ID3-this-call"),
        ("audio/wav", b"RIFF-every-call"),
        ("audio/mpeg", b"ID3-every-call"),
    ]


def test_hanging_up_a_parked_call_is_a_cancel(fake: FakeTelnyx, receiver: Receiver) -> None:
    call = fake.place_call()
    call.hang_up()
    fake.drain()
    assert receiver.of("call.hangup")[0]["hangup_cause"] == "originator_cancel"
    with pytest.raises(AssertionError):
        call.hang_up()


def test_app_hangup_and_record_stop(fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver) -> None:
    call = answered_call(fake, client)
    actions(client).start_recording(call.call_control_id, format="wav", channels="single")
    actions(client).stop_recording(call.call_control_id, client_state=STATE_B)
    actions(client).hangup(call.call_control_id)
    fake.drain()
    assert receiver.types(call) == ["call.initiated", "call.answered", "call.recording.saved", "call.hangup"]
    assert receiver.of("call.recording.saved")[0]["client_state"] == STATE_B
    hangup = receiver.of("call.hangup")[0]
    assert (hangup["hangup_cause"], hangup["hangup_source"]) == ("normal_clearing", "callee")
    assert call.state == "hangup" and not client.calls.retrieve_status(call.call_control_id).data.is_alive  # type: ignore[union-attr]


def test_a_speak_with_stop_interrupts_the_one_playing(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    fake.speech_seconds_per_char = 0.01
    call = answered_call(fake, client)
    actions(client).speak(call.call_control_id, payload="x" * 500, voice="female")  # 5 s
    actions(client).speak(call.call_control_id, payload="Pardon", voice="female", stop="current")
    assert call.speaking
    fake.drain()
    statuses = [p["status"] for p in receiver.of("call.speak.ended")]
    assert statuses == ["interrupted", "completed"] and not call.speaking


def test_speeches_queue_and_take_time(fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver) -> None:
    fake.speech_seconds_per_char = 0.01
    call = answered_call(fake, client)
    began = time.monotonic()
    actions(client).speak(call.call_control_id, payload="a" * 10, voice="female")
    actions(client).speak(call.call_control_id, payload="b" * 10, voice="female")
    fake.drain()
    assert time.monotonic() - began >= 0.2
    assert receiver.types(call)[2:] == ["call.speak.started", "call.speak.ended"] * 2


def test_gather_times_out_or_collects_digits(
    fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver
) -> None:
    fake.gather_timeout = 0.05
    call = answered_call(fake, client)
    actions(client).gather_using_speak(call.call_control_id, payload="Tapez 1", voice="female")
    fake.drain()
    timed_out = receiver.of("call.gather.ended")[-1]
    assert (timed_out["digits"], timed_out["status"]) == ("", "timeout")
    fake.gather_timeout = 5.0
    actions(client).gather_using_speak(call.call_control_id, payload="Votre code ?", voice="female")
    for digit in "12#":
        call.press(digit)
    fake.drain()
    ended = receiver.of("call.gather.ended")[-1]
    assert (ended["digits"], ended["status"]) == ("12", "valid")
    assert call.spoken == ["Tapez 1", "Votre code ?"]


def test_streaming_and_playback_events(fake: FakeTelnyx, client: telnyx.Telnyx, receiver: Receiver) -> None:
    # Nothing listens at app.test: the stream cannot connect, so streaming.failed, never .started/.stopped
    # (a stream that connects is tested in test_telnyx_media_stream.py).
    call = fake.place_call()
    actions(client).answer(
        call.call_control_id, stream_url="wss://app.test/media", stream_track="both_tracks"
    )
    fake.drain()  # the connect attempt runs on the stream's thread; drain() waits for its outcome
    actions(client).start_playback(call.call_control_id, audio_url="https://app.test/hold.mp3")
    actions(client).stop_streaming(call.call_control_id)
    actions(client).start_streaming(call.call_control_id, stream_url="wss://app.test/media2")
    fake.drain()
    assert receiver.types(call) == [
        "call.initiated",
        "call.answered",
        "streaming.failed",
        "call.playback.started",
        "call.playback.ended",
        "streaming.failed",
    ]
    failed = receiver.of("streaming.failed")
    assert [f["stream_url"] for f in failed] == ["wss://app.test/media", "wss://app.test/media2"]
    assert failed[0]["failure_reason"] == "connection_failed"
    assert failed[0]["stream_params"] == {"stream_url": "wss://app.test/media", "track": "both_tracks"}
    assert call.stream is not None and call.stream.error and call.streaming is None
    assert receiver.of("call.playback.ended")[0]["status"] == "completed"
    with pytest.raises(telnyx.UnprocessableEntityError):
        actions(client).start_streaming(call.call_control_id, stream_url="https://not-a-websocket")


@pytest.mark.parametrize(
    ("behaviour", "leg_events", "outcome", "a_state"),
    [
        ("answer", ["call.initiated", "call.answered", "call.bridged"], "answered", "bridged"),
        ("busy", ["call.initiated", "call.hangup"], "busy", "answered"),
        ("no_answer", ["call.initiated", "call.hangup"], "no_answer", "answered"),
    ],
)
def test_transfer_outcomes(
    fake: FakeTelnyx,
    client: telnyx.Telnyx,
    receiver: Receiver,
    behaviour: str,
    leg_events: list[str],
    outcome: str,
    a_state: str,
) -> None:
    manager = "+33699999999"
    fake.set_party(manager, behaviour)
    call = answered_call(fake, client)
    actions(client).transfer(
        call.call_control_id, to=manager, timeout_secs=20, target_leg_client_state=STATE_B
    )
    fake.drain()
    (transfer,) = call.transfers
    assert (transfer["to"], transfer["timeout_secs"], transfer["outcome"]) == (manager, 20, outcome)
    leg = fake.calls[transfer["leg_call_control_id"]]
    assert leg.call_session_id == call.call_session_id and leg.direction == "outgoing"
    assert (leg.from_, leg.to) == (OUR_NUMBER, manager)
    assert receiver.types(leg) == leg_events
    leg_payloads = [
        e["data"]["payload"]
        for e in receiver.events
        if e["data"]["payload"]["call_control_id"] == leg.call_control_id
    ]
    assert all(p["client_state"] == STATE_B for p in leg_payloads)
    assert leg_payloads[0]["direction"] == "outgoing"
    assert call.state == a_state
    if behaviour == "answer":
        assert receiver.types(call)[-1] == "call.bridged" and leg.state == "bridged"
        call.hang_up()  # a bridged call ends for both legs
        assert leg.state == "hangup"
    else:
        causes = {"busy": "user_busy", "no_answer": "timeout"}
        assert leg_payloads[-1]["hangup_cause"] == causes[behaviour]


def test_wait_helpers_time_out_with_context(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    call = answered_call(fake, client)
    with pytest.raises(TimeoutError, match=r"1 spoken text.*answered.*answer→200"):
        call.wait_for_speech(timeout=0.05)
    with pytest.raises(TimeoutError, match=call.call_control_id):
        call.wait_for(lambda c: c.state == "bridged", timeout=0.05)


def test_place_call_uses_the_numbers_connection(fake: FakeTelnyx, receiver: Receiver) -> None:
    fake.add_number(OUR_NUMBER, connection_id="1234567890")
    call = fake.place_call(to=OUR_NUMBER)
    assert call.connection_id == "1234567890"
    assert fake.place_call(to="+33999999999").connection_id == fake.default_connection_id
    assert fake.number(OUR_NUMBER) is not None


# --- numbers, applications, messages ---------------------------------------------------------------------
def test_numbers_flow_search_order_poll_assign_release(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    fake.order_polls_until_done = 2
    app = client.call_control_applications.create(
        application_name="kalliky-pizzeria-roma",
        webhook_event_url="https://kalliky.test/api/telnyx/webhook",
        webhook_event_failover_url="https://kalliky.test/api/telnyx/webhook",
        webhook_api_version="2",
    ).data
    assert app is not None and app.id and app.id.isdigit() and app.webhook_api_version == "2"

    found = client.available_phone_numbers.list(
        filter={"country_code": "FR", "features": ["voice", "sms"], "limit": 5}
    )
    assert found.data is not None and len(found.data) == 5
    first = found.data[0]
    assert first.phone_number is not None and first.phone_number.startswith("+331")
    assert first.features is not None and {f.name for f in first.features} == {"voice", "sms"}
    assert first.cost_information is not None and first.cost_information.currency == "USD"
    assert fake.requests[-1].query["filter[features]"] == "voice,sms"

    order = client.number_orders.create(
        phone_numbers=[{"phone_number": first.phone_number}], connection_id=app.id
    ).data
    assert order is not None and order.status == "pending" and order.id
    assert order.phone_numbers is not None and order.phone_numbers[0].status == "pending"
    again = client.available_phone_numbers.list(filter={"country_code": "FR", "limit": 5}).data or []
    assert first.phone_number not in {n.phone_number for n in again}  # not offered twice
    statuses = [client.number_orders.retrieve(order.id).data.status for _ in range(2)]  # type: ignore[union-attr]
    assert statuses == ["pending", "success"]

    (owned,) = list(client.phone_numbers.list(filter={"phone_number": first.phone_number}))
    assert owned.phone_number == first.phone_number and owned.status == "active"
    assert owned.connection_id == app.id and fake.number(first.phone_number) is not None

    updated = client.phone_numbers.update(owned.id, connection_id="999").data
    assert updated is not None and updated.connection_id == "999"
    got = client.phone_numbers.retrieve(owned.id).data
    assert got is not None and got.connection_id == "999"
    deleted = client.phone_numbers.delete(owned.id).data
    assert deleted is not None and deleted.status == "deleted"
    with pytest.raises(telnyx.NotFoundError):
        client.phone_numbers.retrieve(owned.id)
    assert fake.phone_numbers == {}


def test_a_failing_order_releases_its_numbers(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    fake.fail_orders = True
    order = client.number_orders.create(phone_numbers=[{"phone_number": "+12125550001"}]).data
    assert order is not None and order.id
    done = client.number_orders.retrieve(order.id).data
    assert done is not None and done.status == "failure"
    assert done.phone_numbers is not None and done.phone_numbers[0].status == "failure"
    assert fake.phone_numbers == {}
    with pytest.raises(telnyx.UnprocessableEntityError):
        client.number_orders.create(phone_numbers=[{"phone_number": "+10000000000"}])


def test_applications_list_filters_by_name(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    for name in ("kalliky-roma", "kalliky-napoli", "other"):
        client.call_control_applications.create(application_name=name, webhook_event_url="https://x.test/h")
    names = {
        app.application_name
        for app in client.call_control_applications.list(filter={"application_name": {"contains": "kalliky"}})
    }
    assert names == {"kalliky-roma", "kalliky-napoli"}
    assert len(list(client.call_control_applications.list())) == 3
    with pytest.raises(telnyx.UnprocessableEntityError):
        client.call_control_applications.create(application_name="", webhook_event_url="https://x.test/h")


def test_messages_send(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    sent = client.messages.send(from_=OUR_NUMBER, to=CALLER, text="Votre commande est prête").data
    assert sent is not None and sent.direction == "outbound" and sent.record_type == "message"
    assert sent.from_ is not None and sent.from_.phone_number == OUR_NUMBER
    assert sent.to is not None and (sent.to[0].phone_number, sent.to[0].status) == (CALLER, "queued")
    assert fake.messages[0]["text"] == "Votre commande est prête"
    with pytest.raises(telnyx.UnprocessableEntityError):
        client.messages.send(from_=OUR_NUMBER, to="", text="x")


# --- wire shapes against published payloads ------------------------------------------------------------
# Fields the published samples carry that the fake does not simulate (media and SIP details).
NOT_SIMULATED = {
    "call_quality_stats",
    "codec",
    "sampling_rate",
    "connection_codecs",
    "from_sip_uri",
    "to_sip_uri",
}


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not available")
def test_emitted_payloads_carry_the_fields_of_the_published_samples(
    fake: FakeTelnyx, client: telnyx.Telnyx
) -> None:
    fake.gather_timeout = 0.01
    fake.set_party("+33611111111", "answer")
    call = fake.place_call()
    actions(client).answer(call.call_control_id, client_state=STATE_A, stream_url="wss://app.test/m")
    actions(client).start_recording(call.call_control_id, format="mp3", channels="single")
    actions(client).start_transcription(call.call_control_id)
    actions(client).speak(call.call_control_id, payload="Bonjour", voice="female")
    actions(client).gather_using_speak(call.call_control_id, payload="Tapez", voice="female")
    call.press("1")
    call.say("bonjour")
    actions(client).stop_streaming(call.call_control_id)
    actions(client).transfer(call.call_control_id, to="+33611111111")
    call.hang_up()
    fake.drain()
    ours: dict[str, set[str]] = {}
    for envelope in fake.events:
        ours.setdefault(envelope["data"]["event_type"], set()).update(envelope["data"]["payload"])
    checked = 0
    for path in sorted(FIXTURES.glob("*.json")):
        sample = json.loads(path.read_text())
        data = sample.get("data", sample)
        if data["event_type"] not in ours:
            continue
        missing = set(data["payload"]) - ours[data["event_type"]] - NOT_SIMULATED
        assert not missing, f"{path.name}: the fake never sends {sorted(missing)}"
        checked += 1
    assert checked >= 15


# --- the control API and the standalone server --------------------------------------------------------
def _sim(fake: FakeTelnyx, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{fake.root_url}/_sim/{path}", data=data, method=method)
    request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_control_api_drives_a_caller(fake: FakeTelnyx, client: telnyx.Telnyx) -> None:
    assert _sim(fake, "GET", "info")[1]["public_key"] == fake.public_key
    status, placed = _sim(fake, "POST", "calls", {"from": CALLER, "to": OUR_NUMBER})
    call_id = placed["call_control_id"]
    assert status == 200 and fake.calls[call_id].from_ == CALLER
    assert _sim(fake, "POST", f"calls/{call_id}/say", {"text": "Allô"}) == (
        409,
        {"error": "transcription not started"},
    )
    actions(client).answer(call_id, client_state=STATE_A)
    actions(client).start_transcription(call_id, transcription_engine_config={"language": "fr"})
    actions(client).speak(call_id, payload="Bonjour", voice="female")
    assert _sim(fake, "POST", f"calls/{call_id}/say", {"text": "Une pizza"})[0] == 200
    assert _sim(fake, "POST", f"calls/{call_id}/wait_for_speech", {"count": 1})[1] == {"spoken": ["Bonjour"]}
    assert _sim(fake, "POST", f"calls/{call_id}/wait_for_speech", {"timeout": 0.05})[0] == 408
    assert _sim(fake, "POST", f"calls/{call_id}/press", {"digit": "#"})[0] == 200
    status, state = _sim(fake, "GET", f"calls/{call_id}")
    assert state["state"] == "answered" and state["transcribing"] and state["client_state"] == STATE_A
    assert state["spoken"] == ["Bonjour"] and state["recording"] is None and state["transfers"] == []
    assert _sim(fake, "POST", f"calls/{call_id}/hangup")[1]["state"] == "hangup"
    assert _sim(fake, "POST", "config", {"duplicate": True})[1]["duplicate"] is True and fake.duplicate
    assert _sim(fake, "POST", "parties", {"number": "+331", "behaviour": "busy"})[0] == 200
    assert fake.party("+331") == "busy"
    assert _sim(fake, "POST", "drain", {})[0] == 200
    assert len(_sim(fake, "GET", f"events?call_control_id={call_id}")[1]["data"]) >= 5
    assert _sim(fake, "GET", "calls/nope")[0] == 404


def test_runs_standalone() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telnyx.server", "--port", "0", "--seed-hex", "22" * 32],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]
        base_url = lines[0].removeprefix("TELNYX_BASE_URL=")
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v2")
        expected_key = base64.b64encode(bytes(SigningKey(bytes.fromhex("22" * 32)).verify_key)).decode()
        assert lines[2] == f"TELNYX_PUBLIC_KEY={expected_key}"
        client = telnyx.Telnyx(api_key="KEYfake", base_url=base_url, max_retries=0)
        assert client.available_phone_numbers.list(filter={"country_code": "GB", "limit": 1}).data
    finally:
        process.terminate()
        process.wait(timeout=5)
