"""The media socket through its public door (Channels' communicator, no network): the token is
checked before any audio, malformed frames are counted and skipped, the greeting is spoken in
paced 20 ms frames, and a socket that drops hands the call back to the text loop."""

from __future__ import annotations

import base64
import json
import time
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command

from stores.models import Store
from telephony import media
from telephony.media.relay import STREAM_LOST_EVENT
from telephony.models import TelnyxEvent
from telephony.selectors import conversation_of_call
from tests.sockets import SocketClient
from tests.system_tools import needs

from .conftest import streamed_call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pizzeria(transactional_db, settings) -> Store:
    settings.VOICE_MEDIA_STREAMS = True
    settings.TELNYX_REACTIONS = "inline"
    call_command("seed_demo", verbosity=0)
    return Store.objects.get(slug="pizzeria-bella-napoli")


def socket(ccid: str, token: str | None) -> SocketClient:
    headers = [(b"host", b"127.0.0.1")]
    if token is not None:
        headers.append((b"x-telnyx-streaming-auth-token", token.encode()))
    return SocketClient("/ws/telnyx/media/", headers, query=f"call={ccid}")


def start_frame(ccid: str) -> str:
    return json.dumps(
        {
            "event": "start",
            "sequence_number": "1",
            "stream_id": "s-1",
            "start": {
                "call_control_id": ccid,
                "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
            },
        }
    )


def media_frame(chunk: int, payload: bytes = b"\xff" * 160) -> str:
    return json.dumps(
        {
            "event": "media",
            "sequence_number": str(chunk + 2),
            "stream_id": "s-1",
            "media": {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str(chunk * 20),
                "payload": base64.b64encode(payload).decode(),
            },
        }
    )


@pytest.mark.parametrize("case", ["missing", "forged", "other call", "expired"])
async def test_a_socket_without_the_calls_token_is_refused(pizzeria, case) -> None:
    call = await database_sync_to_async(streamed_call)(pizzeria)
    ccid = call.call_control_id
    if case == "expired":  # made when streaming started, presented long after
        with mock.patch("django.core.signing.time.time", return_value=time.time() - media.TOKEN_MAX_AGE - 5):
            token: str | None = media.stream_token(ccid)
    else:
        token = {
            "missing": None,
            "forged": f"{ccid}:1abc:forged",
            "other call": media.stream_token("v3:other"),
        }[case]
    connected = await socket(ccid, token).connect()
    assert not connected


async def test_a_token_for_a_call_that_is_not_streamed_is_refused(pizzeria) -> None:
    call = await database_sync_to_async(streamed_call)(pizzeria)
    call.control = {"mode": "ai"}
    await database_sync_to_async(call.save)()
    connected = await socket(call.call_control_id, media.stream_token(call.call_control_id)).connect()
    assert not connected


@needs("espeak-ng")  # the greeting is spoken by the local voice
async def test_the_greeting_plays_and_malformed_frames_are_counted_not_fatal(pizzeria) -> None:
    call = await database_sync_to_async(streamed_call)(pizzeria)
    ws = socket(call.call_control_id, media.stream_token(call.call_control_id))
    connected = await ws.connect()
    assert connected
    await ws.send_to(text_data=json.dumps({"event": "connected", "version": "1.0.0"}))
    await ws.send_to(text_data=start_frame(call.call_control_id))
    for bad in (
        "not json",
        "[1, 2]",
        '{"event": "media", "media": {"payload": "%%%"}}',
        '{"event": "start"}',
    ):
        await ws.send_to(text_data=bad)
    for chunk in range(1, 6):
        await ws.send_to(text_data=media_frame(chunk))
    sent = [json.loads(await ws.receive_from(timeout=10)) for _ in range(30)]
    media_out = [m for m in sent if m["event"] == "media"]
    assert len(media_out) >= 10
    assert all(len(base64.b64decode(m["media"]["payload"])) == 160 for m in media_out)
    assert any(m["event"] == "mark" for m in sent)
    await ws.send_to(text_data=json.dumps({"event": "stop", "stream_id": "s-1"}))
    await ws.disconnect()
    record = await database_sync_to_async(conversation_of_call)(call)
    assert record.voice_stats["malformed_frames"] == 4
    assert record.voice_stats["pipeline"] == "local"
    # a clean stop is not a lost stream
    assert not await database_sync_to_async(TelnyxEvent.objects.filter(event_type=STREAM_LOST_EVENT).exists)()


async def test_a_socket_that_drops_hands_the_call_to_the_text_loop(pizzeria) -> None:
    call = await database_sync_to_async(streamed_call)(pizzeria)
    ws = socket(call.call_control_id, media.stream_token(call.call_control_id))
    assert await ws.connect()
    await ws.send_to(text_data=start_frame(call.call_control_id))
    await ws.disconnect(code=1006)
    event = await database_sync_to_async(TelnyxEvent.objects.get)(event_type=STREAM_LOST_EVENT)
    assert "before stop" in event.payload["payload"]["reason"]
    await database_sync_to_async(call.refresh_from_db)()
    assert call.control["mode"] == "ai"  # the text loop has the call
    # A French store's transcription already runs (it fed the stream); the apology is spoken.
    assert [c["action"] for c in event.commands] == ["speak"]
    assert "ligne a sauté" in event.commands[0]["params"]["payload"]
