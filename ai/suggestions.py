"""Accepting or dismissing what the post-call analysis suggested. Accepting creates the real
order or booking through stores.services (the same code the dashboard uses) and links it to the
conversation (and so to its call); the stores services' events bring its notifications. A
suggestion is decided once."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ai import outcomes
from ai.models import AnalysisSuggestion
from kalliky.errors import Conflict, ValidationFailed
from stores.models import Customer, Order
from stores.models.bookings import Source
from stores.services.bookings import consultation_save, reservation_save, service_booking_save
from stores.services.orders import order_create

DELIVERY = {"dine-in": Order.DeliveryType.DINE_IN, "takeaway": Order.DeliveryType.TAKEAWAY,
            "delivery": Order.DeliveryType.DELIVERY}  # fmt: skip


def _starts_at(found: dict[str, Any], override: datetime | None, tz: str) -> datetime:
    if override is not None:
        return override
    when = found.get("requestedDate")
    if not when or "T" not in when:
        raise ValidationFailed(
            "The call did not settle a date and time: give starts_at to accept this booking.",
            field="starts_at",
        )
    at = datetime.fromisoformat(when)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return at


def _create(s: AnalysisSuggestion, overrides: dict[str, Any]) -> str:
    # The stores services publish order_placed / booking_made: notifications follow from them.
    conversation, store = s.conversation, s.store
    found = s.payload.get("analysis") or {}
    phone = conversation.caller_phone
    customer = Customer.objects.filter(business_id=store.business_id, phone=phone).first() if phone else None
    name = customer.name if customer else ""
    if s.kind == AnalysisSuggestion.Kind.ORDER:
        lines = s.payload.get("lines") or []
        if s.payload.get("unresolved") or not lines:
            missing = ", ".join(s.payload.get("unresolved") or []) or "every item"
            raise ValidationFailed(
                f"Not on the menu as heard: {missing}. Create this order by hand from the call's transcript.",
                code="unresolved_items",
            )
        order = order_create(
            store=store,
            items=lines,
            customer_phone=phone,
            customer_name=name,
            delivery_type=DELIVERY.get(found.get("deliveryType", ""), Order.DeliveryType.TAKEAWAY),
            urgency=found.get("urgency") or Order.Urgency.NORMAL,
            source=Source.CALL,
        )
        outcomes.record(conversation.pk, order)
        return f"order:{order.pk}"
    if s.kind == AnalysisSuggestion.Kind.RESERVATION:
        party = overrides.get("party_size")
        if party is None:
            digits = re.findall(r"\d+", found.get("name") or "")
            party = int(digits[0]) if digits else None
        if not party:
            raise ValidationFailed(
                "The call did not settle the party size: give party_size.", field="party_size"
            )
        booking = reservation_save(
            store=store,
            party_size=party,
            starts_at=_starts_at(found, overrides.get("starts_at"), store.timezone),
            customer_name=name,
            customer_phone=phone,
            source=Source.CALL,
        )
    elif s.kind == AnalysisSuggestion.Kind.SERVICE:
        service_id = overrides.get("service_id") or s.payload.get("service_id")
        if not service_id:
            raise ValidationFailed(
                f"“{found.get('name')}” is not one of this store's services: give service_id.",
                field="service_id",
            )
        booking = service_booking_save(
            store=store,
            service_id=service_id,
            starts_at=_starts_at(found, overrides.get("starts_at"), store.timezone),
            customer_name=name,
            customer_phone=phone,
            source=Source.CALL,
        )
    else:
        booking = consultation_save(
            store=store,
            problem=found.get("problem") or "—",
            urgency=found.get("urgency") or "normal",
            expertise_required=found.get("expertiseRequired") or "",
            recommendation=found.get("recommendation") or "",
            preferred_at=overrides.get("starts_at"),
            customer_name=name,
            customer_phone=phone,
            source=Source.CALL,
        )
    outcomes.record(conversation.pk, booking)
    return f"{s.kind}:{booking.pk}"


def accept(suggestion_id: int, *, user: User, overrides: dict[str, Any] | None = None) -> AnalysisSuggestion:
    with transaction.atomic():
        s = (
            AnalysisSuggestion.objects.select_for_update(of=("self",))
            .select_related("conversation", "store__business")
            .get(pk=suggestion_id)
        )
        if s.status != AnalysisSuggestion.Status.PENDING:
            raise Conflict(f"This suggestion was already {s.status}.")
        s.created_ref = _create(s, overrides or {})
        s.status = AnalysisSuggestion.Status.ACCEPTED
        s.decided_at, s.decided_by = timezone.now(), user
        s.save(update_fields=["created_ref", "status", "decided_at", "decided_by", "updated_at"])
    return s


def dismiss(suggestion_id: int, *, user: User) -> AnalysisSuggestion:
    with transaction.atomic():
        s = AnalysisSuggestion.objects.select_for_update().get(pk=suggestion_id)
        if s.status != AnalysisSuggestion.Status.PENDING:
            raise Conflict(f"This suggestion was already {s.status}.")
        s.status = AnalysisSuggestion.Status.DISMISSED
        s.decided_at, s.decided_by = timezone.now(), user
        s.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    return s
