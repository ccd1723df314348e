"""The Telnyx webhook door as a bare ASGI app, mounted in front of Django by kalliky.asgi.

Telnyx posts several events per second per live call, and each one only needs a signature check
and one INSERT before the answer: Django's request machinery (middleware, URL resolution, the
single thread that runs synchronous views under ASGI) cost more than the work itself. This path
runs the same `telephony.webhooks.receive` on a small thread pool of its own, so ingestion is
not serialised behind other views; the route `/api/telnyx/webhook` in the NinjaAPI stays for the
OpenAPI description, WSGI servers and tests. The signature is what authenticates this URL, so the
middleware it skips (sessions, CSRF, host checks) has nothing to add here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings

PATH = "/api/telnyx/webhook"
MAX_BODY = 1024 * 1024  # Telnyx events are a few kB

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_pool: ThreadPoolExecutor | None = None


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
    status, body = await asyncio.get_running_loop().run_in_executor(
        _executor(), _receive_in_thread, b"".join(chunks), headers
    )
    await _answer(send, status, body)


def _receive_in_thread(body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    from django.db import close_old_connections

    from telephony.webhooks import receive

    close_old_connections()  # drop a connection the database closed; keeps a healthy one
    return receive(body, headers)


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
