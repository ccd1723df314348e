from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kalliky.errors import Conflict, ValidationFailed
from kalliky.events import publish
from stores.events import booking_cancelled, booking_made, booking_moved
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
Booking = Reservation | ServiceBooking | Consultation


def _start(booking: Booking) -> datetime | None:
    return booking.scheduled_at if isinstance(booking, Consultation) else booking.starts_at


def _announce(booking: Booking, *, created: bool, previous_start: datetime | None) -> None:
    """After commit: a new booking is made (billing may ask a deposit, notifications confirm it);
    an existing one whose start changed is moved (notifications schedule its new reminders)."""
    if created:
        publish(booking_made, sender=type(booking), booking=booking)
    elif _start(booking) != previous_start:
        publish(booking_moved, sender=type(booking), booking=booking, previous_start=previous_start)


def _resource(store: Store, resource_id: int | None) -> ServiceResource | None:
    if resource_id is None:
        return None
    resource = store.resources.filter(pk=resource_id, is_active=True).first()
    if resource is None:
        raise ValidationFailed(f"Resource {resource_id} does not exist in this store.", field="resource_id")
    return resource


def _overlapping_bookings(resource: ServiceResource, start: datetime, end: datetime, exclude: int | None):
    return (
        ServiceBooking.objects.real()
        .filter(resource=resource, status__in=ACTIVE, starts_at__lt=end, ends_at__gt=start)
        .exclude(pk=exclude)
        .exists()
    )


def _table_taken(resource: ServiceResource, start: datetime, end: datetime, exclude: int | None) -> bool:
    candidates = (
        Reservation.objects.real()
        .filter(
            resource=resource, status__in=ACTIVE, starts_at__lt=end, starts_at__gt=start - timedelta(hours=24)
        )
        .exclude(pk=exclude)
    )
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
        created = reservation is None
        reservation = reservation or Reservation(store=store, source=source)
        previous_start = _start(reservation)
        reservation.resource = resource
        reservation.customer = customer
        reservation.customer_name = customer_name
        reservation.customer_phone = customer_phone
        for key, value in fields.items():
            setattr(reservation, key, value)
        reservation.save()
        _announce(reservation, created=created, previous_start=previous_start)
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
        created = booking is None
        booking = booking or ServiceBooking(store=store, source=source)
        previous_start = _start(booking)
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
        _announce(booking, created=created, previous_start=previous_start)
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
        created = consultation is None
        consultation = consultation or Consultation(store=store, source=source)
        previous_start = _start(consultation)
        consultation.resource = resource
        consultation.customer = customer
        consultation.customer_name = customer_name
        consultation.customer_phone = customer_phone
        for key, value in fields.items():
            setattr(consultation, key, value)
        if consultation.scheduled_at and consultation.status == Consultation.Status.REQUESTED:
            consultation.status = Consultation.Status.SCHEDULED
        consultation.save()
        _announce(consultation, created=created, previous_start=previous_start)
    return consultation


# --- The three kinds, one table -------------------------------------------------------------


@dataclass(frozen=True)
class BookingKind:
    """What list, get, create, update and cancel need to know of one kind of booking, so each
    path is written once for the three."""

    name: str  # "reservation" | "service_booking" | "consultation", as deposits name them
    model: type[Reservation] | type[ServiceBooking] | type[Consultation]
    save: Callable[..., Any]  # its write path: validation, overlap check, customer, deposit offer
    instance: str  # the save function's keyword for the row being changed
    related: str  # the store's related name
    ordering: tuple[str, ...]  # how a list is sorted
    day_field: str  # what a date range filters on
    cancelled: str
    finished: tuple[str, ...]  # a booking in one of these can no longer be cancelled

    def rows(self, store: Store) -> QuerySet[Any]:
        return getattr(store, self.related).order_by(*self.ordering)

    def create(self, store: Store, **fields: Any) -> Any:
        return self.save(store=store, **fields)

    def update(self, booking: Booking, **fields: Any) -> Any:
        return self.save(store=booking.store, **{self.instance: booking}, **fields)


RESERVATION = BookingKind(
    "reservation",
    Reservation,
    reservation_save,
    "reservation",
    "reservations",
    ("starts_at", "id"),
    "starts_at",
    BookingStatus.CANCELLED,
    (BookingStatus.COMPLETED, BookingStatus.NO_SHOW),
)
SERVICE_BOOKING = BookingKind(
    "service_booking",
    ServiceBooking,
    service_booking_save,
    "booking",
    "service_bookings",
    ("starts_at", "id"),
    "starts_at",
    BookingStatus.CANCELLED,
    (BookingStatus.COMPLETED, BookingStatus.NO_SHOW),
)
CONSULTATION = BookingKind(
    "consultation",
    Consultation,
    consultation_save,
    "consultation",
    "consultations",
    ("-created_at", "-id"),  # requests come unscheduled: newest first
    "created_at",
    Consultation.Status.CANCELLED,
    (Consultation.Status.COMPLETED,),
)
BOOKING_KINDS = (RESERVATION, SERVICE_BOOKING, CONSULTATION)


def kind_of(booking: Booking) -> BookingKind:
    return next(kind for kind in BOOKING_KINDS if isinstance(booking, kind.model))


def booking_cancel(*, booking: Booking) -> None:
    kind = kind_of(booking)
    if booking.status == kind.cancelled:
        return
    if booking.status in kind.finished:
        raise Conflict(_("A finished booking cannot be cancelled."), field="status")
    booking.status = kind.cancelled
    booking.save(update_fields=["status", "updated_at"])
    # The reminders already queued cancel themselves at send time; this is for other listeners.
    publish(booking_cancelled, sender=type(booking), booking=booking)


def consultation_move(
    *, consultation: Consultation, scheduled_at: datetime, resource_id: int | None
) -> Consultation:
    """Another time (and practitioner, one of the store's own); a requested one becomes scheduled."""
    previous_start = consultation.scheduled_at
    consultation.resource = _resource(consultation.store, resource_id)
    consultation.scheduled_at = scheduled_at
    if consultation.status == Consultation.Status.REQUESTED:
        consultation.status = Consultation.Status.SCHEDULED
    consultation.save(update_fields=["scheduled_at", "resource", "status", "updated_at"])
    _announce(consultation, created=False, previous_start=previous_start)
    return consultation
