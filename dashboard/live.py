"""Live updates of the kitchen board: after a ticket or its order changes and the transaction
commits (stores' `order_changed` event), every open board of that store is told which order
changed; each board's socket then renders the card itself, in its viewer's language
(dashboard/consumers.py).

With Redis (production) the news travels through the channel layer's group, across processes.
With the in-process layer of `make run`, orders are often written by a worker thread (the call
reactions), and that layer's queues belong to the server's event loop and are not thread-safe:
boards then subscribe here and are woken with call_soon_threadsafe on their own loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from kalliky.wakeups import Listeners, in_process

logger = logging.getLogger(__name__)

Deliver = Callable[[int], None]
_boards = Listeners()

__all__ = ["in_process", "kitchen_group", "on_order_changed", "subscribe", "unsubscribe"]


def kitchen_group(store_id: int) -> str:
    return f"kitchen.{store_id}"


def subscribe(store_id: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    _boards.add(store_id, loop, deliver)


def unsubscribe(store_id: int, loop: asyncio.AbstractEventLoop, deliver: Deliver) -> None:
    _boards.remove(store_id, loop, deliver)


def _send(store_id: int, order_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            _boards.wake(store_id, order_id)
            return
        async_to_sync(layer.group_send)(
            kitchen_group(store_id), {"type": "kitchen.changed", "order_id": order_id}
        )
    except Exception:  # a board missing one update must never fail the order itself
        logger.exception("kitchen board update for order %s not sent", order_id)


def on_order_changed(sender: object, *, store_id: int, order_id: int, **kwargs: object) -> None:
    """Tell the store's boards (stores.events.order_changed, sent once the change committed)."""
    _send(store_id, order_id)
