"""The OpenAI brain gets the same guarantees as the local one where they live, in the tools: a
scripted model (tests/fakes/openai) asks for a closed day, a past time and a sized item without
its size, and a count of one item that is likely a mishearing, and hears each refusal with its
reason; nothing is written until it is right."""

from __future__ import annotations

import json

import pytest

from ai import agent
from stores.models import Order, ServiceBooking
from tests.ai.conftest import FRIDAY_EVENING
from tests.fakes.openai import FakeOpenAI, text, tool_calls

pytestmark = pytest.mark.django_db


def tool_answer(fake: FakeOpenAI, request: int) -> dict:
    return json.loads(fake.chat_requests[request]["messages"][-1]["content"])


def test_a_closed_day_and_a_past_time_are_refused_to_the_model(fake, demo_salon):
    fake.queue(
        tool_calls([("book_service", {"service": "Women's cut", "date": "2026-12-06", "time": "10:00"})]),
        text("We're closed on Sundays."),
        tool_calls([("book_service", {"service": "Women's cut", "date": "2026-12-04", "time": "10:00"})]),
        text("That time has passed."),
    )
    session, _ = agent.begin(demo_salon, channel="cli", brain="openai", now=FRIDAY_EVENING)
    agent.respond(session, "A women's cut on Sunday at ten please")
    sunday = tool_answer(fake, 1)
    assert sunday["ok"] is False and sunday["error"] == "closed_day", sunday
    assert sunday["alternatives"], sunday  # the next openings, for the model to offer

    agent.respond(session, "Then this morning at ten")
    past = tool_answer(fake, 3)
    assert past["ok"] is False and past["error"] == "past", past
    assert not ServiceBooking.objects.filter(store=demo_salon).exists()


def test_a_sized_item_without_its_size_is_not_added(fake, demo_pizzeria):
    fake.queue(
        tool_calls([("add_to_order", {"item": "Margherita", "quantity": 1})]),
        text("Which size?"),
    )
    session, _ = agent.begin(demo_pizzeria, channel="cli", brain="openai", now=FRIDAY_EVENING)
    agent.respond(session, "Une margherita")
    answer = tool_answer(fake, 1)
    assert answer["ok"] is False and answer["error"] == "missing_variation", answer
    assert [o["value"] for o in answer["options"]] == ["Petite", "Moyenne", "Grande"]
    assert not session.cart
    assert not Order.objects.filter(store=demo_pizzeria).exists()


def test_a_count_that_is_likely_a_mishearing_is_asked_back_before_it_is_taken(fake, demo_pizzeria):
    fake.queue(
        tool_calls([("add_to_order", {"item": "Tiramisu", "quantity": 50})]),
        text("Did you say fifty tiramisus?"),
        tool_calls([("add_to_order", {"item": "Tiramisu", "quantity": 50, "quantity_confirmed": True})]),
        text("Fifty tiramisus, noted."),
    )
    session, _ = agent.begin(demo_pizzeria, channel="cli", brain="openai", now=FRIDAY_EVENING)
    agent.respond(session, "cinquante tiramisus")  # "sans tiramisu"? asked, not taken
    check = tool_answer(fake, 1)
    assert check["ok"] is False and check["error"] == "check_quantity" and check["quantity"] == 50, check
    assert not session.cart

    agent.respond(session, "oui, cinquante, c'est pour une fête")
    assert tool_answer(fake, 3)["ok"] is True
    assert [(line.name, line.quantity) for line in session.cart] == [("Tiramisu", 50)]
