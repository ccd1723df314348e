"""The kitchen board's socket: a new order from a call appears on every open board of its store
(not on other tenants'), in the viewer's language; strangers are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from stores.models import Source
from stores.services.orders import order_create, ticket_set_status
from tests.ai.test_chat_ws import open_socket, session_cookie
from tests.factories import ProductFactory
from tests.sockets import SocketClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def _board(store_id: int, cookie: bytes | None, lang: bytes = b"en") -> SocketClient:
    return await open_socket(f"/ws/stores/{store_id}/kitchen/", cookie, lang=lang)


async def test_a_new_order_appears_live_and_moves(alice, alice_business, pizzeria, salon, carol):
    cookie = await sync_to_async(session_cookie)(alice)
    carol_cookie = await sync_to_async(session_cookie)(carol)
    product = await sync_to_async(ProductFactory)(store=pizzeria, name="Calzone", price=Decimal("12.00"))
    board = await _board(pizzeria.pk, cookie)
    french_board = await _board(pizzeria.pk, cookie, lang=b"fr")
    carols_board = await _board(salon.pk, carol_cookie)
    for socket in (board, french_board, carols_board):
        assert (await socket.receive_json_from())["type"] == "ready"

    order = await sync_to_async(order_create)(
        store=pizzeria, items=[{"product_id": product.pk, "quantity": 1}], source=Source.CALL
    )

    card = await board.receive_json_from()
    assert card["type"] == "ticket" and card["order_id"] == order.pk and card["status"] == "queued"
    assert "Calzone" in card["html"] and 'data-to="in_progress">Start<' in card["html"]
    french = await french_board.receive_json_from()
    assert 'data-to="in_progress">Commencer<' in french["html"]
    assert await carols_board.receive_nothing(timeout=0.3)  # another tenant's board hears nothing

    ticket = await sync_to_async(lambda: order.ticket)()
    await sync_to_async(ticket_set_status)(ticket=ticket, status="ready")
    moved = await board.receive_json_from()
    assert moved["status"] == "ready" and moved["order_id"] == order.pk
    await sync_to_async(ticket_set_status)(ticket=ticket, status="served")
    gone = await board.receive_json_from()
    assert gone["status"] == "served" and gone["html"] == ""
    for socket in (board, french_board, carols_board):
        await socket.disconnect()


async def test_strangers_are_refused(alice, alice_business, pizzeria, carol, carol_business):
    anonymous = await _board(pizzeria.pk, None)
    closed = await anonymous.receive_output(5)
    assert closed == {"type": "websocket.close", "code": 4403}
    carol_cookie = await sync_to_async(session_cookie)(carol)
    stranger = await _board(pizzeria.pk, carol_cookie)
    assert (await stranger.receive_output(5)) == {"type": "websocket.close", "code": 4404}
