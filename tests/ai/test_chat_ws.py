"""The "Test your assistant" chat through its WebSocket: who may connect, the message protocol,
and whole conversations that write test (sandbox) or real (live) orders."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.test import Client

from accounts.models import Membership, User
from ai.models import AIConversationSession, IntelligentAIConfig
from stores.models import Order, Store
from tests.factories import UserFactory, closed_until, open_around_now
from tests.sockets import TIMEOUT, SocketClient

# The consumer reaches the database from other threads: the test data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def alice_cookie(alice, alice_business) -> bytes:
    return session_cookie(alice)


@pytest.fixture
def carol_cookie(carol, carol_business) -> bytes:
    return session_cookie(carol)


@pytest.fixture
def bella_napoli(transactional_db) -> Store:
    """The demo pizzeria, open right now: the chat has no frozen clock, so the hours follow it.

    A six-hour window around now on every weekday (past midnight it wraps, which opening hours
    allow) keeps the test independent of the time it runs at."""
    call_command("seed_demo", stdout=StringIO())
    store = Store.objects.get(slug="pizzeria-bella-napoli")
    open_around_now(store)
    return store


@pytest.fixture
def demo_owner_cookie(bella_napoli) -> bytes:
    return session_cookie(User.objects.get(email="demo@kalliky.local"))


@pytest.fixture
def demo_staff_cookie(bella_napoli) -> bytes:
    dan = UserFactory(email="dan@bella-napoli.test", first_name="Dan")
    Membership.objects.create(user=dan, business=bella_napoli.business, role=Membership.Role.STAFF)
    return session_cookie(dan)


async def open_socket(path: str, cookie: bytes | None = None, *, lang: bytes = b"fr") -> SocketClient:
    headers = [(b"origin", b"http://localhost"), (b"accept-language", lang)]
    if cookie:
        headers.append((b"cookie", cookie))
    socket = SocketClient(path, headers)
    assert await socket.connect()
    return socket


async def open_chat(store_id: int, cookie: bytes | None = None, *, lang: bytes = b"fr") -> SocketClient:
    return await open_socket(f"/ws/stores/{store_id}/assistant/", cookie, lang=lang)


async def receive(chat: SocketClient) -> dict[str, Any]:
    return await chat.receive_json_from(timeout=TIMEOUT)


async def start(chat: SocketClient, **fields: Any) -> dict[str, Any]:
    await chat.send_json_to({"type": "start", **fields})
    return await receive(chat)


async def say(chat: SocketClient, text: str) -> dict[str, Any]:
    await chat.send_json_to({"type": "say", "text": text})
    return await receive(chat)


async def order_a_large_margherita(chat: SocketClient) -> dict[str, Any]:
    """Order, then answer what the assistant asks (extras, pick-up or delivery, read-back) until
    it confirms; returns the confirming reply."""
    reply = await say(chat, "Je voudrais une margherita grande")
    assert reply["type"] == "reply"
    assert "margherita" in reply["text"].lower()
    assert [line["name"] for line in reply["cart"]["lines"]] == ["Margherita"]
    assert reply["cart"]["lines"][0]["quantity"] == 1
    assert reply["tool_calls"]
    text = "non c'est tout"
    for _ in range(5):
        reply = await say(chat, text)
        assert reply["type"] == "reply", reply
        if any(call["tool"] == "confirm_order" for call in reply["tool_calls"]):
            return reply
        asked = reply["text"].lower()
        if "récapitule" in asked or "confirme" in asked:
            text = "oui"
        elif "emporter" in asked or "livraison" in asked:
            text = "à emporter"
        else:
            text = "non c'est tout"
    pytest.fail(f"the assistant never confirmed the order; last reply: {reply['text']!r}")


@database_sync_to_async
def order_sources(store: Store) -> list[str]:
    return list(Order.objects.filter(store=store).values_list("source", flat=True))


@database_sync_to_async
def chat_records(store: Store) -> list[AIConversationSession]:
    return list(AIConversationSession.objects.filter(store=store, channel="chat").order_by("pk"))


# --- who may connect --------------------------------------------------------------------------
async def test_anonymous_visitors_are_refused(pizzeria):
    chat = await open_chat(pizzeria.pk)
    assert await chat.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4403}
    await chat.disconnect()


async def test_carol_cannot_chat_with_alices_assistant(carol_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, carol_cookie)
    assert await chat.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    await chat.disconnect()


async def test_an_unknown_store_is_refused(alice_cookie):
    chat = await open_chat(999999, alice_cookie)
    assert await chat.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4404}
    await chat.disconnect()


# --- protocol -------------------------------------------------------------------------------
async def test_start_greets_in_sandbox(alice_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    greeting = await start(chat, live=False, brain="local")
    assert greeting["type"] == "reply"
    assert greeting["text"]
    assert greeting["sandbox"] is True
    assert greeting["cart"]["lines"] == []
    assert greeting["tool_calls"] == []
    assert greeting["actions"] == []
    assert greeting["ended"] is False
    assert len(greeting["session"]) == 32
    assert await chat.receive_nothing()
    assert len(await chat_records(pizzeria)) == 1
    await chat.disconnect()


async def test_saying_something_before_start_is_an_error_and_the_chat_goes_on(alice_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    error = await say(chat, "Bonjour")
    assert error["type"] == "error"
    assert error["code"] == "not_started"
    assert "Nouvelle conversation" in error["message"]
    assert (await start(chat))["type"] == "reply"
    await chat.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_message"),
        (json.dumps(["start"]), "bad_message"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"type": "say", "text": "   "}), "empty_text"),
        (json.dumps({"type": "say", "text": 42}), "empty_text"),
        (json.dumps({"type": "say", "text": "a" * 1001}), "text_too_long"),
        (json.dumps({"type": "start", "live": "yes"}), "bad_live"),
        (json.dumps({"type": "start", "brain": "gpt-9"}), "unknown_brain"),
        (json.dumps({"type": "start", "brain": "openai"}), "brain_unavailable"),
        (json.dumps({"type": "start", "phone": "call me maybe"}), "bad_phone"),
    ],
)
async def test_bad_messages_get_an_error_without_closing(alice_cookie, pizzeria, frame, code):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    if code in ("empty_text", "text_too_long"):
        await start(chat)
    await chat.send_to(text_data=frame)
    error = await receive(chat)
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    assert (await start(chat))["type"] == "reply"
    await chat.disconnect()


async def test_errors_speak_the_browsers_language(alice_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, alice_cookie, lang=b"en-GB,en;q=0.9")
    error = await say(chat, "Hello")
    assert error["message"].startswith("Start a conversation first")
    await chat.disconnect()


async def test_more_than_thirty_messages_a_minute_are_refused(alice_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    for _ in range(30):
        assert (await say(chat, "Bonjour"))["code"] == "not_started"
    error = await say(chat, "Bonjour")
    assert error["code"] == "rate_limited"
    assert "minute" in error["message"]
    await chat.disconnect()


async def test_a_new_start_replaces_the_conversation(alice_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    first = await start(chat)
    second = await start(chat)
    assert first["session"] != second["session"]
    records = await chat_records(pizzeria)
    assert [record.is_active for record in records] == [False, True]
    await chat.disconnect()


async def test_closing_the_page_ends_the_conversation_record(alice_cookie, pizzeria):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    await start(chat)
    await chat.disconnect()
    [record] = await chat_records(pizzeria)
    assert record.is_active is False
    assert record.ended_at is not None


async def test_a_paused_assistant_hands_over_and_ends_the_chat(alice_cookie, pizzeria):
    await database_sync_to_async(IntelligentAIConfig.objects.update_or_create)(
        store=pizzeria, defaults={"is_active": False}
    )
    chat = await open_chat(pizzeria.pk, alice_cookie)
    reply = await start(chat)
    assert reply["type"] == "reply"
    assert reply["ended"] is True
    assert [action["action"] for action in reply["actions"]] == ["transfer"]
    assert await receive(chat) == {"type": "ended", "reason": "transfer", "session": reply["session"]}
    assert (await say(chat, "Allô ?"))["code"] == "conversation_ended"
    await chat.disconnect()


# --- whole conversations ----------------------------------------------------------------------
async def test_a_sandbox_conversation_writes_a_test_order(bella_napoli, demo_owner_cookie):
    chat = await open_chat(bella_napoli.pk, demo_owner_cookie)
    greeting = await start(chat, live=False)
    assert greeting["sandbox"] is True
    confirmed = await order_a_large_margherita(chat)
    [confirm] = [call for call in confirmed["tool_calls"] if call["tool"] == "confirm_order"]
    assert confirm["result"]["ok"] is True
    assert confirmed["brain"] == "local"
    assert confirmed["latency_ms"] >= 0
    assert await order_sources(bella_napoli) == ["test"]
    await chat.disconnect()


async def test_a_live_conversation_as_owner_writes_a_real_order(bella_napoli, demo_owner_cookie):
    chat = await open_chat(bella_napoli.pk, demo_owner_cookie)
    greeting = await start(chat, live=True)
    assert greeting["sandbox"] is False
    await order_a_large_margherita(chat)
    assert await order_sources(bella_napoli) == ["call"]
    await chat.disconnect()


async def test_staff_asking_for_live_are_told_and_kept_in_sandbox(bella_napoli, demo_staff_cookie):
    chat = await open_chat(bella_napoli.pk, demo_staff_cookie)
    await chat.send_json_to({"type": "start", "live": True})
    refusal = await receive(chat)
    assert refusal["type"] == "error"
    assert refusal["code"] == "live_refused"
    assert "bac à sable" in refusal["message"]
    greeting = await receive(chat)
    assert greeting["type"] == "reply"
    assert greeting["sandbox"] is True
    await order_a_large_margherita(chat)
    assert await order_sources(bella_napoli) == ["test"]
    await chat.disconnect()


# --- the pretend clock ------------------------------------------------------------------------
@database_sync_to_async
def close_for_now(store: Store) -> str:
    """Closed now whatever the hour; returns its next opening as the page's input sends it."""
    return f"{closed_until(store):%Y-%m-%dT%H:%M}"


async def test_a_closed_store_takes_a_test_order_when_the_chat_pretends_it_is_open(
    bella_napoli, demo_owner_cookie
):
    opening = await close_for_now(bella_napoli)
    chat = await open_chat(bella_napoli.pk, demo_owner_cookie)
    greeting = await start(chat, live=False, now=opening)
    assert greeting["sandbox"] is True
    confirmed = await order_a_large_margherita(chat)
    [confirm] = [call for call in confirmed["tool_calls"] if call["tool"] == "confirm_order"]
    assert confirm["result"]["ok"] is True
    assert await order_sources(bella_napoli) == ["test"]
    await chat.disconnect()


async def test_without_a_pretend_time_a_closed_store_takes_no_order(bella_napoli, demo_owner_cookie):
    await close_for_now(bella_napoli)
    chat = await open_chat(bella_napoli.pk, demo_owner_cookie)
    await start(chat, live=False)
    reply = await say(chat, "Je voudrais une margherita grande")
    [add] = [call for call in reply["tool_calls"] if call["tool"] == "add_to_order"]
    assert add["result"]["ok"] is False and add["result"]["error"] == "closed"
    assert reply["cart"]["lines"] == []
    await chat.disconnect()


async def test_a_live_test_ignores_the_pretend_time(bella_napoli, demo_owner_cookie):
    opening = await close_for_now(bella_napoli)
    chat = await open_chat(bella_napoli.pk, demo_owner_cookie)
    greeting = await start(chat, live=True, now=opening)
    assert greeting["sandbox"] is False
    reply = await say(chat, "Je voudrais une margherita grande")
    assert reply["cart"]["lines"] == []
    assert await order_sources(bella_napoli) == []
    await chat.disconnect()


@pytest.mark.parametrize("now", ["lundi midi", "1999-01-01T12:00", 1700000000])
async def test_a_bad_pretend_time_is_an_error_and_the_chat_goes_on(alice_cookie, pizzeria, now):
    chat = await open_chat(pizzeria.pk, alice_cookie)
    error = await start(chat, now=now)
    assert error["type"] == "error" and error["code"] == "bad_now"
    assert "faire comme s'il était" in error["message"]
    assert (await start(chat))["type"] == "reply"
    await chat.disconnect()
