"""carol cannot reach anything of alice's: every stores route, every method, answers 404."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kalliky.api import api

pytestmark = pytest.mark.django_db

PLACEHOLDERS = {
    "store_id": "store",
    "product_id": "product",
    "variation_id": "large",
    "service_id": "service",
    "resource_id": "chef",
    "customer_id": "customer",
    "order_id": "order",
    "ticket_id": "ticket",
}
SOON = (timezone.now() + timedelta(days=3)).isoformat()
# A valid body for each writable route, so the only reason left to refuse is tenancy.
BODIES = {
    "/api/stores/{store_id}": {"name": "Renamed"},
    "/api/stores/{store_id}/hours": {"intervals": [{"weekday": 0, "opens": "09:00", "closes": "12:00"}]},
    "/api/stores/{store_id}/categories": {"name": "Nouveau"},
    "/api/stores/{store_id}/products": {"name": "Calzone", "price": "11"},
    "/api/stores/{store_id}/products/{product_id}": {"name": "Calzone", "price": "11"},
    "/api/stores/{store_id}/products/{product_id}/variations": {"type": "size", "name": "T", "value": "XL"},
    "/api/stores/{store_id}/products/{product_id}/variations/{variation_id}": {
        "type": "size",
        "name": "T",
        "value": "XL",
    },
    "/api/stores/{store_id}/services": {"name": "Coupe"},
    "/api/stores/{store_id}/services/{service_id}": {"name": "Coupe"},
    "/api/stores/{store_id}/resources": {"type": "staff", "name": "Zoe"},
    "/api/stores/{store_id}/resources/{resource_id}": {"type": "staff", "name": "Zoe"},
    "/api/stores/{store_id}/orders": {"items": [{"product_id": 1}]},
    "/api/stores/{store_id}/orders/{order_id}/status": {"status": "confirmed"},
    "/api/stores/{store_id}/tickets/{ticket_id}/status": {"status": "ready"},
    "/api/stores/{store_id}/reservations": {"party_size": 2, "starts_at": SOON},
    "/api/stores/{store_id}/reservations/{booking_id}": {"party_size": 2, "starts_at": SOON},
    "/api/stores/{store_id}/service-bookings": {"service_id": 1, "starts_at": SOON},
    "/api/stores/{store_id}/service-bookings/{booking_id}": {"service_id": 1, "starts_at": SOON},
    "/api/stores/{store_id}/consultations": {"problem": "x"},
    "/api/stores/{store_id}/consultations/{booking_id}": {"problem": "x"},
    "/api/stores/{store_id}/holidays/{day}": {"decision": "closed"},
}
# Path parameters that are values, not another tenant's rows.
VALUES = {"day": "2026-12-25"}
BOOKING_KIND = {"reservations": "reservation", "service-bookings": "booking", "consultations": "consultation"}


def stores_routes() -> list[tuple[str, str]]:
    """(method, path template) of every operation mounted under /api/stores."""
    routes = []
    for prefix, router in api._routers:
        if prefix.strip("/") != "stores":
            continue
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.append((method, "/api/stores" + path))
    return routes


def fill(template: str, objects: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in VALUES:
            return VALUES[name]
        if name == "booking_id":
            kind = next(k for k in BOOKING_KIND if f"/{k}/" in template)
            return str(objects[BOOKING_KIND[kind]].pk)
        return str(objects[PLACEHOLDERS[name]].pk)

    return re.sub(r"\{(\w+)\}", value, template)


def test_the_walk_covers_every_route_of_the_stores_api():
    routes = stores_routes()
    assert len(routes) >= 45
    for _, template in routes:
        for name in re.findall(r"\{(\w+)\}", template):
            assert name in PLACEHOLDERS or name in VALUES or name == "booking_id", template


def test_carol_gets_404_on_every_route_with_alice_ids(carol_client, catalog):
    checked = 0
    for method, template in stores_routes():
        if "{store_id}" not in template:
            continue
        url = fill(template, catalog)
        body = json.dumps(BODIES.get(template, {})) if method in ("POST", "PUT", "PATCH") else ""
        response = carol_client.generic(method, url, body, content_type="application/json")
        assert response.status_code == 404, f"{method} {url} → {response.status_code}"
        assert response.json()["code"] == "not_found"
        checked += 1
    assert checked >= 40


def test_alice_gets_404_for_a_nested_id_of_another_store(alice_client, catalog, salon):
    from tests.factories import ProductFactory

    carols_product = ProductFactory(store=salon)
    url = f"/api/stores/{catalog['store'].pk}/products/{carols_product.pk}"
    assert alice_client.get(url).status_code == 404
    assert alice_client.delete(url).status_code == 404
    carols_product.refresh_from_db()


def test_lists_only_show_my_own_stores(alice_client, carol_client, pizzeria, salon):
    assert [s["name"] for s in alice_client.get("/api/stores").json()["items"]] == ["Pizzeria Alice"]
    assert [s["name"] for s in carol_client.get("/api/stores").json()["items"]] == ["Salon Carol"]


def test_anonymous_requests_are_401(client, pizzeria):
    response = client.get(f"/api/stores/{pizzeria.pk}/orders")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_staff_may_read_and_move_orders_but_not_change_the_store(bob_client, catalog):
    store, order = catalog["store"], catalog["order"]
    assert bob_client.get(f"/api/stores/{store.pk}/products").status_code == 200
    refused = bob_client.post(
        f"/api/stores/{store.pk}/products",
        {"name": "Calzone", "price": "11"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert bob_client.delete(f"/api/stores/{store.pk}").status_code == 403
    moved = bob_client.post(
        f"/api/stores/{store.pk}/orders/{order.pk}/status",
        {"status": "confirmed"},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == "confirmed"
