"""What the caller asks of the kitchen never vanishes: a removal ("sans champignons", "no
onions"), a free note ("bien cuite", "well done", "coupée en parts") and an option the menu does
not have reach the read-back, the order line, the preparation ticket and the kitchen board.
Played through the test chat's WebSocket in live mode (with a kitchen board open on the same
store: a sandbox test never reaches the real board) and through `manage.py chat`."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from accounts.models import User
from stores.models import Order, PreparationTicket, Store
from stores.services.catalog import product_create
from tests.ai.test_chat_ws import open_chat, open_socket, say, session_cookie, start
from tests.ai.test_dietary_chat import _chat
from tests.factories import open_around_now


def _order_with_lines(store: Store) -> tuple[Order, list[tuple[str, str, list[str]]], list[dict]]:
    order = Order.objects.filter(store=store).latest("pk")
    lines = [(li.name, li.notes, [v["value"] for v in li.variations]) for li in order.items.all()]
    return order, lines, PreparationTicket.objects.get(order=order).items


def _seeded_pizzeria() -> Store:
    call_command("seed_demo", stdout=io.StringIO())
    # A live order runs on the real clock: the store is open now, whatever time the suite runs.
    return open_around_now(Store.objects.get(slug="pizzeria-bella-napoli"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_removals_and_notes_said_in_the_chat_reach_the_kitchen_board(transactional_db):
    bella_napoli = await sync_to_async(_seeded_pizzeria)()
    owner = await sync_to_async(User.objects.get)(email="demo@kalliky.local")
    cookie = await sync_to_async(session_cookie)(owner)
    board = await open_socket(f"/ws/stores/{bella_napoli.pk}/kitchen/", cookie, lang=b"fr")
    assert (await board.receive_json_from())["type"] == "ready"
    chat = await open_chat(bella_napoli.pk, cookie)
    # The owner plays it live: what the sandbox writes is a test and stays off the real board.
    assert (await start(chat, live=True, brain="local"))["type"] == "reply"

    added = await say(chat, "une regina grande sans champignons et une margherita moyenne bien cuite")
    # The mushrooms come off the regina: no mushroom pasta, no mushroom extra.
    assert "Tagliatelles" not in added["text"] and "sans champignons" in added["text"]
    await say(chat, "coupée en parts")  # two lines: which one is asked, never guessed
    await say(chat, "la margherita")
    await say(chat, "c'est tout")
    readback = await say(chat, "à emporter")
    assert "Regina grande (sans champignons)" in readback["text"]
    assert "Margherita moyenne (bien cuite, coupée en parts)" in readback["text"]
    assert "25 euros" in readback["text"]  # 15.50 + 9.50: a note costs nothing
    done = await say(chat, "oui")
    assert any(call["tool"] == "confirm_order" for call in done["tool_calls"])

    card = await board.receive_json_from()
    assert card["type"] == "ticket" and card["status"] == "queued"
    assert "sans champignons" in card["html"] and "bien cuite, coupée en parts" in card["html"]
    order, lines, ticket = await sync_to_async(_order_with_lines)(bella_napoli)
    assert lines == [
        ("Regina", "sans champignons", ["Grande"]),
        ("Margherita", "bien cuite, coupée en parts", ["Moyenne"]),
    ]
    assert [item["notes"] for item in ticket] == ["sans champignons", "bien cuite, coupée en parts"]
    assert order.total == Decimal("25.00")
    for socket in (chat, board):
        await socket.disconnect()


@pytest.fixture
def burgers(demo_pizzeria) -> Store:
    product_create(
        store=demo_pizzeria,
        category="Burgers",
        name="Burger maison",
        price=Decimal("10.00"),
        variations=[
            {"type": "extra", "name": "Supplément", "value": "Cheese", "price_delta": Decimal("1.00")},
            {"type": "extra", "name": "Supplément", "value": "Bacon", "price_delta": Decimal("1.50")},
        ],
    )
    return demo_pizzeria


@pytest.mark.django_db
def test_an_english_burger_keeps_its_removal_its_extra_and_an_unknown_option(burgers, monkeypatch):
    replies = _chat(
        monkeypatch,
        [
            "a burger maison with no onions, extra cheese, extra pickles, well done please",
            "no that's all",
            "pick up",
            "yes",
        ],
    )
    # The option the menu lacks is named back, and kept for the kitchen since the caller confirms.
    assert "I don't have extra pickles" in replies[0] and "noted it for the kitchen" in replies[0]
    assert "1 Burger maison cheese (no onions, extra pickles, well done)" in replies[2]
    assert "€11" in replies[2]
    _order, lines, ticket = _order_with_lines(burgers)
    assert lines == [("Burger maison", "no onions, extra pickles, well done", ["Cheese"])]
    assert ticket[0]["notes"] == "no onions, extra pickles, well done"


@pytest.mark.django_db
def test_a_french_caller_adds_a_note_after_the_size_question(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        [
            "une diavola avec supplément ananas",
            "grande, bien cuite",
            "sans olives s'il vous plaît",
            "c'est tout",
            "à emporter",
            "oui",
        ],
    )
    assert "pas de supplément ananas au menu" in replies[1] and "je le note pour la cuisine" in replies[1]
    assert "(supplément ananas, bien cuite, sans olives)" in replies[4]
    _order, lines, ticket = _order_with_lines(demo_pizzeria)
    assert lines == [("Diavola", "supplément ananas, bien cuite, sans olives", ["Grande"])]
    assert ticket[0]["notes"] == lines[0][1]
