"""A new owner goes from nothing to a priced catalog through the public API."""

from __future__ import annotations

import pytest
from django.test import Client

from stores.models import Product, Store

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def test_register_login_create_store_add_products_and_list_them():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    registered = post(
        client,
        "/api/auth/register",
        {
            "email": "gino@pizza.test",
            "password": "Mozzarella-di-Bufala-7",
            "first_name": "Gino",
            "business_name": "Pizza Gino",
            "business_type": "restaurant",
        },
    )
    assert registered.status_code == 201
    client.post("/api/auth/logout")
    assert (
        post(
            client, "/api/auth/login", {"email": "gino@pizza.test", "password": "Mozzarella-di-Bufala-7"}
        ).status_code
        == 200
    )

    created = post(
        client,
        "/api/stores",
        {
            "name": "Pizza Gino Centre",
            "address": "3 place du Marché, Lyon",
            "phone": "04 78 00 00 00",
            "has_reservations": True,
        },
    )
    assert created.status_code == 201, created.content
    store_id = created.json()["id"]
    store = Store.objects.get(pk=store_id)
    assert store.slug == "pizza-gino-centre"
    assert store.phone == "+33478000000"

    margherita = post(
        client,
        f"/api/stores/{store_id}/products",
        {
            "name": "Margherita",
            "price": "9.50",
            "category": "Pizzas",
            "ai_keywords": ["marguerite"],
            "variations": [
                {"type": "size", "name": "Taille", "value": "Grande", "price": "13.50"},
                {"type": "extra", "name": "Supplément", "value": "Burrata", "price_delta": "3.00"},
            ],
        },
    )
    assert margherita.status_code == 201, margherita.content
    tiramisu = post(
        client, f"/api/stores/{store_id}/products", {"name": "Tiramisu", "price": "6", "category": "Desserts"}
    )
    assert tiramisu.status_code == 201

    listing = client.get(f"/api/stores/{store_id}/products").json()

    assert listing["count"] == 2
    names = [p["name"] for p in listing["items"]]
    assert sorted(names) == ["Margherita", "Tiramisu"]
    pizza = next(p for p in listing["items"] if p["name"] == "Margherita")
    assert pizza["category_name"] == "Pizzas"
    assert {v["value"] for v in pizza["variations"]} == {"Grande", "Burrata"}
    assert Product.objects.filter(store=store).count() == 2
    assert client.get("/api/stores?q=gino").json()["count"] == 1
