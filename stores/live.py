"""Live updates of the kitchen board: after a ticket or its order changes and the transaction
commits, every open board of that store is told which order changed; each board's socket then
renders the card itself, in its viewer's language (stores/consumers.py).

With Redis (production) the news travels through the channel layer's group, across processes.
With the in-process layer of `make run`, orders are often written by a worker thread (the call
reactions), and that layer's queues belong to the server's event loop and are not thread-safe:
boards then subscribe here and are woken with call_soon_threadsafe on their own loop."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

Deliver = Callable[[int], None]
_boards: dict[int, set[tuple[asyncio.AbstractEventLoop, Deliver]]] = {}
_lock = threading.Lock()


def kitchen_group(store_id: int) -> str:
    return f"kitchen.{store_id}"


def in_process() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def subscribe(store_id: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    with _lock:
        _boards.setdefault(store_id, set()).add((loop, deliver))


def unsubscribe(store_id: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    with _lock:
        _boards.get(store_id, set()).discard((loop, deliver))


def _send(store_id: int, order_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            with _lock:
                boards = list(_boards.get(store_id, ()))
            for loop, deliver in boards:
                if not loop.is_closed():
                    # A fresh context: the writer's (a sync_to_async thread) would make the board's
                    # own database calls think they run inside it and refuse ("would deadlock").
                    loop.call_soon_threadsafe(deliver, order_id, context=contextvars.Context())
            return
        async_to_sync(layer.group_send)(
            kitchen_group(store_id), {"type": "kitchen.changed", "order_id": order_id}
        )
    except Exception:  # a board missing one update must never fail the order itself
        logger.exception("kitchen board update for order %s not sent", order_id)


def order_changed(store_id: int, order_id: int) -> None:
    """Tell the store's boards once the current transaction commits (never a rolled-back order)."""
    transaction.on_commit(lambda: _send(store_id, order_id))
