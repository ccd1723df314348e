"""Diet and allergen questions through the `chat` door, on the demo pizzeria's facts: answered
yes / no / "I don't know, I can ask", listing only what matches, never taken as an order."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command

from stores.models import Order

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
