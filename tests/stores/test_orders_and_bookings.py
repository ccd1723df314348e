from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from stores.models import Customer, Order, PreparationTicket, Reservation, ServiceBooking

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")



def test_a_name_given_without_a_phone_is_kept_on_the_order_and_shown(alice_client, catalog):
    store = catalog["store"]
    response = post(
        alice_client,
        f"/api/stores/{store.pk}/orders",
        {"items": [{"product_id": catalog["product"].pk}], "customer_name": "Léa (comptoir)"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer_id"] is None
    assert body["customer_name"] == "Léa (comptoir)"
    assert Order.objects.get(pk=body["id"]).customer_name == "Léa (comptoir)"
    page = alice_client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Léa (comptoir)" in page

def test_an_order_is_priced_from_the_catalog_with_sizes_extras_and_tax(alice_client, catalog):
    store = catalog["store"]
    response = post(
        alice_client,
        f"/api/stores/{store.pk}/orders",
        {
            "items": [
                {
                    "product_id": catalog["product"].pk,
                    "quantity": 2,
                    "variation_ids": [catalog["large"].pk, catalog["burrata"].pk],
                },
                {"product_id": catalog["product"].pk, "quantity": 1},
            ],
            "customer_phone": "06 12 34 56 78",
            "customer_name": "Marc",
            "delivery_type": "takeaway",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    # 2 × (13.50 + 3.00) + 9.50 = 42.50, tax included at 10 %.
    assert Decimal(body["total"]) == Decimal("42.50")
    assert Decimal(body["tax"]) == Decimal("3.86")
    assert Decimal(body["subtotal"]) == Decimal("38.64")
    assert body["number"] == 2  # the store already had order #1
    assert [Decimal(i["unit_price"]) for i in body["items"]] == [Decimal("16.50"), Decimal("9.50")]
    order = Order.objects.get(pk=body["id"])
    assert order.status == Order.Status.CONFIRMED
    assert order.customer == catalog["customer"]
    assert order.ticket.items[0] == {
        "name": "Margherita",
        "quantity": 2,
        "variations": ["Grande", "Burrata"],
        "notes": "",
    }
    customer = Customer.objects.get(pk=catalog["customer"].pk)
    assert customer.order_count == 1
    assert customer.total_spent == Decimal("42.50")


def test_two_sizes_for_one_line_are_refused(alice_client, catalog):
    from tests.factories import VariationFactory

    small = VariationFactory(product=catalog["product"], type="size", value="Petite", price=Decimal("7"))
    response = post(
        alice_client,
        f"/api/stores/{catalog['store'].pk}/orders",
        {"items": [{"product_id": catalog["product"].pk, "variation_ids": [catalog["large"].pk, small.pk]}]},
    )
    assert response.status_code == 422
    assert "Choose one size" in response.json()["detail"]


def test_order_numbers_are_allocated_per_store(alice_client, catalog, alice_business):
    from tests.factories import ProductFactory, StoreFactory

    other = StoreFactory(business=alice_business)
    pizza = ProductFactory(store=other)
    first = post(alice_client, f"/api/stores/{other.pk}/orders", {"items": [{"product_id": pizza.pk}]}).json()
    second = post(
        alice_client, f"/api/stores/{other.pk}/orders", {"items": [{"product_id": pizza.pk}]}
    ).json()
    assert (first["number"], second["number"]) == (1, 2)


def test_order_status_follows_the_lifecycle(alice_client, catalog):
    store, order = catalog["store"], catalog["order"]
    url = f"/api/stores/{store.pk}/orders/{order.pk}/status"
    assert post(alice_client, url, {"status": "confirmed"}).json()["status"] == "confirmed"
    assert post(alice_client, url, {"status": "preparing"}).json()["status"] == "preparing"

    refused = post(alice_client, url, {"status": "pending"})

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "An order that is preparing cannot become pending.",
        "code": "conflict",
        "errors": [{"field": "status", "message": "An order that is preparing cannot become pending."}],
    }
    assert post(alice_client, url, {"status": "cancelled"}).status_code == 200
    assert PreparationTicket.objects.get(order=order).status == "cancelled"


def test_an_unknown_status_is_a_validation_error(alice_client, catalog):
    response = post(
        alice_client,
        f"/api/stores/{catalog['store'].pk}/orders/{catalog['order'].pk}/status",
        {"status": "eaten"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_the_kitchen_moves_tickets_and_the_order_follows(alice_client, catalog):
    store, order, ticket = catalog["store"], catalog["order"], catalog["ticket"]
    Order.objects.filter(pk=order.pk).update(status="confirmed")
    url = f"/api/stores/{store.pk}/tickets/{ticket.pk}/status"

    started = post(alice_client, url, {"status": "in_progress"}).json()
    assert started["started_at"] is not None
    assert Order.objects.get(pk=order.pk).status == "preparing"
    ready = post(alice_client, url, {"status": "ready"}).json()
    assert ready["ready_at"] is not None
    assert Order.objects.get(pk=order.pk).status == "ready"
    assert post(alice_client, url, {"status": "queued"}).status_code == 409


def test_tickets_list_filters_by_status(alice_client, catalog):
    listing = alice_client.get(f"/api/stores/{catalog['store'].pk}/tickets?status=queued").json()
    assert listing["count"] == 1
    assert listing["items"][0]["order_number"] == 1
    assert alice_client.get(f"/api/stores/{catalog['store'].pk}/tickets?status=ready").json()["count"] == 0


def test_orders_list_filters(alice_client, catalog):
    store = catalog["store"]
    assert alice_client.get(f"/api/stores/{store.pk}/orders?status=pending").json()["count"] == 1
    assert alice_client.get(f"/api/stores/{store.pk}/orders?status=completed").json()["count"] == 0
    today = timezone.localdate().isoformat()
    assert alice_client.get(f"/api/stores/{store.pk}/orders?date_from={today}").json()["count"] == 1
    assert alice_client.get(f"/api/stores/{store.pk}/orders?limit=1000").status_code == 200


def test_a_table_cannot_be_booked_twice_at_the_same_time(alice_client, catalog):
    store, table = catalog["store"], catalog["table"]
    start = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    body = {
        "party_size": 2,
        "starts_at": start.isoformat(),
        "resource_id": table.pk,
        "customer_name": "Léa",
        "customer_phone": "+33699887766",
    }
    assert post(alice_client, f"/api/stores/{store.pk}/reservations", body).status_code == 201
    overlapping = {**body, "starts_at": (start + timedelta(minutes=30)).isoformat()}

    response = post(alice_client, f"/api/stores/{store.pk}/reservations", overlapping)

    assert response.status_code == 409
    assert "Table 4 is already booked" in response.json()["detail"]
    assert Reservation.objects.filter(resource=table).count() == 1
    assert Customer.objects.filter(phone="+33699887766").exists()


def test_a_service_booking_defaults_its_end_and_refuses_overlaps(alice_client, catalog):
    store, service, chef = catalog["store"], catalog["service"], catalog["chef"]
    start = catalog["booking"].starts_at
    response = post(
        alice_client,
        f"/api/stores/{store.pk}/service-bookings",
        {
            "service_id": service.pk,
            "resource_id": chef.pk,
            "starts_at": start.isoformat(),
            "custom_field_values": {"allergies": "none"},
        },
    )
    assert response.status_code == 409

    later = start + timedelta(hours=2)
    created = post(
        alice_client,
        f"/api/stores/{store.pk}/service-bookings",
        {
            "service_id": service.pk,
            "resource_id": chef.pk,
            "starts_at": later.isoformat(),
            "custom_field_values": {"allergies": "none"},
        },
    )
    assert created.status_code == 201
    booking = ServiceBooking.objects.get(pk=created.json()["id"])
    assert booking.ends_at == later + timedelta(minutes=60)
    assert booking.price == Decimal("25")


def test_bookings_can_be_updated_and_cancelled(alice_client, catalog):
    store, reservation = catalog["store"], catalog["reservation"]
    new_start = (timezone.now() + timedelta(days=9)).isoformat()
    updated = alice_client.put(
        f"/api/stores/{store.pk}/reservations/{reservation.pk}",
        {"party_size": 3, "starts_at": new_start},
        content_type="application/json",
    )
    assert updated.status_code == 200
    assert updated.json()["party_size"] == 3
    cancelled = post(alice_client, f"/api/stores/{store.pk}/reservations/{reservation.pk}/cancel", {})
    assert cancelled.json()["status"] == "cancelled"
    consultation = catalog["consultation"]
    response = post(alice_client, f"/api/stores/{store.pk}/consultations/{consultation.pk}/cancel", {})
    assert response.json()["status"] == "cancelled"


def test_a_consultation_with_a_time_is_scheduled(alice_client, catalog):
    response = post(
        alice_client,
        f"/api/stores/{catalog['store'].pk}/consultations",
        {
            "problem": "Carte des vins",
            "urgency": "high",
            "scheduled_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 201
    assert response.json()["status"] == "scheduled"


def test_customer_detail_shows_exchanges(alice_client, catalog):
    from stores.models import CustomerExchange

    customer = catalog["customer"]
    CustomerExchange.objects.create(
        customer=customer,
        type="complaint",
        description="Pizza froide",
        severity="high",
        follow_up_required=True,
    )
    body = alice_client.get(f"/api/stores/{catalog['store'].pk}/customers/{customer.pk}").json()
    assert body["exchanges"][0]["description"] == "Pizza froide"
    search = alice_client.get(f"/api/stores/{catalog['store'].pk}/customers?q=0612345678").json()
    assert search["count"] == 0  # phones are stored in E.164
    assert alice_client.get(f"/api/stores/{catalog['store'].pk}/customers?q=%2B336123").json()["count"] == 1


def test_hours_are_replaced_as_a_whole(alice_client, catalog):
    store = catalog["store"]
    response = alice_client.put(
        f"/api/stores/{store.pk}/hours",
        {
            "intervals": [
                {"weekday": 4, "opens": "18:00", "closes": "01:00"},
                {"weekday": 4, "opens": "11:30", "closes": "14:00"},
            ],
            "closed_dates": [{"date": "2026-12-25", "reason": "Noël"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    assert len(response.json()["intervals"]) == 2
    assert store.opening_intervals.count() == 2
    assert store.closed_dates.get().reason == "Noël"


def test_products_crud_and_variations(alice_client, catalog):
    store, product = catalog["store"], catalog["product"]
    base = f"/api/stores/{store.pk}/products/{product.pk}"
    updated = alice_client.put(
        base,
        {"name": "Margherita DOP", "price": "10.00", "status": "out_of_stock"},
        content_type="application/json",
    )
    assert updated.json()["status"] == "out_of_stock"
    assert alice_client.get(f"/api/stores/{store.pk}/products?status=out_of_stock").json()["count"] == 1
    variation = post(
        alice_client, f"{base}/variations", {"type": "size", "name": "Taille", "value": "Mini", "price": "6"}
    )
    assert variation.status_code == 201
    duplicate = post(
        alice_client, f"{base}/variations", {"type": "size", "name": "Taille", "value": "Mini", "price": "6"}
    )
    assert duplicate.status_code == 409
    assert alice_client.delete(f"{base}/variations/{variation.json()['id']}").status_code == 204
    assert alice_client.delete(base).status_code == 204
    assert alice_client.get(base).status_code == 404


def test_deleting_a_booked_service_deactivates_it(alice_client, catalog):
    store, service = catalog["store"], catalog["service"]
    assert alice_client.delete(f"/api/stores/{store.pk}/services/{service.pk}").status_code == 204
    service.refresh_from_db()
    assert service.is_active is False
