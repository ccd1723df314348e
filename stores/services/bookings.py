from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from billing.deposits import offer_for_booking
from kalliky.errors import Conflict, ValidationFailed
from stores.models import (
    BookingStatus,
    Consultation,
    Reservation,
    ServiceBooking,
    ServiceResource,
    Source,
    Store,
    UniversalService,
)
from stores.services.customers import customer_touch

ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def _resource(store: Store, resource_id: int | None) -> ServiceResource | None:
    if resource_id is None:
        return None
    resource = store.resources.filter(pk=resource_id, is_active=True).first()
    if resource is None:
        raise ValidationFailed(f"Resource {resource_id} does not exist in this store.", field="resource_id")
    return resource


def _overlapping_bookings(resource: ServiceResource, start: datetime, end: datetime, exclude: int | None):
    return (
        ServiceBooking.objects.filter(
            resource=resource, status__in=ACTIVE, starts_at__lt=end, ends_at__gt=start
        )
        .exclude(pk=exclude)
        .exists()
    )


def _table_taken(resource: ServiceResource, start: datetime, end: datetime, exclude: int | None) -> bool:
    candidates = Reservation.objects.filter(
        resource=resource, status__in=ACTIVE, starts_at__lt=end, starts_at__gt=start - timedelta(hours=24)
    ).exclude(pk=exclude)
    return any(r.starts_at + timedelta(minutes=r.duration_minutes) > start for r in candidates)


# --- Reservations ---------------------------------------------------------------------------
def reservation_save(
    *,
    store: Store,
    reservation: Reservation | None = None,
    resource_id: int | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    source: str = Source.MANUAL,
    **fields: Any,
) -> Reservation:
    if not store.has_reservations:
        raise ValidationFailed(_("This store does not take reservations."), field="store")
    resource = _resource(store, resource_id)
    if resource is not None and resource.capacity < fields["party_size"]:
        raise ValidationFailed(
            _("%(table)s seats %(seats)s; the party is %(party)s.")
            % {"table": resource.name, "seats": resource.capacity, "party": fields["party_size"]},
            field="party_size",
        )
    start = fields["starts_at"]
    end = start + timedelta(minutes=fields["duration_minutes"])
    with transaction.atomic():
        if resource is not None:
            ServiceResource.objects.select_for_update().filter(pk=resource.pk).first()
            if _table_taken(resource, start, end, reservation.pk if reservation else None):
                raise Conflict(
                    _("%(name)s is already booked at that time.") % {"name": resource.name}, field="starts_at"
                )
        customer = customer_touch(business=store.business, phone=customer_phone, name=customer_name)
        reservation = reservation or Reservation(store=store, source=source)
        reservation.resource = resource
        reservation.customer = customer
        reservation.customer_name = customer_name
        reservation.customer_phone = customer_phone
        for key, value in fields.items():
            setattr(reservation, key, value)
        reservation.save()
        offer_for_booking("reservation", reservation)  # a deposit link by SMS, where the store asks one
    return reservation


# --- Service bookings -----------------------------------------------------------------------
def service_booking_save(
    *,
    store: Store,
    booking: ServiceBooking | None = None,
    service_id: int,
    resource_id: int | None = None,
    starts_at: datetime,
    ends_at: datetime | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    custom_field_values: dict[str, Any] | None = None,
    notes: str = "",
    source: str = Source.MANUAL,
) -> ServiceBooking:
    service = store.services.filter(pk=service_id, is_active=True).first()
    if service is None:
        raise ValidationFailed(f"Service {service_id} does not exist in this store.", field="service_id")
    resource = _resource(store, resource_id)
    if resource is not None and not resource.services.filter(pk=service.pk).exists():
        raise ValidationFailed(
            _("%(resource)s does not provide %(service)s.")
            % {"resource": resource.name, "service": service.name},
            field="resource_id",
        )
    values = custom_field_values or {}
    _check_custom_fields(service, values)
    end = ends_at or starts_at + timedelta(minutes=service.duration_minutes)
    with transaction.atomic():
        if resource is not None:
            ServiceResource.objects.select_for_update().filter(pk=resource.pk).first()
            if _overlapping_bookings(resource, starts_at, end, booking.pk if booking else None):
                raise Conflict(
                    _("%(name)s already has a booking at that time.") % {"name": resource.name},
                    field="starts_at",
                )
        customer = customer_touch(business=store.business, phone=customer_phone, name=customer_name)
        booking = booking or ServiceBooking(store=store, source=source)
        booking.service = service
        booking.resource = resource
        booking.customer = customer
        booking.customer_name = customer_name
        booking.customer_phone = customer_phone
        booking.starts_at = starts_at
        booking.ends_at = end
        booking.price = service.price
        booking.custom_field_values = values
        booking.notes = notes
        booking.save()
        offer_for_booking("service_booking", booking)  # a deposit link by SMS, where the store asks one
    return booking


def _check_custom_fields(service: UniversalService, values: dict[str, Any]) -> None:
    for field in service.custom_fields:
        name = field.get("name")
        if field.get("required") and values.get(name) in (None, ""):
            raise ValidationFailed(f"{service.name} needs {name!r}.", field=f"custom_field_values.{name}")


# --- Consultations --------------------------------------------------------------------------
def consultation_save(
    *,
    store: Store,
    consultation: Consultation | None = None,
    resource_id: int | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    source: str = Source.MANUAL,
    **fields: Any,
) -> Consultation:
    if not store.has_consultations:
        raise ValidationFailed(_("This store does not take consultations."), field="store")
    resource = _resource(store, resource_id)
    with transaction.atomic():
        customer = customer_touch(business=store.business, phone=customer_phone, name=customer_name)
        consultation = consultation or Consultation(store=store, source=source)
        consultation.resource = resource
        consultation.customer = customer
        consultation.customer_name = customer_name
        consultation.customer_phone = customer_phone
        for key, value in fields.items():
            setattr(consultation, key, value)
        if consultation.scheduled_at and consultation.status == Consultation.Status.REQUESTED:
            consultation.status = Consultation.Status.SCHEDULED
        consultation.save()
        offer_for_booking("consultation", consultation)  # a deposit link by SMS, where the store asks one
    return consultation


def booking_cancel(*, booking: Reservation | ServiceBooking | Consultation) -> None:
    cancelled = (
        Consultation.Status.CANCELLED if isinstance(booking, Consultation) else BookingStatus.CANCELLED
    )
    if booking.status == cancelled:
        return
    done = (
        (Consultation.Status.COMPLETED,)
        if isinstance(booking, Consultation)
        else (BookingStatus.COMPLETED, BookingStatus.NO_SHOW)
    )
    if booking.status in done:
        raise Conflict(_("A finished booking cannot be cancelled."), field="status")
    booking.status = cancelled
    booking.save(update_fields=["status", "updated_at"])
