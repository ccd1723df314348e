"""Tools for tables, appointments and consultations: availability, booking, the caller's own
bookings (find, cancel, move)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from rapidfuzz import fuzz, process

from ai.matching import service_words
from ai.nlu.text import normalize
from ai.tools.registry import (
    _WHEN,
    ToolContext,
    ToolError,
    _customer_name,
    _money,
    _payment_link_sent,
    _produced,
    _when,
    tool,
)
from stores import availability
from stores.models import BookingStatus, Consultation, Reservation, ServiceBooking, UniversalService
from stores.services import bookings as booking_services


def _slot_view(slot: availability.Slot) -> dict[str, Any]:
    return {
        "date": slot.starts_at.date().isoformat(),
        "time": f"{slot.starts_at:%H:%M}",
        "resource": slot.resource_name or None,
    }


def _refusal(refusal: availability.Refusal) -> ToolError:
    details = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in refusal.details.items()}
    return ToolError(
        refusal.code, refusal.message, alternatives=[_slot_view(s) for s in refusal.alternatives], **details
    )


def _service(tc: ToolContext, ref: str | int | None) -> UniversalService:
    services = list(tc.store.services.filter(is_active=True))
    if not services:
        raise ToolError("not_bookable", "This business has no bookable services.")
    if ref in (None, ""):
        if len(services) == 1:
            return services[0]
        raise ToolError("missing_argument", "Which service?", options=[s.name for s in services])
    if isinstance(ref, int) or str(ref).isdigit():
        for s in services:
            if s.pk == int(ref):
                return s

    names = [normalize(s.name) for s in services]
    best = process.extractOne(normalize(str(ref)), names, scorer=fuzz.WRatio, score_cutoff=70)
    if best is None:
        best = process.extractOne(service_words(str(ref)), names, scorer=fuzz.WRatio, score_cutoff=70)
    if best is None:
        raise ToolError(
            "unknown_service", f"{ref!r} is not a service here.", options=[s.name for s in services]
        )
    return services[best[2]]


def _resource_id(tc: ToolContext, ref: str | None, kinds: tuple[str, ...]) -> int | None:
    if not ref:
        return None

    pool = [r for r in tc.ctx.resources if r.type in kinds]
    best = process.extractOne(
        normalize(ref), [normalize(r.name) for r in pool], scorer=fuzz.WRatio, score_cutoff=75
    )
    if best is None:
        raise ToolError("unknown_resource", f"{ref!r} is not one of us.", options=[r.name for r in pool])
    return pool[best[2]].id


# --- bookings -------------------------------------------------------------------------------
# A consultation that names none of the store's request services lasts the model's default half hour.
CONSULTATION_MINUTES = 30


@tool(
    "check_availability",
    "Is a time free? kind=reservation (party_size), service (service name) or consultation. "
    "Without a time, lists the free times of that date.",
    {
        "kind": {"type": "string", "enum": ["reservation", "service", "consultation"]},
        **_WHEN,
        "party_size": {"type": "integer", "minimum": 1},
        "service": {"type": "string"},
        "resource": {"type": "string", "description": "A stylist, advisor or room by name"},
        "from_time": {"type": "string", "description": "HH:MM: only list times from then (e.g. the evening)"},
        "to_time": {"type": "string", "description": "HH:MM: only list times before then"},
    },
    ("kind", "date"),
)
def check_availability(
    tc: ToolContext,
    kind: str,
    date: str,
    time: str | None = None,
    party_size: int | None = None,
    service: str | None = None,
    resource: str | None = None,
    from_time: str | None = None,
    to_time: str | None = None,
) -> dict[str, Any]:
    now = tc.now
    if time:
        slot = _check(
            tc, kind, _when(tc, date, time), party_size=party_size, service=service, resource=resource
        )
        return {"available": True, "slot": _slot_view(slot)}
    try:
        day = datetime.strptime(date, "%Y-%m-%d").date()
    except ValueError:
        raise ToolError("bad_arguments", "Dates are YYYY-MM-DD.") from None
    if kind == "reservation":
        slots = availability.reservation_slots(tc.store, day, int(party_size or 2), now=now)
    elif kind == "service":
        svc = _service(tc, service)
        slots = availability.service_slots(
            svc, day, now=now, resource_id=_resource_id(tc, resource, ("staff", "room", "equipment"))
        )
    else:
        slots = availability.consultation_slots(
            tc.store, day, now=now, resource_id=_resource_id(tc, resource, ("staff",))
        )
    seen: list[dict[str, Any]] = []
    for s in slots:
        view = _slot_view(s)
        if from_time and view["time"] < from_time or to_time and view["time"] >= to_time:
            continue
        if not any(v["time"] == view["time"] for v in seen):
            seen.append(view)
    return {"date": date, "slots": seen[:40], "count": len(seen)}


def _check(
    tc: ToolContext,
    kind: str,
    when: datetime,
    *,
    party_size: int | None = None,
    service: str | None = None,
    resource: str | None = None,
    duration_minutes: int | None = None,
) -> availability.Slot:
    now = tc.now
    if kind == "reservation":
        if not party_size:
            raise ToolError("missing_argument", "How many people?", missing=["party_size"])
        result = availability.check_reservation(tc.store, when, int(party_size), now=now)
    elif kind == "service":
        svc = _service(tc, service)
        result = availability.check_service_slot(
            svc, when, now=now, resource_id=_resource_id(tc, resource, ("staff", "room", "equipment"))
        )
    elif kind == "consultation":
        rid = _resource_id(tc, resource, ("staff",))
        minutes = duration_minutes or CONSULTATION_MINUTES
        result = availability.check_consultation(
            tc.store, when, now=now, resource_id=rid, duration_minutes=minutes
        )
    else:
        raise ToolError("bad_arguments", "kind is reservation, service or consultation.")
    if isinstance(result, availability.Refusal):
        raise _refusal(result)
    return result


@tool(
    "book_reservation",
    "Book a table. Check availability first; confirm the details with the caller.",
    {
        **_WHEN,
        "party_size": {"type": "integer", "minimum": 1},
        "customer_name": {"type": "string"},
        "notes": {"type": "string"},
    },
    ("date", "time", "party_size"),
)
def book_reservation(
    tc: ToolContext, date: str, time: str, party_size: int, customer_name: str | None = None, notes: str = ""
) -> dict[str, Any]:
    when = _when(tc, date, time)
    slot = _check(tc, "reservation", when, party_size=party_size)
    with transaction.atomic():  # the row and the record that this conversation made it, together
        reservation = booking_services.reservation_save(
            store=tc.store,
            resource_id=slot.resource_id,
            customer_name=_customer_name(tc, customer_name),
            customer_phone=tc.session.caller_phone,
            source=tc.source,
            party_size=int(party_size),
            starts_at=when,
            duration_minutes=availability.reservation_duration(),
            notes=notes,
        )
        _produced(tc, reservation)
    tc.session.bookings.append(f"reservation:{reservation.pk}")
    result = {
        "booking_ref": f"reservation:{reservation.pk}",
        "date": date,
        "time": time,
        "party_size": int(party_size),
    }
    if _payment_link_sent("reservation", reservation.pk):
        result["deposit_link"] = "sent_by_sms"
    return result


@tool(
    "book_service",
    "Book an appointment for a service (haircut, colour…). Check availability first.",
    {
        "service": {"type": "string"},
        **_WHEN,
        "resource": {"type": "string", "description": "Preferred stylist/staff, if the caller named one"},
        "customer_name": {"type": "string"},
        "custom_fields": {"type": "object", "description": "Answers to the service's own questions"},
    },
    ("service", "date", "time"),
)
def book_service(
    tc: ToolContext,
    service: str,
    date: str,
    time: str,
    resource: str | None = None,
    customer_name: str | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    when = _when(tc, date, time)
    svc = _service(tc, service)
    slot = _check(tc, "service", when, service=str(svc.pk), resource=resource)
    with transaction.atomic():  # the row and the record that this conversation made it, together
        booking = booking_services.service_booking_save(
            store=tc.store,
            service_id=svc.pk,
            resource_id=slot.resource_id,
            starts_at=when,
            customer_name=_customer_name(tc, customer_name),
            customer_phone=tc.session.caller_phone,
            custom_field_values=custom_fields or {},
            source=tc.source,
        )
        _produced(tc, booking)
    tc.session.bookings.append(f"service:{booking.pk}")
    return {
        "booking_ref": f"service:{booking.pk}",
        "service": svc.name,
        "date": date,
        "time": time,
        "with": slot.resource_name or None,
        "price": _money(svc.price),
    }


def _consultation_minutes(tc: ToolContext, *texts: str) -> int:
    """How long the consultation asked for lasts: the duration of the store's request service
    named in the expertise or the problem ("un bilan patrimonial" → its 60 minutes), else the
    default half hour."""
    services = [s for s in tc.ctx.services if s.pattern == UniversalService.Pattern.AVAILABILITY]
    for text in filter(None, texts):
        said = normalize(text)
        scored = [(fuzz.partial_ratio(normalize(s.name), said), s) for s in services]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is not None and best[0] >= 85:
            return best[1].duration_minutes
    return CONSULTATION_MINUTES


@tool(
    "request_consultation",
    "Record a consultation request: the problem, its urgency and the preferred time if any.",
    {
        "problem": {"type": "string"},
        "urgency": {"type": "string", "enum": ["normal", "high", "emergency"]},
        "expertise": {"type": "string"},
        "preferred_date": {"type": "string"},
        "preferred_time": {"type": "string"},
        "customer_name": {"type": "string"},
    },
    ("problem",),
)
def request_consultation(
    tc: ToolContext,
    problem: str,
    urgency: str = "normal",
    expertise: str = "",
    preferred_date: str | None = None,
    preferred_time: str | None = None,
    customer_name: str | None = None,
) -> dict[str, Any]:
    if not tc.ctx.has_consultations:
        raise ToolError("not_bookable", "This business does not take consultation requests.")
    if urgency not in Consultation.Urgency.values:
        urgency = Consultation.Urgency.NORMAL
    preferred = None
    scheduled = None
    minutes = _consultation_minutes(tc, expertise, problem)
    if preferred_date and preferred_time:
        preferred = _when(tc, preferred_date, preferred_time)
        if preferred < tc.now:
            raise ToolError("past", "That time has passed.")
        try:
            slot = _check(tc, "consultation", preferred, duration_minutes=minutes)
            scheduled = slot.starts_at
        except ToolError as exc:
            if exc.code not in ("full", "closed_hours", "closed_day"):
                raise
    with transaction.atomic():  # the row and the record that this conversation made it, together
        consultation = booking_services.consultation_save(
            store=tc.store,
            customer_name=_customer_name(tc, customer_name),
            customer_phone=tc.session.caller_phone,
            source=tc.source,
            problem=problem,
            urgency=urgency,
            expertise_required=expertise,
            preferred_at=preferred,
            scheduled_at=scheduled,
            duration_minutes=minutes,
        )
        _produced(tc, consultation)
    tc.session.bookings.append(f"consultation:{consultation.pk}")
    return {
        "booking_ref": f"consultation:{consultation.pk}",
        "status": consultation.status,
        "scheduled": scheduled.isoformat() if scheduled else None,
        "duration_minutes": minutes,
    }


def _caller_bookings(tc: ToolContext) -> list[tuple[str, Any]]:
    phone = tc.session.caller_phone
    if not phone:
        raise ToolError("no_caller_id", "The caller's number is unknown; bookings are found by phone number.")
    now = tc.now
    found: list[tuple[str, Any]] = []
    active = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    for r in Reservation.objects.filter(
        store=tc.store, customer_phone=phone, status__in=active, starts_at__gte=now
    ):
        found.append((f"reservation:{r.pk}", r))
    for b in ServiceBooking.objects.filter(
        store=tc.store, customer_phone=phone, status__in=active, starts_at__gte=now
    ).select_related("service", "resource"):
        found.append((f"service:{b.pk}", b))
    for c in Consultation.objects.filter(
        store=tc.store,
        customer_phone=phone,
        status__in=(Consultation.Status.REQUESTED, Consultation.Status.SCHEDULED),
    ):
        found.append((f"consultation:{c.pk}", c))
    return found


def _booking_view(tc: ToolContext, ref: str, booking: Any) -> dict[str, Any]:
    at = (
        getattr(booking, "starts_at", None)
        or getattr(booking, "scheduled_at", None)
        or getattr(booking, "preferred_at", None)
    )
    local = at.astimezone(tc.tz) if at else None
    view: dict[str, Any] = {
        "booking_ref": ref,
        "kind": ref.split(":")[0],
        "date": local.date().isoformat() if local else None,
        "time": f"{local:%H:%M}" if local else None,
        "status": booking.status,
    }
    if isinstance(booking, Reservation):
        view["party_size"] = booking.party_size
    if isinstance(booking, ServiceBooking):
        view["service"] = booking.service.name
        view["with"] = booking.resource.name if booking.resource else None
    return view


@tool("find_my_bookings", "The caller's upcoming bookings, found by their phone number.")
def find_my_bookings(tc: ToolContext) -> dict[str, Any]:
    found = _caller_bookings(tc)
    return {"bookings": [_booking_view(tc, ref, b) for ref, b in found], "count": len(found)}


def _own_booking(tc: ToolContext, booking_ref: str) -> tuple[str, Any]:
    found = dict(_caller_bookings(tc))
    if booking_ref not in found:
        raise ToolError("unknown_booking", "No upcoming booking with that reference for this caller.")
    return booking_ref, found[booking_ref]


@tool(
    "cancel_booking",
    "Cancel one of the caller's bookings (a booking_ref from find_my_bookings).",
    {"booking_ref": {"type": "string"}},
    ("booking_ref",),
)
def cancel_booking(tc: ToolContext, booking_ref: str) -> dict[str, Any]:
    ref, booking = _own_booking(tc, booking_ref)
    booking_services.booking_cancel(booking=booking)
    return {"cancelled": _booking_view(tc, ref, booking)}


@tool(
    "move_booking",
    "Move one of the caller's bookings to a new date and time (checked for availability).",
    {"booking_ref": {"type": "string"}, **_WHEN},
    ("booking_ref", "date", "time"),
)
def move_booking(tc: ToolContext, booking_ref: str, date: str, time: str) -> dict[str, Any]:
    ref, booking = _own_booking(tc, booking_ref)
    when = _when(tc, date, time)
    with transaction.atomic():
        if isinstance(booking, Reservation):
            # Free the current table for the check: cancel in the transaction, re-book, keep the row.
            Reservation.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
            slot = _check(tc, "reservation", when, party_size=booking.party_size)
            booking_services.reservation_save(
                store=tc.store,
                reservation=booking,
                resource_id=slot.resource_id,
                customer_name=booking.customer_name,
                customer_phone=booking.customer_phone,
                party_size=booking.party_size,
                starts_at=when,
                duration_minutes=booking.duration_minutes,
                status=BookingStatus.CONFIRMED,
            )
        elif isinstance(booking, ServiceBooking):
            ServiceBooking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
            slot = _check(tc, "service", when, service=str(booking.service_id))
            booking.status = BookingStatus.CONFIRMED
            booking_services.service_booking_save(
                store=tc.store,
                booking=booking,
                service_id=booking.service_id,
                resource_id=slot.resource_id,
                starts_at=when,
                customer_name=booking.customer_name,
                customer_phone=booking.customer_phone,
                custom_field_values=booking.custom_field_values,
                notes=booking.notes,
            )
        else:
            booking.preferred_at = when
            booking.save(update_fields=["preferred_at", "updated_at"])
    booking.refresh_from_db()
    return {"moved": _booking_view(tc, ref, booking)}
