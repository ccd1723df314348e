"""The webhook's lean ASGI path (what uvicorn serves in production) answers like the API route."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from kalliky.asgi import application
from kalliky.inbox import EventStatus
from telephony import asgi, call_event_worker, call_lanes
from telephony.models import TelnyxEvent
from tests.telephony.signing import PUBLIC_KEY, envelope, signed

pytestmark = pytest.mark.django_db(transaction=True)


async def call(body: bytes, headers: dict[str, str], path: str = "/api/telnyx/webhook", chunks: int = 1):
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    size = max(1, len(body) // chunks)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    last = len(parts) - 1
    messages = [{"type": "http.request", "body": p, "more_body": n < last} for n, p in enumerate(parts)]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client stays connected until the answer is sent
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return sent[0]["status"], json.loads(body) if body.startswith(b"{") else body


def headers_for(body: bytes) -> dict[str, str]:
    meta = signed(body)
    return {
        "telnyx-signature-ed25519": meta["HTTP_TELNYX_SIGNATURE_ED25519"],
        "telnyx-timestamp": meta["HTTP_TELNYX_TIMESTAMP"],
        "content-type": "application/json",
    }


@pytest.fixture(autouse=True)
def key(settings):
    settings.TELNYX_PUBLIC_KEY = PUBLIC_KEY


async def test_a_signed_event_in_several_chunks_is_stored_once():
    body = envelope("call.playback.ended", {"call_control_id": "v3:a"}, event_id="evt-asgi")
    assert await call(body, headers_for(body), chunks=3) == (200, {"status": "accepted"})
    assert await call(body, headers_for(body)) == (200, {"status": "duplicate"})
    assert await sync_to_async(TelnyxEvent.objects.filter(event_id="evt-asgi").count)() == 1


async def test_forged_and_malformed_bodies_are_refused_and_not_stored():
    body = envelope("call.initiated", {"call_control_id": "v3:b"})
    status, answer = await call(body.replace(b"v3:b", b"v3:c"), headers_for(body))
    assert status == 401 and answer["code"] == "invalid_signature"
    junk = b"{nope"
    status, answer = await call(junk, headers_for(junk))
    assert status == 400 and answer["code"] == "malformed_json"
    big = b"{" + b" " * (1024 * 1024 + 1) + b"}"
    status, answer = await call(big, headers_for(b"{}"), chunks=4)
    assert status == 413
    assert not await sync_to_async(TelnyxEvent.objects.exists)()


async def test_other_urls_still_reach_django():
    headers = {"content-type": "application/json", "host": "testserver"}
    status, answer = await call(b"{}", headers, path="/api/telnyx/nothing-here")
    assert status == 404


@pytest.fixture
async def awaited_door(settings):
    """The async path of PostgreSQL (an INSERT awaited in the event loop); its pool is closed
    after the test so the test database can be dropped."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores through the thread pool (the tests above)")
    yield settings
    await asgi.close_db_pools()


async def test_on_postgresql_the_reactor_is_told_of_each_new_event_once(awaited_door):
    awaited_door.TELNYX_REACTIONS = "reactor"
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as listener:
        await listener.execute(f"LISTEN {call_event_worker.CHANNEL}")
        body = envelope("call.playback.ended", {"call_control_id": "v3:n"}, event_id="evt-notify")
        assert await call(body, headers_for(body)) == (200, {"status": "accepted"})
        assert await call(body, headers_for(body)) == (200, {"status": "duplicate"})
        told = [n.payload async for n in listener.notifies(timeout=2)]

    stored = await sync_to_async(TelnyxEvent.objects.get)(event_id="evt-notify")
    assert told == [str(stored.pk)]  # the repeat told nobody
    assert stored.status == EventStatus.RECEIVED and stored.payload["id"] == "evt-notify"
    assert stored.call_control_id == "v3:n" and stored.occurred_at is not None


async def test_on_postgresql_the_web_process_reacts_itself_in_threads_mode(awaited_door):
    awaited_door.TELNYX_REACTIONS = "threads"
    body = envelope("call.playback.ended", {"call_control_id": "v3:t"}, event_id="evt-threads")
    assert await call(body, headers_for(body)) == (200, {"status": "accepted"})

    await sync_to_async(call_lanes.pool().drain)(timeout=10)
    stored = await sync_to_async(TelnyxEvent.objects.get)(event_id="evt-threads")
    assert stored.status in (EventStatus.PROCESSED, EventStatus.IGNORED) and stored.attempts == 1
