"""Factories for the domain model. Named people (alice, bob, carol) live in conftest."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from accounts.models import Business, Membership, User
from stores.models import (
    Category,
    Customer,
    OpeningInterval,
    Order,
    OrderItem,
    Product,
    ProductVariation,
    Store,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = "User"
    password = factory.django.Password("correct-horse-battery-42")


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Business {n}")
    type = Business.Type.RESTAURANT
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_membership(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            Membership.objects.get_or_create(
                user=self.owner, business=self, defaults={"role": Membership.Role.OWNER}
            )


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    business = factory.SubFactory(BusinessFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")
    address = "1 rue de la Paix, 75002 Paris"
    phone = "+33100000099"
    timezone = "Europe/Paris"
    currency = "EUR"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    category = factory.LazyAttribute(lambda o: CategoryFactory(store=o.store))
    name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("10.00")


class VariationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariation

    product = factory.SubFactory(ProductFactory)
    type = ProductVariation.Type.SIZE
    name = "Taille"
    value = factory.Sequence(lambda n: f"Size {n}")
    price = Decimal("12.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    business = factory.SubFactory(BusinessFactory)
    phone = factory.Sequence(lambda n: f"+3361234{n:04d}")
    name = factory.Sequence(lambda n: f"Customer {n}")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    store = factory.SubFactory(StoreFactory)
    customer = factory.LazyAttribute(lambda o: CustomerFactory(business=o.store.business))
    number = factory.Sequence(lambda n: n + 1)
    subtotal = Decimal("20.00")
    tax = Decimal("2.00")
    total = Decimal("22.00")


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    name = "Margherita"
    quantity = 2
    unit_price = Decimal("10.00")
    line_total = Decimal("20.00")


def in_future(hours: int = 24) -> timezone.datetime:
    return timezone.now() + timedelta(hours=hours)


def open_around_now(store: Store, hours: int = 3) -> Store:
    """Replace the store's hours by a window around the current local time on every weekday, for
    tests that run on the real clock (the browser and WebSocket chats). Past midnight it wraps."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from stores.models import OpeningInterval

    local = timezone.localtime(timezone.now(), ZoneInfo(store.timezone))
    opens = (local - timedelta(hours=hours)).time().replace(second=0, microsecond=0)
    closes = (local + timedelta(hours=hours)).time().replace(second=0, microsecond=0)
    store.opening_intervals.all().delete()
    OpeningInterval.objects.bulk_create(
        OpeningInterval(store=store, weekday=day, opens=opens, closes=closes) for day in range(7)
    )
    return store


def closed_until(store: Store, days: int = 3) -> datetime:
    """Replace the store's hours so that it is closed now whatever the time of day: open only
    11:00–14:00 on the local day `days` from today. Returns that opening (store's local time)."""
    tz = ZoneInfo(store.timezone)
    day = timezone.localtime(timezone.now(), tz).date() + timedelta(days=days)
    store.opening_intervals.all().delete()
    store.closed_dates.all().delete()
    OpeningInterval.objects.create(store=store, weekday=day.weekday(), opens=time(11), closes=time(14))
    return datetime.combine(day, time(11), tzinfo=tz)
