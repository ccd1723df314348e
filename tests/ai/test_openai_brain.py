"""The OpenAI brain through the real SDK against the local fake: tool loop, streaming,
budgets, retry, fallback to the local brain, per-business rate limit, usage and cost."""

from __future__ import annotations

from decimal import Decimal

from ai import agent, brains
from ai.brains.openai import rate_limit_allows
from ai.models import AIConversationSession
from stores.models import Order
from tests.ai.conftest import FRIDAY_EVENING
from tests.fakes.openai import error, hang, text, tool_calls


def _begin(store, **kwargs):
    return agent.begin(store, channel="cli", brain="openai", now=FRIDAY_EVENING, **kwargs)


def test_tool_loop_places_a_real_order(fake, demo_pizzeria):
    fake.queue(
        tool_calls([("add_to_order", {"item": "Margherita", "size": "Grande", "quantity": 2})]),
        text("Deux margherita grandes, 27 euros. Je confirme ?", prompt_tokens=1000, completion_tokens=50),
        tool_calls([("confirm_order", {"delivery_type": "takeaway"})]),
        text("C'est confirmé, merci !"),
    )
    session, _ = _begin(demo_pizzeria, caller_phone="+33612121212")
    first = agent.respond(session, "Deux margherita grandes s'il vous plaît")
    assert first.text.startswith("Deux margherita") and first.brain == "openai"
    assert [c["tool"] for c in first.tool_calls] == ["add_to_order"] and first.cart["total"] == "27.00"
    # The model saw the tools and the store's prompt; the tool result went back with its call id.
    second_request = fake.chat_requests[1]
    assert {t["function"]["name"] for t in second_request["tools"]} >= {"add_to_order", "confirm_order"}
    assert "Pizzeria Bella Napoli" in second_request["messages"][0]["content"]
    tool_message = second_request["messages"][-1]
    assert tool_message["role"] == "tool" and '"line_total": "27.00"' in tool_message["content"]
    second = agent.respond(session, "Oui")
    assert second.text == "C'est confirmé, merci !"
    order = Order.objects.get(store=demo_pizzeria)
    assert order.total == Decimal("27.00") and order.source == "test"
    agent.finish(session)
    record = AIConversationSession.objects.get(pk=session.db_id)
    assert record.tokens_in >= 1000 and record.cost > 0 and not record.is_active
    assert [c["tool"] for c in record.tool_calls] == ["add_to_order", "confirm_order"]


def test_first_sentence_is_handed_over_while_streaming(fake, demo_pizzeria):
    fake.queue(text("Nous fermons à 23 heures. Voulez-vous réserver ? Je peux vous aider.", chunk_delay=0.01))
    session, _ = _begin(demo_pizzeria)
    sentences: list[str] = []
    reply = agent.respond(session, "Vous fermez à quelle heure ?", on_sentence=sentences.append)
    assert sentences[0] == "Nous fermons à 23 heures." and len(sentences) == 3
    assert reply.text.endswith("Je peux vous aider.")


def test_slow_model_falls_back_to_the_local_brain_after_one_retry(fake, demo_pizzeria):
    fake.queue(hang(1.5), hang(1.5))
    session, _ = _begin(demo_pizzeria)
    reply = agent.respond(session, "Je voudrais un coca")
    assert reply.text.startswith("Un instant") and "Coca-Cola" in reply.text
    assert reply.brain == "openai→local" and len(fake.chat_requests) == 2
    assert "APITimeoutError" in session.fallbacks[0]
    assert reply.cart["lines"][0]["name"] == "Coca-Cola 33 cl"


def test_server_error_is_retried_once(fake, demo_pizzeria):
    fake.queue(error(500, "boom"), text("Bonjour !"))
    session, _ = _begin(demo_pizzeria)
    assert agent.respond(session, "Bonjour").text == "Bonjour !"
    assert len(fake.chat_requests) == 2 and session.fallbacks == []


def test_bad_key_is_not_retried_and_falls_back(fake, demo_pizzeria, settings):
    settings.OPENAI_API_KEY = "sk-wrong"
    brains.reset()
    session, _ = _begin(demo_pizzeria)
    reply = agent.respond(session, "Quels sont vos horaires ?")
    assert len(fake.chat_requests) == 1 and "HTTP 401" in session.fallbacks[0]
    assert "23:00" in reply.text or "23 h" in reply.text


def test_rate_limit_hands_over_politely(fake, demo_pizzeria, settings):
    settings.AI_RATE_LIMITS_BY_PLAN = {"PRO": 2, "STARTER": 2, "BUSINESS": 2}
    fake.queue(text("Un."), text("Deux."))
    session, _ = _begin(demo_pizzeria)
    assert agent.respond(session, "un").text == "Un."
    assert agent.respond(session, "deux").text == "Deux."
    third = agent.respond(session, "trois")
    assert "collègue" in third.text and third.actions[0]["action"] == "transfer" and third.ended
    assert len(fake.chat_requests) == 2


def test_sliding_window_forgets_old_requests(demo_pizzeria, settings):
    settings.AI_RATE_LIMITS_BY_PLAN = {"STARTER": 10}
    start = 1_000_000 * 3600.0
    assert all(rate_limit_allows(99, "STARTER", now=start + i) for i in range(10))
    assert not rate_limit_allows(99, "STARTER", now=start + 60)
    # half an hour into the next window, half of the previous one still counts
    assert all(rate_limit_allows(99, "STARTER", now=start + 3600 + 1800) for _ in range(5))
    assert not rate_limit_allows(99, "STARTER", now=start + 3600 + 1800)
    assert rate_limit_allows(99, "STARTER", now=start + 3 * 3600)


def test_returning_caller_gets_the_usual_with_the_openai_brain(fake, demo_pizzeria):
    from stores.models import Product
    from stores.services.orders import order_create

    calzone = Product.objects.get(store=demo_pizzeria, name="Calzone")
    medium = calzone.variations.get(value="Moyenne")
    order_create(
        store=demo_pizzeria,
        items=[{"product_id": calzone.pk, "quantity": 2, "variation_ids": [medium.pk]}],
        customer_phone="+33613131313",
        customer_name="Léa Fabre",
    )
    fake.queue(tool_calls([("usual_order", {"add": True})]), text("Deux calzone moyennes, c'est noté."))
    session, greeting = _begin(demo_pizzeria, caller_phone="+33613131313")
    assert "Léa" in greeting.text and "Calzone" in greeting.text
    reply = agent.respond(session, "Oui comme d'habitude")
    assert reply.cart["total"] == "25.00" and reply.cart["lines"][0]["quantity"] == 2


def test_the_record_is_brought_up_to_date_every_few_turns(demo_pizzeria):
    from ai import session as sessions

    session, _ = agent.begin(demo_pizzeria, channel="cli", now=FRIDAY_EVENING)
    for line in ("bonjour", "vous livrez ?"):
        agent.respond(session, line)
    record = AIConversationSession.objects.get(pk=session.db_id)
    assert record.messages == [] and record.is_active  # not yet: every PERSIST_EVERY turns
    agent.respond(session, "c'est où ?")
    record.refresh_from_db()
    assert len(record.messages) == 7 and len(record.turn_latencies_ms) == 3
    assert sessions.load(session.id).turns == 3
