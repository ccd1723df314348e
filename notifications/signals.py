"""Notifications subscribe to the domain events of the apps below them (connected in apps.py) and
turn each into the event functions of notifications/events.py.

The events are published once their transaction has committed; each subscriber runs the event
function in a transaction of its own (its queue rows commit together, and are sent on commit).
The event functions are idempotent (dedupe keys): an event received twice sends nothing twice."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from notifications import events, selectors
from notifications.models import NotificationConfig
from notifications.services import defaults_ensure
from stores.models import Store
from telephony.models import Call, CallbackTicket


# --- stores -------------------------------------------------------------------------------------
def store_saved(
    sender: type[Store], instance: Store, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every new store starts with its notification defaults."""
    if created and not raw:  # fixtures (raw) bring their own rows
        defaults_ensure(store=instance)


def sector_applied(sender: type, store: Store, quiet_actions: tuple[str, ...] = (), **kwargs: Any) -> None:
    """Sent inside the sector's transaction: the defaults, then the sector's quiet ones off."""
    defaults_ensure(store=store)
    NotificationConfig.objects.filter(store=store, action_type__in=quiet_actions).update(is_active=False)


def order_placed(sender: type, order: Any, **kwargs: Any) -> None:
    """The owner hears of the order and the caller gets the confirmation — as soon as it is
    confirmed, whatever took it (a call, the API, the dashboard)."""
    with transaction.atomic():
        events.order_placed(order)


def booking_made(sender: type, booking: Any, **kwargs: Any) -> None:
    """A new booking, or one moved: the owner, the caller's confirmation (once per booking) and
    the reminders for its start (a moved one gets new ones; the old ones cancel themselves)."""
    with transaction.atomic():
        events.booking_made(booking)


def complaint_recorded(sender: type, exchange: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        events.complaint_recorded(exchange)


# --- telephony, billing ---------------------------------------------------------------------------
def callback_requested(sender: type, ticket: CallbackTicket, **kwargs: Any) -> None:
    with transaction.atomic():
        events.callback_text(ticket)


def payment_link_ready(sender: type, link: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        events.payment_link_text(link)


# --- the post-call analysis -------------------------------------------------------------------------
def calls_analysed(sender: type, call_ids: list[int], **kwargs: Any) -> None:
    """The call-level messages, once the analysis (summary, sentiment) has committed: a batch of
    calls is read and queued together (one dispatch for the batch)."""
    calls = list(
        Call.objects.filter(pk__in=call_ids).select_related("store__business", "customer").order_by("pk")
    )
    with_callback = set(CallbackTicket.objects.filter(call_id__in=call_ids).values_list("call_id", flat=True))
    with transaction.atomic(), selectors.memoized(), events.batched():
        for call in calls:
            if call.status == Call.Status.MISSED:
                events.missed_call(call, loaded=True)
            if call.pk in with_callback:
                events.callback_ticket(CallbackTicket.objects.get(call_id=call.pk))
            events.call_summarised(call, loaded=True)
