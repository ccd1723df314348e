"""Read paths: tenant-scoped querysets for the API, the access helpers, and what the events and
channels need to know about a store (its configurations, sending number, webhook secret, day)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import businesses_for, managed_business_ids
from accounts.models import User
from kalliky.errors import PermissionDenied
from notifications.models import (
    NotificationConfig,
    NotificationQueueItem,
    NotificationTemplate,
    StoreNotificationSettings,
)
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking, Source, Store
from telephony.models import Call, PhoneNumber


# --- tenancy ----------------------------------------------------------------------------------
def configs_for(user: User) -> QuerySet[NotificationConfig]:
    return NotificationConfig.objects.filter(business_id__in=businesses_for(user).values("pk"))


def templates_for(user: User) -> QuerySet[NotificationTemplate]:
    # Only the businesses' own templates: the defaults are not tenant data (GET /actions shows them).
    return NotificationTemplate.objects.filter(business_id__in=businesses_for(user).values("pk"))


def queue_for(user: User) -> QuerySet[NotificationQueueItem]:
    return NotificationQueueItem.objects.filter(business_id__in=businesses_for(user).values("pk"))


def _require_manager(user: User, business_id: int) -> None:
    if business_id not in managed_business_ids(user):
        raise PermissionDenied(_("Only an owner or a manager of this business can change its notifications."))


def access_config(user: User, config_id: int, *, manage: bool = False) -> NotificationConfig:
    config = configs_for(user).select_related("store").filter(pk=config_id).first()
    if config is None:
        raise Http404(_("Notification configuration not found."))
    if manage:
        _require_manager(user, config.business_id)
    return config


def access_template(user: User, template_id: int, *, manage: bool = False) -> NotificationTemplate:
    template = templates_for(user).filter(pk=template_id).first()
    if template is None:
        raise Http404(_("Template not found."))
    if manage:
        _require_manager(user, template.business_id)
    return template


def access_item(user: User, item_id: int, *, manage: bool = False) -> NotificationQueueItem:
    item = queue_for(user).filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Notification not found."))
    if manage:
        _require_manager(user, item.business_id)
    return item


# --- what events and channels read --------------------------------------------------------------
# A batch of events (the post-call analysis of many calls) reads each business's configurations
# and each store's sending number once, not once per event: see `memoized()`.
_memo: ContextVar[dict[Any, Any] | None] = ContextVar("notifications_selectors_memo", default=None)


@contextmanager
def memoized() -> Iterator[None]:
    """Within the block, configurations and sending numbers are read once per business / store.
    For work that runs many events in one go, briefly: an edit made meanwhile is seen next time."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def active_configs(store: Store | None, business_id: int, action: str) -> list[NotificationConfig]:
    """The store's active configurations for an action, and the business-wide ones."""
    memo = _memo.get()
    if memo is not None:
        key = ("configs", business_id)
        if key not in memo:
            memo[key] = list(
                NotificationConfig.objects.filter(business_id=business_id, is_active=True).order_by("pk")
            )
        store_id = store.pk if store is not None else None
        return [c for c in memo[key] if c.action_type == action and c.store_id in (None, store_id)]
    scope = Q(store__isnull=True)
    if store is not None:
        scope |= Q(store=store)
    return list(
        NotificationConfig.objects.filter(
            scope, business_id=business_id, action_type=action, is_active=True
        ).order_by("pk")
    )


def sender_number(store_id: int | None) -> str:
    """The store's active number, which texts are sent from ("" when it has none)."""
    if store_id is None:
        return ""
    memo = _memo.get()
    if memo is not None:
        key = ("sender", store_id)
        if key not in memo:
            memo[key] = _sender_number(store_id)
        return memo[key]
    return _sender_number(store_id)


def _sender_number(store_id: int) -> str:
    number = (
        PhoneNumber.objects.filter(
            store_id=store_id, status=PhoneNumber.Status.ACTIVE, number__startswith="+"
        )
        .order_by("pk")
        .values_list("number", flat=True)
        .first()
    )
    return number or ""


def store_settings(store: Store) -> StoreNotificationSettings:
    found, _created = StoreNotificationSettings.objects.get_or_create(store=store)
    return found


def webhook_secret(store_id: int | None) -> str:
    if store_id is None:
        return ""
    return (
        StoreNotificationSettings.objects.filter(store_id=store_id)
        .values_list("webhook_secret", flat=True)
        .first()
        or ""
    )


def day_counts(store: Store, start: datetime, end: datetime) -> dict[str, Any]:
    """Calls, orders, revenue, bookings and complaints of the store in [start, end)."""
    in_day = {"created_at__gte": start, "created_at__lt": end}
    orders = (
        Order.objects.filter(store=store, **in_day)
        .exclude(source=Source.TEST)
        .exclude(status=Order.Status.CANCELLED)
    )
    totals = orders.aggregate(revenue=Sum("total"))
    bookings = sum(
        model.objects.filter(store=store, **in_day).exclude(source=Source.TEST).count()
        for model in (Reservation, ServiceBooking, Consultation)
    )
    return {
        "calls": Call.objects.filter(store=store, started_at__gte=start, started_at__lt=end).count(),
        "orders": orders.count(),
        "revenue": totals["revenue"] or Decimal("0"),
        "bookings": bookings,
        "complaints": CustomerExchange.objects.filter(
            store=store, type=CustomerExchange.Type.COMPLAINT, **in_day
        ).count(),
    }
