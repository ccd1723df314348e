"""List endpoints run a constant number of queries, however many rows they return."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from stores.models import (
    Consultation,
    CustomerExchange,
    PreparationTicket,
    Reservation,
    ServiceBooking,
    ServiceResource,
    UniversalService,
)
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    StoreFactory,
    VariationFactory,
)

pytestmark = pytest.mark.django_db
ROWS = 30


@pytest.fixture
def busy_store(catalog):
    store = catalog["store"]
    start = timezone.now() + timedelta(days=3)
    for n in range(ROWS):
        product = ProductFactory(store=store)
        VariationFactory(product=product)
        VariationFactory(product=product)
        customer = CustomerFactory(business=store.business)
        CustomerExchange.objects.create(customer=customer, type="note", description="n")
        order = OrderFactory(store=store, customer=customer, number=100 + n)
        OrderItemFactory(order=order)
        PreparationTicket.objects.create(store=store, order=order, items=[])
        Reservation.objects.create(store=store, party_size=2, starts_at=start + timedelta(hours=n))
        ServiceBooking.objects.create(
            store=store,
            service=catalog["service"],
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=30),
        )
        Consultation.objects.create(store=store, problem=f"p{n}")
        resource = ServiceResource.objects.create(store=store, type="staff", name=f"S{n}")
        resource.services.add(
            catalog["service"], UniversalService.objects.create(store=store, name=f"Service {n}")
        )
        StoreFactory(business=store.business)
    return store


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("", 5),
        ("/{id}/products", 7),
        ("/{id}/categories", 6),
        ("/{id}/services", 6),
        ("/{id}/resources", 7),
        ("/{id}/customers", 6),
        ("/{id}/orders", 6),
        ("/{id}/tickets", 6),
        ("/{id}/reservations", 6),
        ("/{id}/service-bookings", 6),
        ("/{id}/consultations", 6),
    ],
)
def test_list_endpoints_have_bounded_queries(
    alice_client, busy_store, django_assert_max_num_queries, path, max_queries
):
    url = "/api/stores" + path.format(id=busy_store.pk) + "?limit=200"
    with django_assert_max_num_queries(max_queries):
        response = alice_client.get(url)
    assert response.status_code == 200
    assert len(response.json()["items"]) >= ROWS


def test_detail_with_items_has_bounded_queries(alice_client, busy_store, django_assert_max_num_queries):
    order = busy_store.orders.first()
    for _ in range(10):
        OrderItemFactory(order=order)
    with django_assert_max_num_queries(6):
        response = alice_client.get(f"/api/stores/{busy_store.pk}/orders/{order.pk}")
    assert len(response.json()["items"]) >= 10
