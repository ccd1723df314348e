"""The values of the template variables, read from the entity an event is about.

Every value is a string formatted in the reader's language and the store's time zone, taken
when the event happens (the message says what was true then). `data` is the machine-readable
side, sent as the webhook's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from notifications import actions
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking, Store
from stores.selectors import holidays_undecided
from telephony import selectors as call_selectors
from telephony.models import Call, CallbackTicket

Booking = Reservation | ServiceBooking | Consultation
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


@dataclass
class Context:
    """Template values plus the event's data, for one action in one language."""

    values: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)

    def for_action(self, action: str) -> dict[str, str]:
        # Exactly the action's names: a template can only have used those.
        return {name: self.values.get(name, "") for name in actions.variables_of(action)}


# --- formatting -------------------------------------------------------------------------------
def money(amount: Decimal, currency: str) -> str:
    number = formats.number_format(amount, 2, use_l10n=True)
    symbol = _SYMBOLS.get(currency, currency)
    return (
        f"{symbol}{number}"
        if translation.get_language() == "en" and symbol != currency
        else f"{number} {symbol}"
    )


def when(moment: datetime | None, store: Store) -> str:
    if moment is None:
        return _("to be arranged")
    local = moment.astimezone(store.zone)
    return _("%(day)s at %(time)s") % {"day": day_label(local), "time": local.strftime("%H:%M")}


def day_label(day: date) -> str:
    label = formats.date_format(day, "l j F Y")
    # French writes weekdays in lower case mid-sentence ("le samedi 5 décembre").
    return label[:1].lower() + label[1:] if translation.get_language() == "fr" else label


def yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _call_id(row: Any) -> int | None:
    """The call that produced the row: set on it by whoever read it with its call (telephony's
    analysis), else looked up once."""
    if not hasattr(row, "call_pk"):
        row.call_pk = call_selectors.call_id_of(row)
    return row.call_pk


def call_link(call_id: int | None) -> str:
    return f"{settings.PUBLIC_BASE_URL}/calls/{call_id}/" if call_id else dashboard_link()


def dashboard_link() -> str:
    return f"{settings.PUBLIC_BASE_URL}/"


def _store_values(store: Store) -> dict[str, str]:
    return {"store_name": store.name, "store_phone": store.phone, "business_name": store.business.name}


def _customer_values(name: str, phone: str) -> dict[str, str]:
    return {"customer_name": name or phone or _("Unknown caller"), "customer_phone": phone}


# --- entities -----------------------------------------------------------------------------------
def for_order(order: Order, language: str) -> Context:
    store = order.store
    with translation.override(language):
        customer = order.customer
        lines = []
        for item in order.items.all():
            extras = ", ".join(str(v.get("value", "")) for v in item.variations or [] if v.get("value"))
            lines.append(f"{item.quantity} × {item.name}" + (f" ({extras})" if extras else ""))
        values = {
            **_store_values(store),
            **_customer_values(
                (customer.name if customer else "") or order.customer_name,
                customer.phone if customer else "",
            ),
            "order_number": str(order.number),
            "order_lines": "\n".join(lines),
            "total": money(order.total, store.currency),
            "delivery_type": str(order.get_delivery_type_display()),
            "delivery_address": order.delivery_address,
            "notes": order.notes,
            "call_link": call_link(_call_id(order)),
        }
        values["details"] = _("Order no. %(number)s: %(lines)s. Total %(total)s (%(type)s).") % {
            "number": order.number,
            "lines": "; ".join(lines),
            "total": values["total"],
            "type": values["delivery_type"].lower(),
        }
    data = {
        "order": {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "delivery_type": order.delivery_type,
            "delivery_address": order.delivery_address,
            "total": str(order.total),
            "currency": store.currency,
            "notes": order.notes,
            "call_id": _call_id(order),
            "created_at": order.created_at.isoformat() if order.created_at else None,
            "items": [
                {
                    "name": item.name,
                    "quantity": item.quantity,
                    "unit_price": str(item.unit_price),
                    "line_total": str(item.line_total),
                    "variations": [v.get("value") for v in item.variations or []],
                    "notes": item.notes,
                }
                for item in order.items.all()
            ],
        },
        "customer": {"name": values["customer_name"], "phone": values["customer_phone"]},
    }
    return Context(values, data)


def booking_start(booking: Booking) -> datetime | None:
    if isinstance(booking, Consultation):
        return booking.scheduled_at
    return booking.starts_at


def booking_phone(booking: Booking) -> str:
    return booking.customer_phone or (booking.customer.phone if booking.customer else "")


def for_booking(booking: Booking, language: str) -> Context:
    store = booking.store
    start = booking_start(booking)
    with translation.override(language):
        name = booking.customer_name or (booking.customer.name if booking.customer else "")
        values = {
            **_store_values(store),
            **_customer_values(name, booking_phone(booking)),
            "booking_time": when(start if start else getattr(booking, "preferred_at", None), store),
            "notes": booking.notes,
            "call_link": call_link(_call_id(booking)),
        }
        data: dict[str, Any] = {
            "id": booking.pk,
            "status": booking.status,
            "starts_at": start.isoformat() if start else None,
            "notes": booking.notes,
            "call_id": _call_id(booking),
        }
        if isinstance(booking, Reservation):
            values["party_size"] = str(booking.party_size)
            values["details"] = _("Your table for %(n)s on %(time)s.") % {
                "n": booking.party_size,
                "time": values["booking_time"],
            }
            data.update(kind="reservation", party_size=booking.party_size)
        elif isinstance(booking, ServiceBooking):
            values["service_name"] = booking.service.name
            values["staff_name"] = booking.resource.name if booking.resource else ""
            values["price"] = money(booking.price, store.currency)
            values["details"] = _("Your appointment: %(service)s on %(time)s.") % {
                "service": booking.service.name,
                "time": values["booking_time"],
            }
            data.update(
                kind="service_booking",
                service=booking.service.name,
                resource=values["staff_name"],
                price=str(booking.price),
                ends_at=booking.ends_at.isoformat(),
            )
        else:
            values["problem"] = booking.problem
            values["urgency"] = str(booking.get_urgency_display())
            values["details"] = (
                _("Your consultation on %(time)s.") % {"time": values["booking_time"]}
                if start
                else _("We have your consultation request and will call you to arrange a time.")
            )
            data.update(kind="consultation", problem=booking.problem, urgency=booking.urgency)
    return Context(values, {"booking": data, "customer": _customer_data(values)})


def for_exchange(exchange: CustomerExchange, store: Store, language: str) -> Context:
    customer = exchange.customer
    with translation.override(language):
        values = {
            **_store_values(store),
            **_customer_values(customer.name, customer.phone),
            "severity": str(exchange.get_severity_display()),
            "category": exchange.category,
            "description": exchange.description,
            "follow_up": yes_no(exchange.follow_up_required),
            "call_link": call_link(_call_id(exchange)),
        }
    data = {
        "complaint": {
            "id": exchange.pk,
            "severity": exchange.severity,
            "category": exchange.category,
            "description": exchange.description,
            "follow_up_required": exchange.follow_up_required,
            "call_id": _call_id(exchange),
        },
        "customer": _customer_data(values),
    }
    return Context(values, data)


def for_call(call: Call, store: Store, language: str) -> Context:
    with translation.override(language):
        minutes, seconds = divmod(call.duration_seconds, 60)
        values = {
            **_store_values(store),
            # A hidden number arrives as "anonymous": say so ("Hidden number"), never print it.
            **_customer_values(
                call.caller_label,
                call.from_number if call.from_number.startswith("+") else call.caller_label,
            ),
            "call_time": when(call.started_at or call.created_at, store),
            "duration": f"{minutes} min {seconds:02d} s",
            "summary": call.ai_summary,
            "sentiment": str(call.get_sentiment_display()) if call.sentiment else "",
            "call_link": call_link(call.pk),
        }
    data = {
        "call": {
            "id": call.pk,
            "status": call.status,
            "from": call.from_number,
            "to": call.to_number,
            "started_at": call.started_at.isoformat() if call.started_at else None,
            "duration_seconds": call.duration_seconds,
            "summary": call.ai_summary,
            "sentiment": call.sentiment,
            "satisfaction": call.satisfaction,
        },
        "customer": _customer_data(values),
    }
    return Context(values, data)


def for_ticket(ticket: CallbackTicket, language: str) -> Context:
    store = ticket.store
    customer = ticket.customer
    with translation.override(language):
        values = {
            **_store_values(store),
            **_customer_values(customer.name if customer else "", ticket.phone),
            "reason": ticket.reason,
            "summary": ticket.summary,
            "call_time": when(ticket.created_at, store),
            "call_link": call_link(ticket.call_id),
        }
    data = {
        "callback": {
            "id": ticket.pk,
            "phone": ticket.phone,
            "reason": ticket.reason,
            "summary": ticket.summary,
            "call_id": ticket.call_id,
        },
        "customer": _customer_data(values),
    }
    return Context(values, data)


HOLIDAY_REMINDER_DAYS = 14


def _holidays_pending(store: Store, today: date) -> str:
    """A reminder for every public holiday of the next two weeks without the owner's answer, each
    day's digest until they answer; empty when there is none."""
    pending = holidays_undecided(store, today, HOLIDAY_REMINDER_DAYS)
    if not pending:
        return ""
    days = ", ".join(f"{day_label(h.day)} ({h.name})" for h in pending)
    return "\n\n" + _(
        "Public holidays ahead: %(days)s. Are you open? Until you say so on the dashboard, the "
        "assistant tells callers it will check."
    ) % {"days": days}


def for_digest(store: Store, today: date, counts: dict[str, dict[str, Any]], language: str) -> Context:
    with translation.override(language):
        values = {
            **_store_values(store),
            "date": day_label(today),
            "dashboard_link": dashboard_link(),
            "holidays_pending": _holidays_pending(store, today),
        }
        for day, numbers in counts.items():
            for what, number in numbers.items():
                values[f"{what}_{day}"] = money(number, store.currency) if what == "revenue" else str(number)
    data = {
        "date": today.isoformat(),
        **{day: {k: str(v) for k, v in numbers.items()} for day, numbers in counts.items()},
    }
    return Context(values, data)


def sample(action: str, store: Store | None, language: str) -> Context:
    """Made-up values for a preview or a test send (the store's own name when known)."""
    with translation.override(language):
        currency = store.currency if store else "EUR"
        booking_time = _("%(day)s at %(time)s") % {"day": _("Saturday 12 December"), "time": "19:30"}
        values = {
            "store_name": store.name if store else "Pizzeria Bella Napoli",
            "store_phone": (store.phone if store else "") or "+33478000001",
            "business_name": store.business.name if store else "Kalliky Démo",
            "customer_name": "Marie Dupont",
            "customer_phone": "+33612345678",
            "order_number": "42",
            "order_lines": "2 × Margherita (Grande)\n1 × Tiramisu",
            "total": money(Decimal("33.50"), currency),
            "delivery_type": _("Takeaway"),
            "delivery_address": "",
            "notes": _("No onions, please."),
            "booking_time": booking_time,
            "party_size": "4",
            "service_name": _("Women's cut"),
            "staff_name": "Emma",
            "price": money(Decimal("48"), currency),
            "problem": _("Advice on a property purchase"),
            "urgency": _("Normal"),
            "severity": _("High"),
            "category": _("delivery"),
            "description": _("The pizza arrived cold."),
            "follow_up": yes_no(True),
            "call_time": booking_time,
            "holidays_pending": "",
            "duration": "3 min 12 s",
            "summary": _("Ordered two pizzas for takeaway at 19:30."),
            "sentiment": _("Positive"),
            "reason": _("Wants to change a booking"),
            "call_link": call_link(1),
            "details": _("Your table for %(n)s on %(time)s.") % {"n": 4, "time": booking_time},
            "date": _("Saturday 12 December"),
            "dashboard_link": dashboard_link(),
        }
        for day, scale in (("today", 1), ("yesterday", 2)):
            values.update(
                {
                    f"calls_{day}": str(12 * scale),
                    f"orders_{day}": str(5 * scale),
                    f"revenue_{day}": money(Decimal("142.50") * scale, currency),
                    f"bookings_{day}": str(3 * scale),
                    f"complaints_{day}": str(scale - 1),
                }
            )
    return Context(values, {"sample": True})


def _customer_data(values: dict[str, str]) -> dict[str, str]:
    return {"name": values["customer_name"], "phone": values["customer_phone"]}
