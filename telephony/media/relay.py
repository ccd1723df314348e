"""Words for a streamed call's pipeline that arrive by webhook (Telnyx's transcription, for a
language our own recogniser does not speak), carried to the socket holding the call.

With Redis the message goes through the channel layer's group for the call, across processes.
With the in-process layer of `make run`, webhooks are handled on worker threads whose sends that
layer would not wake the server's loop for: the socket registers through kalliky/wakeups.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from kalliky.wakeups import Listeners, in_process

log = logging.getLogger(__name__)

# Events the media socket stores in the call's inbox for the call-control loop to act on.
STREAM_ACTION_EVENT = "kalliky.stream.action"
STREAM_LOST_EVENT = "kalliky.stream.lost"

Deliver = Callable[[str], None]
_calls = Listeners()

__all__ = ["STREAM_ACTION_EVENT", "STREAM_LOST_EVENT", "group", "in_process", "register", "transcript"]


def group(call_pk: int) -> str:
    return f"voice.{call_pk}"


def register(call_pk: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    _calls.add(call_pk, loop, deliver)


def unregister(call_pk: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    _calls.remove(call_pk, loop, deliver)


def _send(call_pk: int, text: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            _calls.wake(call_pk, text)
            return
        async_to_sync(layer.group_send)(group(call_pk), {"type": "voice.transcript", "text": text})
    except Exception:  # the caller repeats; the call itself must not fail on this
        log.exception("transcript for streamed call %s not delivered", call_pk)


def transcript(call_pk: int, text: str) -> None:
    """Hand the caller's words to their call's socket once the current transaction commits."""
    transaction.on_commit(lambda: _send(call_pk, text))
