"""The database itself refuses what the product must never hold, whichever code path writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from notifications.models import NotificationTemplate
from stores.models import Customer, Order, Product
from telephony.models import Call
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def refused(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_one_customer_per_phone_per_business(pizzeria, salon):
    Customer.objects.create(business=pizzeria.business, phone="+33612345678")
    assert refused(lambda: Customer.objects.create(business=pizzeria.business, phone="+33612345678"))
    Customer.objects.create(business=salon.business, phone="+33612345678")  # another business may


def test_order_numbers_are_unique_per_store(pizzeria):
    OrderFactory(store=pizzeria, number=7)
    assert refused(lambda: OrderFactory(store=pizzeria, number=7))


def test_amounts_cannot_be_negative(pizzeria):
    assert refused(lambda: Product.objects.create(store=pizzeria, name="x", price=Decimal("-1")))
    assert refused(lambda: Order.objects.create(store=pizzeria, number=99, total=Decimal("-5")))


def test_a_telnyx_call_is_stored_once(pizzeria):
    def make() -> Call:
        return Call.objects.create(
            business=pizzeria.business, call_control_id="v3:same", from_number="+1", to_number="+2"
        )

    make()
    assert refused(make)


def test_default_and_business_templates_are_unique(pizzeria):
    def default() -> NotificationTemplate:
        return NotificationTemplate.objects.create(
            action_type="new_order", channel="email", language="fr", body="b"
        )

    def own() -> NotificationTemplate:
        return NotificationTemplate.objects.create(
            business=pizzeria.business, action_type="new_order", channel="email", language="fr", body="b"
        )

    default()
    own()
    assert refused(default)
    assert refused(own)
