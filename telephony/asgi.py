"""The Telnyx webhook door as a bare ASGI app, mounted in front of Django by kalliky.asgi.

Telnyx posts several events per second per live call, and each one only needs a signature check
and one INSERT before the answer: Django's request machinery (middleware, URL resolution, the
single thread that runs synchronous views under ASGI) cost more than the work itself. This path
runs the same `telephony.webhooks.receive` on a small thread pool of its own, so ingestion is
not serialised behind other views; the route `/api/telnyx/webhook` in the NinjaAPI stays for the
OpenAPI description, WSGI servers and tests. The signature is what authenticates this URL, so the
middleware it skips (sessions, CSRF, host checks) has nothing to add here.

On PostgreSQL (unless reactions run inline, for unit tests) the INSERT is awaited on a small
async psycopg pool in the event loop itself: no thread hop and no GIL hand-over per request,
which is what the acknowledgement's p99 is made of under a burst. SQLite keeps the thread pool.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from psycopg_pool import AsyncConnectionPool

from kalliky import inbox
from telephony import webhooks
from telephony.models import TelnyxEvent

PATH = "/api/telnyx/webhook"
MAX_BODY = 1024 * 1024  # Telnyx events are a few kB

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_pool: ThreadPoolExecutor | None = None
# One async connection pool per event loop (uvicorn has one per worker; tests make several).
_db_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[Any]] = (
    weakref.WeakKeyDictionary()
)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(
            max_workers=settings.TELNYX_INGEST_THREADS, thread_name_prefix="telnyx-ingest"
        )
    return _pool


def handles(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == PATH


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            await _answer(send, 413, {"detail": "Body too large for a Telnyx event.", "code": "too_large"})
            return
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    raw = b"".join(chunks)
    loop = asyncio.get_running_loop()
    if _awaits_database():
        status, body = await _receive_async(raw, headers, loop)
    else:
        status, body = await loop.run_in_executor(_executor(), _receive_in_thread, raw, headers)
    await _answer(send, status, body)


def _awaits_database() -> bool:
    return connection.vendor == "postgresql" and settings.TELNYX_REACTIONS != "inline"


async def _receive_async(
    raw: bytes, headers: dict[str, str], loop: asyncio.AbstractEventLoop
) -> tuple[int, dict[str, str]]:
    try:
        incoming = webhooks.parse(raw, headers)  # CPU only: the signature and the JSON
    except webhooks.Rejected as rejected:
        return await loop.run_in_executor(_executor(), rejected.answer)  # counts it in the cache
    sql, params = inbox.insert_statement(TelnyxEvent, notify=webhooks.notify_channel(), **incoming.fields())
    pool = await _db_pool(loop)
    async with pool.connection() as conn:
        row = await (await conn.execute(sql, params)).fetchone()
    if row is not None:
        webhooks.queue_in_lane(row[0], incoming.lane)  # only enqueues: the lanes run in their own threads
    return webhooks.answer(row is not None)


async def _db_pool(loop: asyncio.AbstractEventLoop) -> Any:
    opening = _db_pools.get(loop)
    if opening is None:  # the first request of this loop opens it; the others await the same
        opening = _db_pools[loop] = loop.create_task(_open_db_pool())
    try:
        return await asyncio.shield(opening)
    except Exception:
        if _db_pools.get(loop) is opening:  # the next request tries again (database back up)
            del _db_pools[loop]
        raise


async def _open_db_pool() -> Any:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)  # Django's sync cursor class; its adapters ("context") stay
    # Django turns server-side prepared statements off unless OPTIONS sets prepare_threshold
    # (pgbouncer in transaction mode); this pool runs one statement thousands of times, so it
    # lets psycopg prepare it (after 5 runs per connection), unless OPTIONS says otherwise.
    if "prepare_threshold" not in connection.settings_dict.get("OPTIONS", {}):
        params.pop("prepare_threshold", None)
    pool = AsyncConnectionPool(
        kwargs={**params, "autocommit": True},
        min_size=1,
        max_size=settings.TELNYX_INGEST_THREADS,
        open=False,
        name="telnyx-ingest",
    )
    await pool.open()
    return pool


async def close_db_pools() -> None:
    """Close this loop's ingest pool (tests; uvicorn's workers close with their process)."""
    opening = _db_pools.pop(asyncio.get_running_loop(), None)
    if opening is not None:
        await (await opening).close()


def _receive_in_thread(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    close_old_connections()  # drop a connection the database closed; keeps a healthy one
    return webhooks.receive(body, headers)


async def _answer(send: Send, status: int, body: dict[str, str]) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})
