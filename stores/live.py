"""Live updates of the kitchen board: after a ticket or its order changes and the transaction
commits, every open board of that store is told which order changed; each board's socket then
renders the card itself, in its viewer's language (stores/consumers.py)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def kitchen_group(store_id: int) -> str:
    return f"kitchen.{store_id}"


def _send(store_id: int, order_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            kitchen_group(store_id), {"type": "kitchen.changed", "order_id": order_id}
        )
    except Exception:  # a board missing one update must never fail the order itself
        logger.exception("kitchen board update for order %s not sent", order_id)


def order_changed(store_id: int, order_id: int) -> None:
    """Tell the store's boards once the current transaction commits (never a rolled-back order)."""
    transaction.on_commit(lambda: _send(store_id, order_id))
