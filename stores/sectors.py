"""Sector templates for the onboarding wizard: what a restaurant, a salon or a consultation
practice usually has (categories and items, services, resources, hours, which notifications
matter), so a new owner starts from something close and edits rather than types it all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from stores.events import sector_applied, store_data_changed
from stores.models import Category, OpeningInterval, Product, ServiceResource, Store, UniversalService

D = Decimal


@dataclass(frozen=True)
class Sector:
    key: str
    label: str
    description: str
    flags: dict[str, bool]
    hours: list[tuple[int, time, time]]  # (weekday, opens, closes)
    # Names are lazy: written in the store's language when the template is applied.
    catalog: list[tuple[Any, list[tuple[Any, Decimal]]]] = field(default_factory=list)
    services: list[tuple[Any, int, Decimal]] = field(default_factory=list)  # name, minutes, price
    resources: list[tuple[str, Any, int]] = field(default_factory=list)  # type, name, capacity
    # Owner notifications this sector does not need (they are turned off, not deleted): the
    # notifications app's action names, which it reads from `sector_applied`.
    quiet: tuple[str, ...] = ()


def _week(days: range, *spans: tuple[time, time]) -> list[tuple[int, time, time]]:
    return [(day, opens, closes) for day in days for opens, closes in spans]


SECTORS: dict[str, Sector] = {
    "restaurant": Sector(
        key="restaurant",
        label=_("Restaurant, pizzeria, take-away"),
        description=_("Orders to take away or deliver, table reservations, a kitchen board."),
        flags={"has_products": True, "has_reservations": True, "has_consultations": False},
        hours=_week(range(1, 7), (time(11, 30), time(14, 30)), (time(18, 30), time(22, 30))),
        catalog=[
            (_("Starters"), [(_("Green salad"), D("6.50")), (_("Soup of the day"), D("7.00"))]),
            (_("Mains"), [(_("Dish of the day"), D("14.50")), (_("Burger and fries"), D("13.00"))]),
            (_("Desserts"), [(_("Chocolate mousse"), D("6.00"))]),
            (_("Drinks"), [(_("Still water"), D("3.00")), (_("Soda"), D("3.50"))]),
        ],
        resources=[("table", _("Table for 2"), 2), ("table", _("Table for 4"), 4)],
        quiet=("new_booking", "new_consultation"),
    ),
    "salon": Sector(
        key="salon",
        label=_("Hair or beauty salon"),
        description=_("Appointments for services with a duration, by staff member."),
        flags={"has_products": False, "has_reservations": False, "has_consultations": False},
        hours=_week(range(1, 6), (time(9, 0), time(19, 0))) + [(5, time(9, 0), time(17, 0))],
        services=[
            (_("Women's cut"), 45, D("38.00")),
            (_("Men's cut"), 30, D("24.00")),
            (_("Colour"), 90, D("65.00")),
        ],
        resources=[("staff", _("Stylist 1"), 1), ("staff", _("Stylist 2"), 1)],
        quiet=("new_order", "new_reservation", "new_consultation"),
    ),
    "consultation": Sector(
        key="consultation",
        label=_("Consultation practice"),
        description=_("Consultation requests with the reason and urgency, and appointments."),
        flags={"has_products": False, "has_reservations": False, "has_consultations": True},
        hours=_week(range(0, 5), (time(9, 0), time(12, 30)), (time(14, 0), time(18, 30))),
        services=[(_("First consultation"), 45, D("60.00")), (_("Follow-up"), 30, D("45.00"))],
        resources=[("room", _("Consulting room"), 1)],
        quiet=("new_order", "new_reservation"),
    ),
}


def apply(store: Store, sector: Sector) -> dict[str, int]:
    """Fill the store from the template without touching what the owner already entered: a
    category, product, service or resource of the same name is kept; hours are set only when
    the store has none. One transaction; the assistant's cache is told once at the end."""
    created = {"categories": 0, "products": 0, "services": 0, "resources": 0, "hours": 0}
    with translation.override(store.language), transaction.atomic():
        Store.objects.filter(pk=store.pk).update(**sector.flags)
        for name, value in sector.flags.items():
            setattr(store, name, value)
        if not store.opening_intervals.exists():
            OpeningInterval.objects.bulk_create(
                OpeningInterval(store=store, weekday=day, opens=opens, closes=closes)
                for day, opens, closes in sector.hours
            )
            created["hours"] = len(sector.hours)
        for position, (category_name, items) in enumerate(sector.catalog):
            category, new = Category.objects.get_or_create(
                store=store, name=str(category_name), defaults={"sort_order": position}
            )
            created["categories"] += int(new)
            for name, price in items:
                _product, new = Product.objects.get_or_create(
                    store=store,
                    name=str(name),
                    defaults={"category": category, "price": price, "from_template": True},
                )
                created["products"] += int(new)
        for name, minutes, price in sector.services:
            _service, new = UniversalService.objects.get_or_create(
                store=store, name=str(name), defaults={"duration_minutes": minutes, "price": price}
            )
            created["services"] += int(new)
        for kind, name, capacity in sector.resources:
            _resource, new = ServiceResource.objects.get_or_create(
                store=store, name=str(name), defaults={"type": kind, "capacity": capacity}
            )
            created["resources"] += int(new)
        # Staff and rooms provide every service of the template (the owner narrows it later).
        services = list(store.services.filter(name__in=[str(name) for name, _m, _p in sector.services]))
        for resource in store.resources.filter(type__in=("staff", "room")):
            resource.services.add(*services)
        # In this transaction, not on commit: the store's notifications are part of its setup.
        sector_applied.send(sender=Store, store=store, quiet_actions=sector.quiet)
        transaction.on_commit(lambda: store_data_changed.send(sender=Store, store_id=store.pk))
    return created
