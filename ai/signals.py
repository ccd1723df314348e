"""Keep the cached store context honest: any committed change to what the assistant knows
about a store invalidates it. Invalidation runs on commit, so a rolled-back edit costs nothing
and a rebuild never reads the data before the change."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from ai import context
from ai.models import IntelligentAIConfig
from ai.tasks import schedule_after_change
from billing.models import Subscription
from stores.events import store_data_changed
from stores.models import (
    Category,
    ClosedDate,
    HolidayDecision,
    OpeningInterval,
    Product,
    ProductVariation,
    ServiceResource,
    SpecialHours,
    Store,
    UniversalService,
)


def _invalidate_later(store_id: int | None) -> None:
    if store_id:
        transaction.on_commit(lambda: _changed(store_id))


def _changed(store_id: int) -> None:
    context.invalidate(store_id)
    schedule_after_change(store_id)


def _store_id_of(instance: Any) -> int | None:
    if isinstance(instance, Store):
        return instance.pk
    if isinstance(instance, ProductVariation):
        return Product.objects.filter(pk=instance.product_id).values_list("store_id", flat=True).first()
    return getattr(instance, "store_id", None)


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    _invalidate_later(_store_id_of(instance))


def _on_resource_services(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "").startswith("post_"):
        _invalidate_later(_store_id_of(instance))


def _on_bulk(sender: Any, store_id: int, **kwargs: Any) -> None:
    _invalidate_later(store_id)


WATCHED = (
    Store,
    OpeningInterval,
    ClosedDate,
    SpecialHours,
    HolidayDecision,
    Category,
    Product,
    ProductVariation,
    UniversalService,
    ServiceResource,
    IntelligentAIConfig,
    Subscription,
)


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"ai-ctx-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"ai-ctx-delete-{model.__name__}")
    m2m_changed.connect(
        _on_resource_services, sender=ServiceResource.services.through, dispatch_uid="ai-ctx-m2m"
    )
    store_data_changed.connect(_on_bulk, dispatch_uid="ai-ctx-bulk")
