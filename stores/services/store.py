from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.models import Business, User
from kalliky.errors import ValidationFailed
from kalliky.tenancy import managed_business_ids
from stores.models import ClosedDate, OpeningInterval, Store
from stores.signals import store_data_changed


def _unique_slug(business: Business, name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)[:200] or "store"
    taken = set(Store.objects.filter(business=business).exclude(pk=exclude_id).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def business_for_new_store(*, user: User, business_id: int | None) -> Business:
    managed = managed_business_ids(user)
    if business_id is None:
        if len(managed) == 1:
            return Business.objects.get(pk=next(iter(managed)))
        if not managed:
            raise ValidationFailed("You do not manage any business yet.", field="business_id")
        raise ValidationFailed(
            "You manage several businesses: say which one with business_id.", field="business_id"
        )
    if business_id not in managed:
        raise ValidationFailed("You cannot add a store to this business.", field="business_id")
    return Business.objects.get(pk=business_id)


def store_create(*, business: Business, name: str, **fields: Any) -> Store:
    with transaction.atomic():
        store = Store.objects.create(
            business=business, name=name, slug=_unique_slug(business, name), **fields
        )
    return store


def store_update(*, store: Store, name: str, **fields: Any) -> Store:
    if name != store.name:
        store.slug = _unique_slug(store.business, name, exclude_id=store.pk)
    store.name = name
    for key, value in fields.items():
        setattr(store, key, value)
    store.full_clean(exclude=["business"])
    store.save()
    return store


def store_delete(*, store: Store) -> None:
    store.delete()


def hours_set(*, store: Store, intervals: list[dict[str, Any]], closed_dates: list[dict[str, Any]]) -> None:
    """Replace the weekly hours and closed dates at once (all or nothing)."""
    seen_dates = [d["date"] for d in closed_dates]
    if len(seen_dates) != len(set(seen_dates)):
        raise ValidationFailed("A closed date appears twice.", field="closed_dates")
    with transaction.atomic():
        store.opening_intervals.all().delete()
        store.closed_dates.all().delete()
        OpeningInterval.objects.bulk_create(OpeningInterval(store=store, **i) for i in intervals)
        ClosedDate.objects.bulk_create(ClosedDate(store=store, **d) for d in closed_dates)
        store_data_changed.send(sender=Store, store_id=store.pk)
