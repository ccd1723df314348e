"""Bad input gets a 422 naming the field, with a message a person can act on, and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from stores.models import Order, Product, Reservation, ServiceBooking, Store

pytestmark = pytest.mark.django_db

PAST = (timezone.now() - timedelta(hours=1)).isoformat()
SOON = (timezone.now() + timedelta(days=2)).isoformat()


@pytest.fixture
def en(alice_client: Client) -> Client:
    alice_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return alice_client


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def assert_field_error(response, field: str, fragment: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert field in messages, body
    assert fragment.lower() in messages[field].lower(), messages[field]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"name": "X", "timezone": "Europe/Atlantis"}, "timezone", "not a known time zone"),
        ({"name": "X", "currency": "EURO"}, "currency", "not a supported ISO 4217"),
        ({"name": "X", "phone": "12"}, "phone", "not a"),
        ({"name": "X", "tax_rate": "120"}, "tax_rate", "less than or equal to 100"),
        ({"name": ""}, "name", "at least 1 character"),
    ],
)
def test_store_fields_are_validated(en, alice_business, body, field, fragment):
    assert_field_error(post(en, "/api/stores", body), field, fragment)
    assert not Store.objects.exists()


def test_a_negative_price_is_refused(en, catalog):
    response = post(en, f"/api/stores/{catalog['store'].pk}/products", {"name": "Free pizza", "price": "-1"})
    assert_field_error(response, "price", "greater than or equal to 0")
    assert Product.objects.count() == 1


def test_a_product_with_a_broken_variation_writes_nothing(en, catalog):
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/products",
        {
            "name": "Diavola",
            "price": "11",
            "variations": [{"type": "size", "name": "T", "value": "L", "price": "-3"}],
        },
    )
    assert_field_error(response, "variations.0.price", "greater than or equal to 0")
    assert not Product.objects.filter(name="Diavola").exists()


def test_a_party_smaller_than_one_is_refused(en, catalog):
    response = post(
        en, f"/api/stores/{catalog['store'].pk}/reservations", {"party_size": 0, "starts_at": SOON}
    )
    assert_field_error(response, "party_size", "greater than or equal to 1")


def test_a_booking_in_the_past_is_refused(en, catalog):
    response = post(
        en, f"/api/stores/{catalog['store'].pk}/reservations", {"party_size": 2, "starts_at": PAST}
    )
    assert_field_error(response, "starts_at", "in the past")
    assert Reservation.objects.count() == 1


def test_a_booking_ending_before_it_starts_is_refused(en, catalog):
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/service-bookings",
        {
            "service_id": catalog["service"].pk,
            "starts_at": SOON,
            "ends_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert_field_error(response, "ends_at", "after the start")
    assert ServiceBooking.objects.count() == 1


def test_a_malformed_customer_phone_is_refused(en, catalog):
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/reservations",
        {"party_size": 2, "starts_at": SOON, "customer_phone": "call me"},
    )
    assert_field_error(response, "customer_phone", "not a phone number")


def test_an_unknown_product_in_an_order_is_refused(en, catalog):
    response = post(en, f"/api/stores/{catalog['store'].pk}/orders", {"items": [{"product_id": 999999}]})
    assert_field_error(response, "items.0.product_id", "does not exist in this store")
    assert Order.objects.count() == 1


def test_a_variation_of_another_product_is_refused(en, catalog):
    from tests.factories import ProductFactory, VariationFactory

    other = VariationFactory(product=ProductFactory(store=catalog["store"]))
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/orders",
        {"items": [{"product_id": catalog["product"].pk, "variation_ids": [other.pk]}]},
    )
    assert_field_error(response, "items.0.variation_ids", "is not a variation of Margherita")


def test_an_out_of_stock_product_cannot_be_ordered(en, catalog):
    Product.objects.filter(pk=catalog["product"].pk).update(status="out_of_stock")
    response = post(
        en, f"/api/stores/{catalog['store'].pk}/orders", {"items": [{"product_id": catalog["product"].pk}]}
    )
    assert_field_error(response, "items.0.product_id", "out of stock")


def test_a_delivery_needs_an_address(en, catalog):
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/orders",
        {"items": [{"product_id": catalog["product"].pk}], "delivery_type": "delivery"},
    )
    assert_field_error(response, "delivery_address", "needs an address")


def test_a_table_too_small_for_the_party_is_refused(en, catalog):
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/reservations",
        {"party_size": 6, "starts_at": SOON, "resource_id": catalog["table"].pk},
    )
    assert_field_error(response, "party_size", "seats 4")


def test_a_required_custom_field_is_asked_for(en, catalog):
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/service-bookings",
        {"service_id": catalog["service"].pk, "starts_at": SOON},
    )
    assert_field_error(response, "custom_field_values.allergies", "needs 'allergies'")


def test_a_resource_cannot_serve_a_service_of_another_store(en, catalog, salon):
    from stores.models import UniversalService

    foreign = UniversalService.objects.create(store=salon, name="Coupe")
    response = post(
        en,
        f"/api/stores/{catalog['store'].pk}/resources",
        {"type": "staff", "name": "Zoe", "service_ids": [foreign.pk]},
    )
    assert_field_error(response, "service_ids", "do not exist in this store")


def test_hours_with_an_empty_interval_are_refused_and_old_hours_kept(en, catalog):
    store = catalog["store"]
    response = en.put(
        f"/api/stores/{store.pk}/hours",
        {"intervals": [{"weekday": 0, "opens": "10:00", "closes": "10:00"}]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert store.opening_intervals.count() == 1


def test_weekday_out_of_range_is_refused(en, catalog):
    response = en.put(
        f"/api/stores/{catalog['store'].pk}/hours",
        {"intervals": [{"weekday": 7, "opens": "10:00", "closes": "12:00"}]},
        content_type="application/json",
    )
    assert_field_error(response, "intervals.0.weekday", "less than or equal to 6")
