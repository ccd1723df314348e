"""Diet and allergen questions through the `chat` door, on the demo pizzeria's facts: answered
yes / no / "I don't know, I can ask", listing only what matches, never taken as an order."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import call_command

from ai import agent
from stores.models import Order
from tests.ai.conftest import FRIDAY_EVENING
from tests.fakes.openai import text, tool_calls

pytestmark = pytest.mark.django_db


def _chat(monkeypatch, lines: list[str]) -> list[str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    out = io.StringIO()
    call_command(
        "chat",
        "--store",
        "pizzeria-bella-napoli",
        "--now",
        "2026-12-04T19:00",
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue().splitlines()


def test_french_diet_questions_are_answered_not_ordered(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        [
            "la burrata, c'est végétarien ?",
            "il y a des noix dans le tiramisu ?",
            "qu'avez-vous sans viande ?",
            "et la panna cotta, c'est végétarien ?",
            "est-ce qu'il y a des noix dans la burrata ?",
        ],
    )
    assert len(replies) == 5
    assert "oui" in replies[0].lower() and "végétarien" in replies[0]
    assert "taille" not in replies[0].lower()
    assert "Tiramisu" in replies[1] and "non" in replies[1].lower()
    assert "Margherita" in replies[2] and "Burrata" in replies[2]
    assert "Regina" not in replies[2] and "Calzone" not in replies[2] and "Savoyarde" not in replies[2]
    assert "je ne sais pas" in replies[3].lower() and "demander" in replies[3]
    assert "je ne sais pas" in replies[4].lower()
    assert not Order.objects.filter(store=demo_pizzeria).exists()


def test_english_diet_questions(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        [
            "Hello, anything vegan?",
            "does the glace deux boules have nuts",
            "is the calzone vegetarian?",
            "any pizzas without milk?",
        ],
    )
    assert "Bruschetta" in replies[0] and "Penne arrabbiata" in replies[0]
    assert "Margherita" not in replies[0]
    assert "yes" in replies[1].lower() and "nuts" in replies[1]
    assert "no" in replies[2].lower() and "not vegetarian" in replies[2]
    assert "Napolitaine" in replies[3] and "Margherita" not in replies[3]
    assert not Order.objects.filter(store=demo_pizzeria).exists()


def test_the_openai_brain_asks_the_tools_and_hears_unknown(fake, demo_pizzeria):
    fake.queue(
        tool_calls([("dietary_info", {"item": "Burrata", "allergen": "nuts", "dietary": "vegetarian"})]),
        text("La burrata est végétarienne ; pour les noix je ne sais pas, je peux demander."),
        tool_calls([("search_catalog", {"query": "pizzas", "without_allergens": ["milk"]})]),
        text("Sans lait : la Napolitaine."),
    )
    session, _ = agent.begin(demo_pizzeria, channel="cli", brain="openai", now=FRIDAY_EVENING)
    agent.respond(session, "La burrata, c'est végétarien ? Et il y a des noix ?")
    schema = {t["function"]["name"]: t["function"] for t in fake.chat_requests[0]["tools"]}
    assert "nuts" in schema["dietary_info"]["parameters"]["properties"]["allergen"]["enum"]
    assert "vegan" in schema["search_catalog"]["parameters"]["properties"]["dietary"]["enum"]
    answer = json.loads(fake.chat_requests[1]["messages"][-1]["content"])
    assert answer["dietary"] == {"tag": "vegetarian", "answer": "yes"}
    assert answer["allergen"] == {"allergen": "nuts", "contains": "unknown"}

    agent.respond(session, "Quelles pizzas sans lait ?")
    listed = json.loads(fake.chat_requests[3]["messages"][-1]["content"])
    assert [i["name"] for i in listed["items"]] == ["Napolitaine"]
    assert listed["unknown"] == 0
    assert not Order.objects.filter(store=demo_pizzeria).exists()


def test_item_names_and_orders_are_not_mistaken_for_questions(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        [
            "la végétarienne, c'est vegan ?",
            "c'est combien la quatre fromages ?",
            "je voudrais une napolitaine aux anchois en grande",
        ],
    )
    assert "Végétarienne" in replies[0] and "non" in replies[0].lower() and "vegan" in replies[0]
    assert "12,50" in replies[1]
    assert "Napolitaine" in replies[2] and "anchois" not in replies[2].lower().split("napolitaine")[0]


def test_a_question_in_the_middle_of_an_order_is_answered_then_the_order_goes_on(demo_pizzeria, monkeypatch):
    replies = _chat(
        monkeypatch,
        [
            "je voudrais une burrata",
            "c'est végétarien ?",
            "grande",
            "non merci c'est tout",
            "à emporter",
            "oui",
        ],
    )
    assert "taille" in replies[0].lower()
    assert "oui, c'est végétarien" in replies[1] and "taille" in replies[1].lower()
    order = Order.objects.get(store=demo_pizzeria)
    assert [item.product.name for item in order.items.all()] == ["Burrata"]
