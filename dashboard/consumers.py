"""The kitchen board's socket: joins the store's group and, for each order that changed,
sends the ticket card rendered in the viewer's language (or that it left the board)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation

from dashboard import live
from kalliky.i18n import socket_language
from stores.access import access_store
from stores.models import PreparationTicket

logger = logging.getLogger(__name__)
CLOSE_UNAUTHENTICATED = 4403
CLOSE_NOT_FOUND = 4404
BOARD_STATUSES = (
    PreparationTicket.Status.QUEUED,
    PreparationTicket.Status.IN_PROGRESS,
    PreparationTicket.Status.READY,
)


def ticket_card(store_id: int, order_id: int, language: str) -> dict[str, Any]:
    """What a board needs to place one order's ticket: its column and its card, or 'gone'."""
    ticket = (
        PreparationTicket.objects.real()  # an assistant test's order never reaches the kitchen
        .filter(store_id=store_id, order_id=order_id)
        .select_related("order", "order__customer")
        .first()
    )
    if ticket is None or ticket.status not in BOARD_STATUSES:
        return {"order_id": order_id, "status": ticket.status if ticket else "gone", "html": ""}
    with translation.override(language):
        html = render_to_string("dashboard/_ticket.html", {"ticket": ticket})
    return {"order_id": order_id, "status": ticket.status, "priority": ticket.priority, "html": html}


class KitchenBoardConsumer(AsyncJsonWebsocketConsumer):
    store_id = 0
    group = ""
    language = "fr"
    loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending: set[asyncio.Future] = set()  # deliveries in flight (kept so none is collected)

    async def connect(self) -> None:
        # Accept, then close with a code the page can read (a refused handshake shows nothing).
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.store_id = int(self.scope["url_route"]["kwargs"]["store_id"])
        if not await database_sync_to_async(self._may_see)():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.language = socket_language(self.scope)
        if live.in_process():
            self.loop = asyncio.get_running_loop()
            live.subscribe(self.store_id, self.loop, self._deliver)
        else:
            self.group = live.kitchen_group(self.store_id)
            await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "ready"})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.loop is not None:
            live.unsubscribe(self.store_id, self.loop, self._deliver)

    def _deliver(self, order_id: int) -> None:
        # Runs on this socket's loop (call_soon_threadsafe): same path as a group message.
        task = asyncio.ensure_future(self.kitchen_changed({"order_id": order_id}))
        self.pending.add(task)
        task.add_done_callback(self._delivered)

    def _delivered(self, task: asyncio.Future) -> None:
        self.pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("kitchen board update failed", exc_info=task.exception())

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The board only listens; a ping keeps proxies from closing an idle socket.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def kitchen_changed(self, event: dict[str, Any]) -> None:
        # A membership can end while the board is open: checked again before each card.
        if not await database_sync_to_async(self._may_see)():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        card = await database_sync_to_async(ticket_card)(self.store_id, int(event["order_id"]), self.language)
        await self.send_json({"type": "ticket", **card})

    def _may_see(self) -> bool:
        try:
            access_store(self.scope["user"], self.store_id)
        except Http404:
            return False
        return True
