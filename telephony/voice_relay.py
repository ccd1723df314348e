"""Words for a streamed call's pipeline that arrive by webhook (Telnyx's transcription, for a
language our own recogniser does not speak), carried to the socket holding the call.

With Redis the message goes through the channel layer's group for the call, across processes.
With the in-process layer of `make run`, webhooks are handled on worker threads whose sends that
layer would not wake the server's loop for: the socket registers here and is woken with
call_soon_threadsafe (the same reason as stores/live.py)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

# Events the media socket stores in the call's inbox for the call-control loop to act on.
STREAM_ACTION_EVENT = "kalliky.stream.action"
STREAM_LOST_EVENT = "kalliky.stream.lost"

Deliver = Callable[[str], None]
_calls: dict[int, tuple[asyncio.AbstractEventLoop, Deliver]] = {}
_lock = threading.Lock()


def group(call_pk: int) -> str:
    return f"voice.{call_pk}"


def in_process() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def register(call_pk: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    with _lock:
        _calls[call_pk] = (loop, deliver)


def unregister(call_pk: int) -> None:
    with _lock:
        _calls.pop(call_pk, None)


def _send(call_pk: int, text: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            with _lock:
                target = _calls.get(call_pk)
            if target is not None and not target[0].is_closed():
                target[0].call_soon_threadsafe(target[1], text, context=contextvars.Context())
            return
        async_to_sync(layer.group_send)(group(call_pk), {"type": "voice.transcript", "text": text})
    except Exception:  # the caller repeats; the call itself must not fail on this
        log.exception("transcript for streamed call %s not delivered", call_pk)


def transcript(call_pk: int, text: str) -> None:
    """Hand the caller's words to their call's socket once the current transaction commits."""
    transaction.on_commit(lambda: _send(call_pk, text))
