"""The action catalogue: for each action, who receives it, by which channels, and the template
variables it offers (the only names a template may use). One table, read by the templates'
validation, the API's documentation route, the events and the admin."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kalliky.phones import to_e164
from notifications.models import ActionType, Channel

Audience = Literal["business", "customer"]

# Every variable a template may use, with what it holds (shown to the owner).
VARIABLES: dict[str, Promise] = {
    "store_name": gettext_lazy("The store's name"),
    "store_phone": gettext_lazy("The store's phone number"),
    "business_name": gettext_lazy("The business's name"),
    "customer_name": gettext_lazy("The caller's name (or their number when unknown)"),
    "customer_phone": gettext_lazy("The caller's phone number"),
    "order_number": gettext_lazy("The order number"),
    "order_lines": gettext_lazy("The ordered items, one per line"),
    "total": gettext_lazy("The order total, with its currency"),
    "delivery_type": gettext_lazy("Takeaway, delivery or dine in"),
    "delivery_address": gettext_lazy("The delivery address (empty otherwise)"),
    "notes": gettext_lazy("Notes taken with the order or booking"),
    "booking_time": gettext_lazy("Date and time of the booking, in the store's time zone"),
    "party_size": gettext_lazy("Number of people"),
    "service_name": gettext_lazy("The booked service"),
    "staff_name": gettext_lazy("Who or what was booked (staff member, room)"),
    "price": gettext_lazy("The booking's price, with its currency"),
    "problem": gettext_lazy("What the caller needs help with"),
    "urgency": gettext_lazy("How urgent the request is"),
    "severity": gettext_lazy("How serious the complaint is"),
    "category": gettext_lazy("What the complaint is about"),
    "description": gettext_lazy("The complaint, in the caller's words"),
    "follow_up": gettext_lazy("Whether someone should call back (yes/no)"),
    "call_time": gettext_lazy("When the call came in, in the store's time zone"),
    "duration": gettext_lazy("How long the call lasted"),
    "summary": gettext_lazy("A summary of the call"),
    "sentiment": gettext_lazy("How the caller felt"),
    "reason": gettext_lazy("Why the caller wants to be called back"),
    "call_link": gettext_lazy("Link to the call in the dashboard"),
    "details": gettext_lazy("What was ordered or booked, in one sentence"),
    "date": gettext_lazy("The day the digest covers"),
    "calls_today": gettext_lazy("Calls today"),
    "orders_today": gettext_lazy("Orders today"),
    "revenue_today": gettext_lazy("Revenue of today's orders"),
    "bookings_today": gettext_lazy("Bookings made today"),
    "complaints_today": gettext_lazy("Complaints today"),
    "calls_yesterday": gettext_lazy("Calls yesterday"),
    "orders_yesterday": gettext_lazy("Orders yesterday"),
    "revenue_yesterday": gettext_lazy("Revenue of yesterday's orders"),
    "bookings_yesterday": gettext_lazy("Bookings made yesterday"),
    "complaints_yesterday": gettext_lazy("Complaints yesterday"),
    "dashboard_link": gettext_lazy("Link to the dashboard"),
    "holidays_pending": gettext_lazy("Public holidays of the next two weeks the owner has not decided about"),
}

_STORE = ("store_name", "store_phone", "business_name")
_CUSTOMER = ("customer_name", "customer_phone")
_DIGEST = (
    "date",
    *(f"{what}_{day}" for day in ("today", "yesterday") for what in ("calls", "orders", "revenue")),
    *(f"{what}_{day}" for day in ("today", "yesterday") for what in ("bookings", "complaints")),
    "dashboard_link",
    "holidays_pending",
)


@dataclass(frozen=True)
class ActionSpec:
    audience: Audience
    channels: tuple[str, ...]
    variables: tuple[str, ...]


_TO_BUSINESS = (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK)
_TO_CALLER = (Channel.SMS, Channel.EMAIL)

ACTIONS: dict[str, ActionSpec] = {
    ActionType.NEW_ORDER: ActionSpec(
        "business",
        _TO_BUSINESS,
        (
            *_STORE,
            *_CUSTOMER,
            "order_number",
            "order_lines",
            "total",
            "delivery_type",
            "delivery_address",
            "notes",
            "call_link",
        ),
    ),
    ActionType.NEW_RESERVATION: ActionSpec(
        "business", _TO_BUSINESS, (*_STORE, *_CUSTOMER, "booking_time", "party_size", "notes", "call_link")
    ),
    ActionType.NEW_BOOKING: ActionSpec(
        "business",
        _TO_BUSINESS,
        (*_STORE, *_CUSTOMER, "booking_time", "service_name", "staff_name", "price", "notes", "call_link"),
    ),
    ActionType.NEW_CONSULTATION: ActionSpec(
        "business",
        _TO_BUSINESS,
        (*_STORE, *_CUSTOMER, "problem", "urgency", "booking_time", "notes", "call_link"),
    ),
    ActionType.COMPLAINT: ActionSpec(
        "business",
        _TO_BUSINESS,
        (*_STORE, *_CUSTOMER, "severity", "category", "description", "follow_up", "call_link"),
    ),
    ActionType.MISSED_CALL: ActionSpec(
        "business", _TO_BUSINESS, (*_STORE, *_CUSTOMER, "call_time", "call_link")
    ),
    ActionType.CALL_SUMMARY: ActionSpec(
        "business",
        _TO_BUSINESS,
        (*_STORE, *_CUSTOMER, "call_time", "duration", "summary", "sentiment", "call_link"),
    ),
    ActionType.CALLBACK_TICKET: ActionSpec(
        "business", _TO_BUSINESS, (*_STORE, *_CUSTOMER, "reason", "summary", "call_time", "call_link")
    ),
    ActionType.DAILY_DIGEST: ActionSpec("business", _TO_BUSINESS, (*_STORE, *_DIGEST)),
    ActionType.CUSTOMER_CONFIRMATION: ActionSpec("customer", _TO_CALLER, (*_STORE, *_CUSTOMER, "details")),
    ActionType.BOOKING_REMINDER: ActionSpec(
        "customer", _TO_CALLER, (*_STORE, *_CUSTOMER, "booking_time", "details")
    ),
}
# Complaint severities from least to most serious (CustomerExchange.Severity).
SEVERITY_RANK = {"low": 0, "normal": 1, "high": 2, "emergency": 3}


def spec_of(action: str) -> ActionSpec | None:
    return ACTIONS.get(action)


def variables_of(action: str) -> tuple[str, ...]:
    spec = ACTIONS.get(action)
    return spec.variables if spec else ()


class RecipientError(ValueError):
    def __init__(self, message: str, *, field: str = "recipients") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_action_channel(action: str, channel: str) -> ActionSpec:
    """The action's spec, if the owner may configure it on that channel."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise RecipientError(
            _("%(action)s messages are sent by Kalliky itself and cannot be configured.")
            % {"action": action},
            field="action_type",
        )
    if channel not in spec.channels:
        allowed = ", ".join(str(c) for c in spec.channels)
        raise RecipientError(
            _("%(action)s cannot be sent by %(channel)s; use one of: %(allowed)s.")
            % {"action": action, "channel": channel, "allowed": allowed},
            field="channel",
        )
    return spec


def clean_recipients(action: str, channel: str, recipients: list[str], *, active: bool = True) -> list[str]:
    """The recipients normalised (E.164 numbers, lower-case emails), or RecipientError saying
    which one is wrong and why."""
    spec = check_action_channel(action, channel)
    if spec.audience == "customer":
        if recipients:
            raise RecipientError(
                _("This message goes to the caller's own phone or email: leave recipients empty.")
            )
        return []
    cleaned: list[str] = []
    for raw in recipients:
        value = clean_recipient(channel, str(raw))
        if value not in cleaned:
            cleaned.append(value)
    if active and not cleaned:
        raise RecipientError(_("Add at least one recipient, or turn this notification off."))
    if len(cleaned) > 20:
        raise RecipientError(_("At most 20 recipients per notification."))
    return cleaned


def clean_recipient(channel: str, raw: str) -> str:
    value = raw.strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise RecipientError(_("%(value)r is not an email address.") % {"value": value}) from None
        return value.lower()
    if channel == Channel.SMS:
        try:
            return to_e164(value)
        except ValueError:
            raise RecipientError(
                _("%(value)r is not a phone number; write it like +33 6 12 34 56 78.") % {"value": value}
            ) from None
    return clean_webhook_url(value)


def clean_webhook_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RecipientError(
            _("%(value)r is not a web address; write it like https://example.com/hooks/kalliky.")
            % {"value": value}
        )
    if len(value) > 500:
        raise RecipientError(_("A webhook address has at most 500 characters."))
    if not settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE:
        if parts.scheme != "https":
            raise RecipientError(_("Webhooks are sent over HTTPS only: use an https:// address."))
        if _is_private_literal(parts.hostname):
            raise RecipientError(_("Webhooks cannot be sent to a private or local address."))
    return value


def _is_private_literal(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a host name: checked again once resolved, at send time
