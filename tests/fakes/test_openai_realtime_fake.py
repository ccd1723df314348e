"""The Realtime (GA) side of the OpenAI fake, driven through the real SDK's WebSocket client (and a raw
`websockets` client where the SDK cannot misbehave on purpose), plus POST /v1/audio/speech."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import subprocess
import wave
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import openai
import pytest
import soundfile
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from tests.fakes.openai import (
    FakeOpenAI,
    RealtimeRecord,
    pcmu_silence,
    pcmu_tone,
    rt_error,
    rt_function_call,
    rt_say,
)
from tests.fakes.openai.realtime import decode, rms_threshold
from tests.system_tools import needs_speech

MODEL = "gpt-realtime"
ADD_TO_ORDER = {
    "type": "function",
    "name": "add_to_order",
    "description": "Add an item to the order",
    "parameters": {
        "type": "object",
        "properties": {"item": {"type": "string"}, "quantity": {"type": "integer"}},
        "required": ["item", "quantity"],
    },
}


def telephony_session(**turn: Any) -> dict[str, Any]:
    """The session our telephony bridge sends (PROTOCOLS.md), with turn_detection overrides."""
    return {
        "type": "realtime",
        "instructions": "You take pizza orders.",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 500,
                    "create_response": True,
                    "interrupt_response": True,
                    **turn,
                },
                "transcription": {"model": "gpt-4o-mini-transcribe"},
            },
            "output": {"format": {"type": "audio/pcmu"}, "voice": "marin"},
        },
        "tools": [ADD_TO_ORDER],
        "tool_choice": "auto",
    }


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.realtime_speed = 200.0  # pacing is irrelevant unless a test says otherwise
        yield server


@asynccontextmanager
async def session(fake: FakeOpenAI, config: dict[str, Any] | None = None) -> AsyncIterator[Any]:
    """An SDK connection past session.created (and session.updated when a config is given)."""
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    async with client.realtime.connect(model=MODEL) as conn:
        assert (await recv(conn)).type == "session.created"
        if config is not None:
            await conn.session.update(session=config)
            assert (await recv(conn)).type == "session.updated"
        yield conn
    await client.close()


async def recv(conn: Any) -> Any:
    return await asyncio.wait_for(conn.recv(), 5)  # a safety net: a missing event fails, not hangs


async def until(conn: Any, *types: str) -> tuple[Any, list[Any]]:
    """Read events until one of `types`; return it and everything read (it included)."""
    seen = []
    while True:
        event = await recv(conn)
        seen.append(event)
        if event.type in types:
            return event, seen


async def speak(conn: Any, audio: bytes) -> None:
    """Append μ-law audio in 20 ms chunks, as the Telnyx bridge does."""
    for start in range(0, len(audio), 160):
        await conn.input_audio_buffer.append(audio=base64.b64encode(audio[start : start + 160]).decode())


def types(events: list[Any]) -> list[str]:
    return [event.type for event in events]


# --- connect and session ---------------------------------------------------------------------------
async def test_session_created_comes_first_and_the_connection_is_recorded(fake: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    async with client.realtime.connect(model="gpt-realtime-2.1-mini") as conn:
        created = await recv(conn)
        assert created.type == "session.created" and created.event_id.startswith("event_")
        assert created.session.type == "realtime" and created.session.model == "gpt-realtime-2.1-mini"
        [record] = fake.realtime_connections
        assert record.model == "gpt-realtime-2.1-mini" and not record.closed
        assert record.headers["authorization"] == f"Bearer {fake.api_key}"
        assert record.path == "/v1/realtime?model=gpt-realtime-2.1-mini"
    await client.close()
    record.wait_for(lambda r: r.closed)
    assert record.close_code == 1000 and record.server_types() == ["session.created"]


async def test_a_ga_session_update_is_merged_and_echoed(fake: FakeOpenAI) -> None:
    async with session(fake) as conn:
        await conn.session.update(session=telephony_session(silence_duration_ms=700))
        updated = (await recv(conn)).model_dump()
    assert updated["type"] == "session.updated"
    merged = updated["session"]
    assert merged["instructions"] == "You take pizza orders." and merged["tools"][0]["name"] == "add_to_order"
    assert merged["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    assert merged["audio"]["output"] == {"format": {"type": "audio/pcmu"}, "voice": "marin", "speed": 1.0}
    turn = merged["audio"]["input"]["turn_detection"]
    assert turn["silence_duration_ms"] == 700 and turn["idle_timeout_ms"] is None  # default filled in
    [record] = fake.realtime_connections
    assert record.session["audio"]["input"]["transcription"] == {"model": "gpt-4o-mini-transcribe"}
    assert record.client_types() == ["session.update"]


@pytest.mark.parametrize(
    ("session_body", "code", "param"),
    [
        (
            {"type": "realtime", "input_audio_format": "g711_ulaw"},
            "unknown_parameter",
            "session.input_audio_format",
        ),
        (
            {"type": "realtime", "output_audio_format": "g711_ulaw"},
            "unknown_parameter",
            "session.output_audio_format",
        ),
        ({"type": "realtime", "modalities": ["audio", "text"]}, "unknown_parameter", "session.modalities"),
        ({"type": "realtime", "voice": "marin"}, "unknown_parameter", "session.voice"),
        (
            {"type": "realtime", "turn_detection": {"type": "server_vad"}},
            "unknown_parameter",
            "session.turn_detection",
        ),
        (
            {"type": "realtime", "audio": {"input": {"format": "g711_ulaw"}}},
            "invalid_type",
            "session.audio.input.format",
        ),
        ({"instructions": "Be brief."}, "missing_required_parameter", "session.type"),
        (
            {"type": "realtime", "tools": [{"type": "function", "function": {"name": "add_to_order"}}]},
            "unknown_parameter",
            "session.tools[0].function",
        ),
    ],
)
async def test_beta_names_are_refused_with_an_error_event_and_the_socket_stays_open(
    fake: FakeOpenAI, session_body: dict[str, Any], code: str, param: str
) -> None:
    async with session(fake) as conn:
        await conn.send({"type": "session.update", "event_id": "evt_client_1", "session": session_body})
        refused = await recv(conn)
        assert refused.type == "error"
        assert (refused.error.type, refused.error.code, refused.error.param) == (
            "invalid_request_error",
            code,
            param,
        )
        assert refused.error.event_id == "evt_client_1"
        await conn.session.update(session=telephony_session())  # still open, still listening
        assert (await recv(conn)).type == "session.updated"
    [record] = fake.realtime_connections
    assert record.session["audio"]["output"]["voice"] == "marin"  # the refused update changed nothing before


async def test_an_unknown_client_event_is_an_error_not_a_disconnect(fake: FakeOpenAI) -> None:
    async with session(fake) as conn:
        await conn.send({"type": "response.audio.delta", "delta": ""})  # a beta *server* event name
        refused = await recv(conn)
        assert (refused.type, refused.error.code, refused.error.param) == ("error", "invalid_value", "type")
        await conn.response.cancel()
        assert (await recv(conn)).error.code == "response_cancel_not_active"


# --- server VAD ----------------------------------------------------------------------------------------
async def test_a_tone_between_silences_is_one_committed_transcribed_turn(fake: FakeOpenAI) -> None:
    fake.queue_realtime_transcripts("two margherita please")
    async with session(fake, telephony_session(create_response=False)) as conn:
        await speak(conn, pcmu_silence(500) + pcmu_tone(1000) + pcmu_silence(800))
        done, seen = await until(conn, "conversation.item.input_audio_transcription.completed")
        await conn.response.cancel()  # answered in order: proves no response was started
        assert (await recv(conn)).error.code == "response_cancel_not_active"
    started, stopped, committed, added, item_done = seen[:5]
    assert types(seen) == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
    ]
    assert started.audio_start_ms == 500 - 300  # first loud window minus prefix_padding_ms
    assert stopped.audio_end_ms == 1500 + 500  # end of speech plus silence_duration_ms
    item_id = started.item_id
    assert stopped.item_id == committed.item_id == added.item.id == done.item_id == item_id
    assert committed.previous_item_id is None and added.item.role == "user"
    assert added.item.content[0].type == "input_audio"
    assert done.transcript == "two margherita please" and done.content_index == 0
    assert fake.pending == 0


async def test_silence_and_faint_noise_never_start_speech(fake: FakeOpenAI) -> None:
    quiet = pcmu_silence(1000) + b"\x7f" * 8000 + pcmu_tone(1000, amplitude=150)
    assert np.sqrt(np.mean(decode(quiet).astype(float) ** 2)) < rms_threshold(0.5)
    async with session(fake, telephony_session()) as conn:
        await speak(conn, quiet)
        await conn.input_audio_buffer.commit()  # events are handled in order: every append came first
        committed, seen = await until(conn, "input_audio_buffer.committed")
    assert types(seen) == ["input_audio_buffer.committed"]
    [record] = fake.realtime_connections
    assert bytes(record.input_audio) == quiet


@needs_speech
async def test_synthesised_speech_is_heard(fake: FakeOpenAI, tmp_path: Path) -> None:
    wav_path, ulaw_path = tmp_path / "speech.wav", tmp_path / "speech.ul"
    subprocess.run(["espeak-ng", "-w", str(wav_path), "Two margherita pizzas, please."], check=True)
    subprocess.run(
        ["sox", str(wav_path), "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", str(ulaw_path)],
        check=True,
    )
    speech = ulaw_path.read_bytes()
    speech_ms = len(speech) // 8
    async with session(fake, telephony_session(create_response=False, silence_duration_ms=800)) as conn:
        await speak(conn, pcmu_silence(1000) + speech + pcmu_silence(1000))
        await conn.input_audio_buffer.commit()  # flushes the order; fails (too small) after a full turn
        _, seen = await until(conn, "error", "input_audio_buffer.committed")
    starts = [e for e in seen if e.type == "input_audio_buffer.speech_started"]
    stops = [e for e in seen if e.type == "input_audio_buffer.speech_stopped"]
    assert len(starts) == len(stops) == 1, types(seen)
    assert 700 <= starts[0].audio_start_ms < 1000 + speech_ms
    assert starts[0].audio_start_ms + 300 < stops[0].audio_end_ms <= 1000 + speech_ms + 1000


# --- responses -------------------------------------------------------------------------------------------
async def test_a_turn_starts_a_scripted_spoken_response(fake: FakeOpenAI) -> None:
    fake.queue_realtime(rt_say("Two margheritas. Anything else?", ms=1000))
    async with session(fake, telephony_session()) as conn:
        await speak(conn, pcmu_tone(400) + pcmu_silence(600))
        done, seen = await until(conn, "response.done")
    seen = seen[types(seen).index("response.created") :]
    flow = [t for t in types(seen) if not t.endswith(".delta")]
    assert flow == [
        "response.created",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
    ]
    deltas = [e for e in seen if e.type == "response.output_audio.delta"]
    audio = [base64.b64decode(e.delta) for e in deltas]
    assert len(deltas) == 10 and all(len(chunk) == 800 for chunk in audio)  # 100 ms of PCMU each
    assert all(np.sqrt(np.mean(decode(chunk).astype(float) ** 2)) > rms_threshold(0.5) for chunk in audio)
    response_id, item_id = seen[0].response.id, seen[1].item.id
    assert {(e.response_id, e.item_id, e.output_index, e.content_index) for e in deltas} == {
        (response_id, item_id, 0, 0)
    }
    words = [e.delta for e in seen if e.type == "response.output_audio_transcript.delta"]
    assert "".join(words) == "Two margheritas. Anything else?" and len(words) > 1
    transcript_done = next(e for e in seen if e.type == "response.output_audio_transcript.done")
    assert transcript_done.transcript == "Two margheritas. Anything else?"
    response = done.response
    assert (response.id, response.status, response.output[0].id) == (response_id, "completed", item_id)
    usage = response.usage
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usage.output_token_details.audio_tokens > 0 and usage.input_token_details.audio_tokens > 0
    assert usage.input_token_details.cached_tokens == 0 and usage.output_token_details.text_tokens > 0


async def test_the_default_reply_and_a_text_only_session(fake: FakeOpenAI) -> None:
    async with session(fake, {"type": "realtime", "output_modalities": ["text"]}) as conn:
        await conn.response.create()
        done, seen = await until(conn, "response.done")
    assert "response.output_audio.delta" not in types(seen)
    assert "".join(e.delta for e in seen if e.type == "response.output_text.delta") == "OK."
    assert done.response.output[0].content[0].text == "OK."


async def test_speech_interrupts_a_running_response(fake: FakeOpenAI) -> None:
    fake.realtime_speed = 4.0  # 30 s of reply streams over 7.5 s: the interruption lands mid-way
    fake.queue_realtime(rt_say("A very long answer about every pizza on the menu.", ms=30_000))
    async with session(fake, telephony_session()) as conn:
        await conn.response.create()
        await until(conn, "response.output_audio.delta")
        await speak(conn, pcmu_tone(100))
        done, seen = await until(conn, "response.done")
    after_speech = types(seen)[types(seen).index("input_audio_buffer.speech_started") :]
    assert "response.output_audio.delta" not in after_speech
    assert after_speech[-1] == "response.done"
    assert done.response.status == "cancelled"
    assert done.response.status_details.reason == "turn_detected"
    assert done.response.output[0].status == "incomplete"
    [record] = fake.realtime_connections
    sent = [e for e in record.server_events if e["type"] == "response.output_audio.delta"]
    assert 0 < len(sent) < 300  # 300 deltas would be the whole reply


async def test_response_create_and_cancel_follow_the_api_rules(fake: FakeOpenAI) -> None:
    fake.realtime_speed = 1.0
    fake.queue_realtime(
        rt_say("Long enough to cancel.", ms=60_000), rt_error("rate_limit_exceeded", "Slow down.")
    )
    async with session(fake, telephony_session()) as conn:
        await conn.response.cancel()
        assert (await recv(conn)).error.code == "response_cancel_not_active"
        await conn.response.create()
        created, _ = await until(conn, "response.created")
        await conn.response.create()
        busy, _ = await until(conn, "error")
        assert busy.error.code == "conversation_already_has_active_response"
        assert created.response.id in busy.error.message
        await conn.response.cancel()
        done, _ = await until(conn, "response.done")
        assert (done.response.id, done.response.status) == (created.response.id, "cancelled")
        assert done.response.status_details.reason == "client_cancelled"
        await conn.response.create()  # the next reply is a scripted error event
        failed = await recv(conn)
        assert (failed.type, failed.error.code, failed.error.type) == (
            "error",
            "rate_limit_exceeded",
            "server_error",
        )
    assert fake.pending == 0


async def test_a_function_call_round_trip(fake: FakeOpenAI) -> None:
    fake.queue_realtime(
        rt_function_call("add_to_order", {"item": "Margherita", "quantity": 2}, call_id="call_pizza"),
        rt_say("Two margheritas added."),
    )
    async with session(fake, telephony_session()) as conn:
        await conn.response.create()
        arguments_done, seen = await until(conn, "response.function_call_arguments.done")
        assert (arguments_done.call_id, arguments_done.name) == ("call_pizza", "add_to_order")
        assert json.loads(arguments_done.arguments) == {"item": "Margherita", "quantity": 2}
        pieces = [e.delta for e in seen if e.type == "response.function_call_arguments.delta"]
        assert "".join(pieces) == arguments_done.arguments
        done, _ = await until(conn, "response.done")
        call = done.response.output[0]
        assert (done.response.status, call.type, call.call_id) == ("completed", "function_call", "call_pizza")

        await conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": "call_unknown", "output": "{}"}
        )
        assert (await recv(conn)).error.param == "item.call_id"
        output = {"type": "function_call_output", "call_id": "call_pizza", "output": '{"ok": true}'}
        await conn.conversation.item.create(item=output)
        added, _ = await until(conn, "conversation.item.added")
        assert added.item.call_id == "call_pizza" and added.previous_item_id == call.id
        assert (await recv(conn)).type == "conversation.item.done"
        await conn.response.create()
        spoken, _ = await until(conn, "response.done")
    assert spoken.response.output[0].content[0].transcript == "Two margheritas added."
    [record] = fake.realtime_connections
    assert record.client_types() == [
        "session.update",
        "response.create",
        "conversation.item.create",
        "conversation.item.create",
        "response.create",
    ]


async def test_a_message_item_can_be_added(fake: FakeOpenAI) -> None:
    async with session(fake) as conn:
        text = {"type": "input_text", "text": "Une margherita"}
        await conn.conversation.item.create(item={"type": "message", "role": "user", "content": [text]})
        added, _ = await until(conn, "conversation.item.added")
    assert added.item.role == "user" and added.item.content[0].text == "Une margherita"


async def test_truncate_and_delete(fake: FakeOpenAI) -> None:
    fake.queue_realtime(rt_say("Hello, Pizzeria Alice.", ms=1000))
    async with session(fake, telephony_session()) as conn:
        await conn.response.create()
        done, _ = await until(conn, "response.done")
        item_id = done.response.output[0].id
        await conn.conversation.item.truncate(item_id=item_id, content_index=0, audio_end_ms=400)
        truncated = await recv(conn)
        assert (truncated.type, truncated.item_id, truncated.audio_end_ms) == (
            "conversation.item.truncated",
            item_id,
            400,
        )
        await conn.conversation.item.truncate(item_id=item_id, content_index=0, audio_end_ms=5000)
        too_long = await recv(conn)
        assert (too_long.error.code, too_long.error.param) == ("invalid_value", "audio_end_ms")
        await conn.conversation.item.delete(item_id=item_id)
        assert (await recv(conn)).model_dump()["item_id"] == item_id
        await conn.conversation.item.truncate(item_id=item_id, content_index=0, audio_end_ms=100)
        assert (await recv(conn)).error.code == "item_not_found"
    [record] = fake.realtime_connections
    assert record.truncations == [{"item_id": item_id, "content_index": 0, "audio_end_ms": 400}]


async def test_manual_commit_without_turn_detection(fake: FakeOpenAI) -> None:
    fake.queue_realtime_transcripts("une calzone")
    config = telephony_session()
    config["audio"]["input"]["turn_detection"] = None
    async with session(fake, config) as conn:
        await speak(conn, pcmu_tone(60))
        await conn.input_audio_buffer.commit()
        assert (await recv(conn)).error.code == "input_audio_buffer_commit_empty"  # < 100 ms
        await speak(conn, pcmu_tone(600) + pcmu_silence(600))
        await conn.input_audio_buffer.commit()
        completed, seen = await until(conn, "conversation.item.input_audio_transcription.completed")
    assert "input_audio_buffer.speech_started" not in types(seen) and completed.transcript == "une calzone"


# --- failures, lifecycle ---------------------------------------------------------------------------------
def ws_url(fake: FakeOpenAI, model: str = MODEL) -> str:
    return f"ws://127.0.0.1:{fake.port}/v1/realtime?model={model}"


async def test_drop_cuts_the_next_connection_without_a_close_frame(fake: FakeOpenAI) -> None:
    fake.drop_realtime(after_events=2)
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    async with ws_connect(ws_url(fake), additional_headers=headers) as ws:
        assert json.loads(await ws.recv())["type"] == "session.created"
        await ws.send(json.dumps({"type": "session.update", "session": {"type": "realtime"}}))
        assert json.loads(await ws.recv())["type"] == "session.updated"
        with pytest.raises(ConnectionClosedError) as cut:
            await asyncio.wait_for(ws.recv(), 5)
    assert cut.value.rcvd is None  # no close frame: an abrupt TCP close
    [record] = await asyncio.to_thread(fake.wait_realtime, lambda conns: [c for c in conns if c.closed])
    assert record.dropped and record.close_code is None


async def test_drop_cuts_the_current_sdk_connection(fake: FakeOpenAI) -> None:
    async with session(fake) as conn:
        fake.drop_realtime()
        with pytest.raises(ConnectionClosedError):
            async for _ in conn:
                pass
    assert fake.realtime_connections[0].dropped


async def test_refused_and_unauthorised_handshakes(fake: FakeOpenAI) -> None:
    fake.refuse_realtime(times=1, status=503)
    client = openai.AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    with pytest.raises(InvalidStatus) as refused:
        async with client.realtime.connect(model=MODEL):
            pass
    assert refused.value.response.status_code == 503
    assert json.loads(refused.value.response.body)["error"]["type"] == "server_error"
    async with client.realtime.connect(model=MODEL) as conn:  # the refusal was used up
        assert (await recv(conn)).type == "session.created"
    await client.close()
    with pytest.raises(InvalidStatus) as unauthorised:
        async with ws_connect(ws_url(fake), additional_headers={"Authorization": "Bearer sk-wrong"}):
            pass
    assert unauthorised.value.response.status_code == 401
    assert json.loads(unauthorised.value.response.body)["error"]["code"] == "invalid_api_key"
    plain = httpx.get(
        f"{fake.base_url}/realtime?model={MODEL}", headers={"Authorization": f"Bearer {fake.api_key}"}
    )
    assert plain.status_code == 426  # not a WebSocket upgrade
    assert len(fake.realtime_connections) == 1


async def test_any_model_id_is_accepted_and_recorded(fake: FakeOpenAI) -> None:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    async with ws_connect(ws_url(fake, "gpt-realtime-9.9-nano"), additional_headers=headers) as ws:
        assert json.loads(await ws.recv())["session"]["model"] == "gpt-realtime-9.9-nano"
    assert fake.realtime_connections[0].model == "gpt-realtime-9.9-nano"


async def test_stop_closes_open_sockets_with_going_away(fake: FakeOpenAI) -> None:
    async with session(fake) as conn:
        record: RealtimeRecord = fake.realtime_connections[0]
        await asyncio.to_thread(fake.stop)
        events = [event async for event in conn]  # a clean close ends the iteration
    assert events == [] and record.closed and record.close_code == 1001


async def test_reset_clears_realtime_state(fake: FakeOpenAI) -> None:
    fake.queue_realtime(rt_say("never"))
    fake.queue_realtime_transcripts("never")
    async with session(fake):
        pass
    fake.refuse_realtime(times=3)
    fake.reset()
    assert fake.pending == 0 and fake.realtime_connections == []
    async with session(fake) as conn:  # no refusal left
        await conn.response.create()
        done, _ = await until(conn, "response.done")
    assert done.response.output[0].content[0].transcript == "OK."


# --- audio.speech ------------------------------------------------------------------------------------------
def test_speech_answers_audio_of_the_right_length(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
    pcm = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="marin", input="Hello", response_format="pcm"
    )
    assert len(pcm.content) == 5 * 65 * 24 * 2  # 325 ms of 24 kHz 16-bit mono
    assert np.abs(np.frombuffer(pcm.content, dtype="<i2")).max() > 1000  # a tone, not silence
    wav = client.audio.speech.create(model="tts-1", voice="alloy", input="Bonjour !", response_format="wav")
    with wave.open(io.BytesIO(wav.content)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (24000, 1, 2)
        assert audio.getnframes() == 9 * 65 * 24
    mp3 = client.audio.speech.create(model="tts-1", voice="alloy", input="Bonjour")
    samples, rate = soundfile.read(io.BytesIO(mp3.content))
    assert rate == 24000 and len(samples) > 0
    assert [body["response_format"] for body in fake.speech_requests[:2]] == ["pcm", "wav"]


@pytest.mark.parametrize(
    ("options", "status", "param"),
    [
        ({"voice": None}, 400, "voice"),
        ({"voice": "robot"}, 400, "voice"),
        ({"input": ""}, 400, "input"),
        ({"input": "x" * 4097}, 400, "input"),
        ({"model": "tts-9"}, 404, "model"),
        ({"response_format": "aac"}, 400, "response_format"),
        ({"model": "tts-1", "instructions": "Cheerful"}, 400, "instructions"),
    ],
)
def test_speech_requests_are_checked(
    fake: FakeOpenAI, options: dict[str, Any], status: int, param: str
) -> None:
    request: dict[str, Any] = {
        "model": "gpt-4o-mini-tts",
        "voice": "marin",
        "input": "Hi",
        "response_format": "wav",
    }
    request.update(options)
    body = {k: v for k, v in request.items() if v is not None}
    answer = httpx.post(
        f"{fake.base_url}/audio/speech", json=body, headers={"Authorization": f"Bearer {fake.api_key}"}
    )
    assert answer.status_code == status and answer.json()["error"]["param"] == param
    assert fake.speech_requests == [body]
