"""Options a caller says without "avec" (a sauce, a removal) reach the order line; one the menu
does not offer is named back, never dropped. Played through the same door as the scenarios
(ai.agent on a sandboxed call) on the demo pizzeria with a sandwich whose options are sauces."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ai import scenarios
from stores.services.catalog import product_create


@pytest.fixture
def pizzeria(demo_pizzeria):
    product_create(
        store=demo_pizzeria,
        category="Sandwichs",
        name="Panini poulet",
        price=Decimal("7.00"),
        variations=[
            {"type": "extra", "name": "Supplément", "value": "Cheddar", "price_delta": Decimal("1.00")},
            {"type": "option", "name": "Sauce", "value": "Sauce andalouse"},
            {"type": "option", "name": "Sauce", "value": "Sauce curry"},
            {"type": "option", "name": "Retrait", "value": "Sans oignons"},
            {"type": "option", "name": "Retrait", "value": "Sans tomates"},
        ],
    )
    return demo_pizzeria


def assert_call_orders(store, lang: str, turns: list, lines: list[dict]) -> scenarios.ScenarioResult:
    spec = {"name": "options", "store": store.slug, "lang": lang, "now": "2026-12-04T19:00",
            "turns": turns, "expect": {"orders": [{"lines": lines}]}}  # fmt: skip
    result = scenarios.run(spec, store=store)
    assert result.passed, (result.failures, result.error, result.transcript)
    return result


def test_a_sauce_and_a_removal_said_plainly_are_on_the_line(pizzeria):
    assert_call_orders(
        pizzeria,
        "fr",
        ["deux paninis poulet sauce curry sans oignons", "c'est tout", "à emporter", "oui"],
        [{"name": "Panini poulet", "quantity": 2, "options": ["Sauce curry", "Sans oignons"]}],
    )


def test_an_english_removal_meets_the_french_option(pizzeria):
    assert_call_orders(
        pizzeria,
        "en",
        ["one panini poulet with sauce andalouse, without tomatoes", "that's all", "pick up", "yes"],
        [{"name": "Panini poulet", "quantity": 1, "options": ["Sauce andalouse", "Sans tomates"]}],
    )


def test_an_option_the_menu_lacks_is_named_back(pizzeria):
    result = assert_call_orders(
        pizzeria,
        "fr",
        [
            {"caller": "un panini poulet sauce barbecue", "expect_reply": ["pas de sauce barbecue"]},
            "c'est tout",
            "à emporter",
            "oui",
        ],
        [{"name": "Panini poulet", "quantity": 1}],
    )
    assert "Panini poulet" in result.transcript[1]["assistant"]


def test_a_forgotten_sauce_is_put_on_the_line_when_the_read_back_is_refused(pizzeria):
    assert_call_orders(
        pizzeria,
        "en",
        ["a panini poulet", "that's all", "pick up", "no, I wanted it with sauce curry", "yes"],
        [{"name": "Panini poulet", "quantity": 1, "options": ["Sauce curry"]}],
    )


def test_a_size_said_with_a_number_is_not_a_count(demo_pizzeria):
    product_create(
        store=demo_pizzeria,
        category="Desserts",
        name="Tarte aux poires",
        price=Decimal("4.00"),
        variations=[
            {"type": "size", "name": "Format", "value": "Part", "price": Decimal("4.00")},
            {"type": "size", "name": "Format", "value": "Huit parts", "price": Decimal("28.00")},
        ],
    )
    assert_call_orders(
        demo_pizzeria,
        "fr",
        ["deux tartes aux poires huit parts", "c'est tout", "à emporter", "oui"],
        [{"name": "Tarte aux poires", "quantity": 2, "options": ["Huit parts"]}],
    )
    assert_call_orders(
        demo_pizzeria,
        "en",
        ["tarte aux poires huit parts, three of them", "that's all", "pick up", "yes"],
        [{"name": "Tarte aux poires", "quantity": 3, "options": ["Huit parts"]}],
    )
