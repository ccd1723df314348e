from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from stores.models import (
    Consultation,
    OpeningInterval,
    Reservation,
    ServiceBooking,
    ServiceResource,
    UniversalService,
)
from tests.factories import CustomerFactory, OrderFactory, ProductFactory, VariationFactory


@pytest.fixture
def catalog(pizzeria):
    """alice's pizzeria with bookings on, a product with a size and an extra, a service, a table."""
    pizzeria.has_reservations = True
    pizzeria.has_consultations = True
    pizzeria.save()
    OpeningInterval.objects.create(store=pizzeria, weekday=1, opens=time(11, 30), closes=time(14, 30))
    margherita = ProductFactory(store=pizzeria, name="Margherita", price=Decimal("9.50"))
    large = VariationFactory(
        product=margherita, type="size", name="Taille", value="Grande", price=Decimal("13.50")
    )
    burrata = VariationFactory(
        product=margherita,
        type="extra",
        name="Supplément",
        value="Burrata",
        price=None,
        price_delta=Decimal("3.00"),
    )
    service = UniversalService.objects.create(
        store=pizzeria,
        name="Atelier pizza",
        duration_minutes=60,
        price=Decimal("25"),
        custom_fields=[{"name": "allergies", "type": "text", "required": True}],
    )
    table = ServiceResource.objects.create(store=pizzeria, type="table", name="Table 4", capacity=4)
    chef = ServiceResource.objects.create(store=pizzeria, type="staff", name="Chef Luigi")
    chef.services.add(service)
    customer = CustomerFactory(business=pizzeria.business, phone="+33612345678", name="Marc")
    order = OrderFactory(store=pizzeria, customer=customer, number=1)
    start = timezone.now() + timedelta(days=2)
    reservation = Reservation.objects.create(
        store=pizzeria, party_size=2, starts_at=start, customer_name="Marc"
    )
    booking = ServiceBooking.objects.create(
        store=pizzeria, service=service, resource=chef, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    consultation = Consultation.objects.create(
        store=pizzeria, problem="Menu de mariage", customer_name="Marc"
    )
    from stores.models import PreparationTicket

    ticket = PreparationTicket.objects.create(store=pizzeria, order=order, items=[])
    return {
        "store": pizzeria,
        "product": margherita,
        "large": large,
        "burrata": burrata,
        "service": service,
        "table": table,
        "chef": chef,
        "customer": customer,
        "order": order,
        "reservation": reservation,
        "booking": booking,
        "consultation": consultation,
        "ticket": ticket,
        "category": margherita.category,
    }
