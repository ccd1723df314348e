"""The stores API, like the dashboard, leaves out what was written while testing the assistant
(source `test`): orders, kitchen tickets and bookings come back only with `tests=true`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stores.models import Order, PreparationTicket, Reservation, Source

pytestmark = pytest.mark.django_db


def _post(client, url: str, body: dict) -> dict:  # noqa: ANN001
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _ids(client, url: str) -> set[int]:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    return {row["id"] for row in (body["items"] if isinstance(body, dict) else body)}


def test_orders_tickets_and_bookings_from_tests_come_only_when_asked(alice_client, catalog):
    store = catalog["store"]
    base = f"/api/stores/{store.pk}"
    real = _post(alice_client, f"{base}/orders", {"items": [{"product_id": catalog["product"].pk}]})
    test = _post(alice_client, f"{base}/orders", {"items": [{"product_id": catalog["product"].pk}]})
    Order.objects.filter(pk=test["id"]).update(source=Source.TEST)
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    booking = {"party_size": 2, "resource_id": catalog["table"].pk, "customer_name": "Léa"}
    kept = _post(alice_client, f"{base}/reservations", {**booking, "starts_at": start.isoformat()})
    later = (start + timedelta(hours=3)).isoformat()
    tried = _post(alice_client, f"{base}/reservations", {**booking, "starts_at": later})
    Reservation.objects.filter(pk=tried["id"]).update(source=Source.TEST)

    orders = _ids(alice_client, f"{base}/orders")
    assert real["id"] in orders and test["id"] not in orders
    assert _ids(alice_client, f"{base}/orders?tests=true") == orders | {test["id"]}
    tickets = _ids(alice_client, f"{base}/tickets")
    assert _ids(alice_client, f"{base}/tickets?tests=true") - tickets == {
        PreparationTicket.objects.get(order_id=test["id"]).pk
    }
    bookings = _ids(alice_client, f"{base}/reservations")
    assert kept["id"] in bookings and tried["id"] not in bookings
    assert _ids(alice_client, f"{base}/reservations?tests=true") == bookings | {tried["id"]}


def test_a_wrong_tests_value_is_refused_naming_the_field(alice_client, catalog):
    response = alice_client.get(f"/api/stores/{catalog['store'].pk}/orders?tests=perhaps")
    assert response.status_code == 422 and "tests" in response.content.decode()
