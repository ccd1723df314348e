"""The bookings calendar: table reservations, service bookings and consultations of one store,
by resource, for a day or a week; create, move and cancel through the same services as the API
(a conflict is refused with the service's own message, nothing is half-written)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kalliky.errors import AppError
from stores.access import access_store
from stores.models import BookingStatus, Consultation, Reservation, ServiceBooking, Store
from stores.models.store import zone_named as zone
from stores.services.bookings import booking_cancel, consultation_move, reservation_save, service_booking_save

KINDS = {"reservation": Reservation, "service": ServiceBooking, "consultation": Consultation}
CANCELLED = (BookingStatus.CANCELLED, Consultation.Status.CANCELLED)


@dataclass(frozen=True)
class Entry:
    kind: str
    pk: int
    starts_at: datetime
    ends_at: datetime
    title: str
    who: str
    status: str
    resource_id: int | None
    test: bool = False  # written while testing the assistant: shown only when asked for


def _day(raw: str, tz_name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        return timezone.now().astimezone(zone(tz_name)).date()


def _kind(model: Any, show_tests: bool) -> Any:
    return model.objects.all() if show_tests else model.objects.real()


def _entries(store: Store, start: datetime, end: datetime, show_tests: bool = False) -> list[Entry]:
    """Every booking of the range, three queries (one per kind), cancelled ones left out, and
    the assistant's test bookings too unless asked for."""
    entries = []
    for r in (
        _kind(Reservation, show_tests)
        .filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=CANCELLED)
    ):
        entries.append(
            Entry(
                "reservation",
                r.pk,
                r.starts_at,
                r.starts_at + timedelta(minutes=r.duration_minutes),
                _("Table for %(n)s") % {"n": r.party_size},
                r.customer_name,
                r.status,
                r.resource_id,
                r.is_test,
            )
        )
    for b in (
        _kind(ServiceBooking, show_tests)
        .filter(store=store, starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=CANCELLED)
        .select_related("service")
    ):
        entries.append(
            Entry(
                "service",
                b.pk,
                b.starts_at,
                b.ends_at,
                b.service.name,
                b.customer_name,
                b.status,
                b.resource_id,
                b.is_test,
            )
        )
    for c in (
        _kind(Consultation, show_tests)
        .filter(store=store, scheduled_at__gte=start, scheduled_at__lt=end)
        .exclude(status__in=CANCELLED)
    ):
        entries.append(
            Entry(
                "consultation",
                c.pk,
                c.scheduled_at,
                c.scheduled_at + timedelta(minutes=c.duration_minutes),
                _("Consultation"),
                c.customer_name,
                c.status,
                c.resource_id,
                c.is_test,
            )
        )
    return sorted(entries, key=lambda e: e.starts_at)


@login_required
def bookings_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store = access_store(request.user, store_id)
    tz = zone(store.timezone)
    view = "day" if request.GET.get("view") == "day" else "week"
    anchor = _day(request.GET.get("date", ""), store.timezone)
    first = anchor if view == "day" else anchor - timedelta(days=anchor.weekday())
    days = [first + timedelta(days=n) for n in range(1 if view == "day" else 7)]
    start = datetime.combine(days[0], time.min, tzinfo=tz)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=tz)
    show_tests = request.GET.get("tests") == "1"
    entries = _entries(store, start, end, show_tests)
    resources = list(store.resources.filter(is_active=True).order_by("type", "name"))
    lanes: list[tuple[Any, list[list[Entry]]]] = []
    for resource in [*resources, None]:
        rid = resource.pk if resource else None
        cells = [
            [e for e in entries if e.resource_id == rid and e.starts_at.astimezone(tz).date() == day]
            for day in days
        ]
        if resource is not None or any(cells):
            lanes.append((resource, cells))
    step = timedelta(days=1 if view == "day" else 7)
    return render(
        request,
        "dashboard/bookings.html",
        {
            "store": store,
            "current_store_id": store.pk,
            "view": view,
            "days": days,
            "lanes": lanes,
            "count": len(entries),
            "previous": (days[0] - step).isoformat(),
            "next": (days[0] + step).isoformat(),
            "anchor": anchor.isoformat(),
            "services": list(store.services.filter(is_active=True).order_by("name")),
            "resources": resources,
            "tz": tz,
            "show_tests": show_tests,
        },
    )


def _when(request: HttpRequest, store: Store) -> datetime:
    """The form's date and time in the store's time zone; a clear error if either is missing."""
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
        at = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        raise AppError(_("Give a date and a time for the booking.")) from None
    return datetime.combine(day, at, tzinfo=zone(store.timezone))


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _back(store: Store, request: HttpRequest) -> HttpResponse:
    view = request.POST.get("view", "week")
    anchor = request.POST.get("anchor", "") or request.POST.get("date", "")
    tests = "&tests=1" if request.POST.get("tests") == "1" else ""  # "Show tests" stays on
    return redirect(reverse("dashboard:bookings", args=[store.pk]) + f"?view={view}&date={anchor}{tests}")


@login_required
@require_POST
def booking_create(request: HttpRequest, store_id: int) -> HttpResponse:
    store = access_store(request.user, store_id)
    kind = request.POST.get("kind", "")
    try:
        starts_at = _when(request, store)
        name = request.POST.get("customer_name", "").strip()
        phone = request.POST.get("customer_phone", "").strip()
        if kind == "reservation":
            party = _int(request.POST.get("party_size"))
            if not party:
                raise AppError(_("Give the number of people (1 or more)."))
            reservation_save(
                store=store,
                resource_id=_int(request.POST.get("resource_id")),
                customer_name=name,
                customer_phone=phone,
                party_size=party,
                starts_at=starts_at,
                duration_minutes=_int(request.POST.get("duration")) or 90,
            )
        elif kind == "service":
            service_id = _int(request.POST.get("service_id"))
            if service_id is None:
                raise AppError(_("Choose the service to book."))
            service_booking_save(
                store=store,
                service_id=service_id,
                resource_id=_int(request.POST.get("resource_id")),
                starts_at=starts_at,
                customer_name=name,
                customer_phone=phone,
            )
        else:
            raise AppError(_("Choose a table reservation or a service booking."))
    except AppError as exc:
        messages.error(request, exc.detail)
    else:
        when = date_format(starts_at, "SHORT_DATETIME_FORMAT")
        messages.success(request, _("Booked for %(when)s.") % {"when": when})
    return _back(store, request)


def _booking(store: Store, kind: str, booking_id: int) -> Any:
    model = KINDS.get(kind)
    found = model.objects.filter(store=store, pk=booking_id).first() if model else None
    if found is None:
        raise Http404("Booking not found.")
    return found


@login_required
@require_POST
def booking_move(request: HttpRequest, store_id: int, kind: str, booking_id: int) -> HttpResponse:
    store = access_store(request.user, store_id)
    booking = _booking(store, kind, booking_id)
    resource_id = _int(request.POST.get("resource_id"))
    try:
        starts_at = _when(request, store)
        common = {
            "store": store,
            "resource_id": resource_id,
            "customer_name": booking.customer_name,
            "customer_phone": booking.customer_phone,
        }
        if kind == "reservation":
            reservation_save(
                reservation=booking,
                party_size=booking.party_size,
                starts_at=starts_at,
                duration_minutes=booking.duration_minutes,
                notes=booking.notes,
                **common,
            )
        elif kind == "service":
            length = booking.ends_at - booking.starts_at
            service_booking_save(
                booking=booking,
                service_id=booking.service_id,
                starts_at=starts_at,
                ends_at=starts_at + length,
                custom_field_values=booking.custom_field_values,
                notes=booking.notes,
                **common,
            )
        else:
            consultation_move(consultation=booking, scheduled_at=starts_at, resource_id=resource_id)
    except AppError as exc:
        messages.error(request, exc.detail)
    else:
        when = date_format(starts_at, "SHORT_DATETIME_FORMAT")
        messages.success(request, _("Moved to %(when)s.") % {"when": when})
    return _back(store, request)


@login_required
@require_POST
def booking_cancel_view(request: HttpRequest, store_id: int, kind: str, booking_id: int) -> HttpResponse:
    store = access_store(request.user, store_id)
    booking = _booking(store, kind, booking_id)
    try:
        booking_cancel(booking=booking)
    except AppError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Booking cancelled."))
    return _back(store, request)
