"""Dietary tags and the 14 allergens through the API: yes / no / unknown, unknown by default."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from stores.models import Product
from stores.models.dietary import ALLERGENS, DIETARY_TAGS

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(alice_client: Client) -> Client:
    alice_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return alice_client


def _errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_new_product_knows_nothing_until_told(en, pizzeria):
    response = en.post(
        f"/api/stores/{pizzeria.pk}/products",
        {"name": "Margherita", "price": "9.50"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["dietary"] == dict.fromkeys(DIETARY_TAGS)
    assert body["allergens"] == dict.fromkeys(ALLERGENS)


def test_create_then_update_the_facts(en, pizzeria):
    response = en.post(
        f"/api/stores/{pizzeria.pk}/products",
        {
            "name": "Tiramisu",
            "price": "6.50",
            "dietary": {"vegetarian": True, "vegan": False},
            "allergens": {"eggs": True, "milk": True, "nuts": False},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    product = Product.objects.get(pk=response.json()["id"])
    assert (product.diet_vegetarian, product.diet_vegan, product.diet_halal) == (True, False, None)
    assert (product.allergen_eggs, product.allergen_nuts, product.allergen_gluten) == (True, False, None)

    # Sending only the allergens leaves the dietary tags as they were.
    response = en.put(
        f"/api/stores/{pizzeria.pk}/products/{product.pk}",
        {"name": "Tiramisu", "price": "6.50", "allergens": {"eggs": True, "milk": True, "nuts": True}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["allergens"]["nuts"] is True
    assert response.json()["dietary"]["vegetarian"] is True
    product.refresh_from_db()
    assert product.allergen_nuts is True and product.diet_vegetarian is True

    # null puts a fact back to unknown.
    response = en.put(
        f"/api/stores/{pizzeria.pk}/products/{product.pk}",
        {"name": "Tiramisu", "price": "6.50", "allergens": {"nuts": None}},
        content_type="application/json",
    )
    assert response.json()["allergens"]["nuts"] is None
    product.refresh_from_db()
    assert product.allergen_nuts is None


def test_an_unknown_tag_or_allergen_is_refused_by_name(en, pizzeria):
    url = f"/api/stores/{pizzeria.pk}/products"
    errors = _errors(
        en.post(
            url, {"name": "X", "price": "1", "dietary": {"veggie": True}}, content_type="application/json"
        )
    )
    assert "dietary.veggie" in errors
    errors = _errors(
        en.post(
            url, {"name": "X", "price": "1", "allergens": {"walnut": True}}, content_type="application/json"
        )
    )
    assert "allergens.walnut" in errors
    errors = _errors(
        en.post(
            url, {"name": "X", "price": "1", "allergens": {"nuts": "maybe"}}, content_type="application/json"
        )
    )
    assert "allergens.nuts" in errors
    assert not Product.objects.filter(store=pizzeria).exists()


def test_contradictions_are_refused_by_the_api_and_the_database(en, pizzeria):
    url = f"/api/stores/{pizzeria.pk}/products"
    body = {"name": "Vegan cake", "price": "5", "dietary": {"vegan": True}, "allergens": {"milk": True}}
    errors = _errors(en.post(url, body, content_type="application/json"))
    assert "milk" in errors["dietary"]
    product = Product.objects.create(store=pizzeria, name="Bread", price=2, allergen_gluten=True)
    response = en.put(
        f"{url}/{product.pk}",
        {"name": "Bread", "price": "2", "dietary": {"gluten_free": True}},
        content_type="application/json",
    )
    assert "gluten" in _errors(response)["dietary"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(store=pizzeria, name="Odd", price=1, diet_vegan=True, diet_vegetarian=False)


def test_the_product_list_filters_on_known_facts_only(en, pizzeria):
    url = f"/api/stores/{pizzeria.pk}/products"
    pizzeria.products.all().delete()
    veggie = {"vegetarian": True}
    made = {
        "Margherita": (veggie, {"gluten": True, "milk": True}),
        "Regina": ({"vegetarian": False}, {"gluten": True}),
        "Salade": (veggie, {"gluten": False, "nuts": False}),
        "Mystère": ({}, {}),
    }
    for name, (dietary, allergens) in made.items():
        body = {"name": name, "price": "9", "dietary": dietary, "allergens": allergens}
        assert en.post(url, body, content_type="application/json").status_code == 201

    def names(query: str) -> set[str]:
        response = en.get(f"{url}?{query}")
        assert response.status_code == 200, response.content
        return {p["name"] for p in response.json()["items"]}

    assert names("diet=vegetarian") == {"Margherita", "Salade"}
    assert names("free_of=gluten") == {"Salade"}  # the unknown "Mystère" is never promised
    assert names("diet=vegetarian&free_of=gluten,nuts") == {"Salade"}
    assert names("diet=") == set(made)
    assert "diet" in _errors(en.get(f"{url}?diet=paleo"))
    assert "free_of" in _errors(en.get(f"{url}?free_of=gluten,cheese"))
