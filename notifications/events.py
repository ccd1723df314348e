"""What happened → who hears about it. The domain events of the lower apps (stores, billing,
telephony, the post-call analysis) are turned into these by notifications/signals.py.

Each event function must run inside the transaction that wrote the entity: the queue rows
commit with it (or vanish with it), and the messages due now are sent once it commits. Each is
idempotent: calling it again for the same entity queues nothing new (dedupe keys). Each returns
the queue items it created."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import PaymentLink
from notifications import receipts, selectors, variables
from notifications.actions import SEVERITY_RANK
from notifications.models import (
    ActionType,
    Channel,
    NotificationConfig,
    NotificationQueueItem,
    StoreNotificationSettings,
)
from notifications.outbox import Outgoing, dedupe_key, dispatch_on_commit, enqueue, enqueue_many, replay
from notifications.variables import Booking, Context
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking, Source, Store
from stores.models.store import zone_named
from telephony.escalation import owner_phone
from telephony.models import Call, CallbackTicket

REMINDER_HOURS = (24, 2)
# What booking_made reads with a booking (callers that pass loaded=True select these).
BOOKING_RELATED: dict[type, tuple[str, ...]] = {
    Reservation: ("store__business", "customer"),
    ServiceBooking: ("store__business", "customer", "service", "resource"),
    Consultation: ("store__business", "customer"),
}
_BOOKING_ACTIONS = {
    Reservation: ("reservation", ActionType.NEW_RESERVATION),
    ServiceBooking: ("service_booking", ActionType.NEW_BOOKING),
    Consultation: ("consultation", ActionType.NEW_CONSULTATION),
}


def order_placed(order: Order, *, loaded: bool = False) -> list[NotificationQueueItem]:
    """NEW_ORDER to the configured recipients, and the confirmation to the caller.
    `loaded`: the order comes with its store__business, customer and items (else re-read)."""
    _inside_transaction("order_placed")
    if not loaded:
        order = (
            Order.objects.select_related("store__business", "customer")
            .prefetch_related("items")
            .get(pk=order.pk)
        )
    if order.source == Source.TEST:
        return []  # orders taken while the owner tests the assistant are not business
    store = order.store
    entity = f"order:{order.pk}"
    now = timezone.now()
    messages = _to_business(
        store, ActionType.NEW_ORDER, entity, now, lambda: variables.for_order(order, store.language)
    )
    customer = order.customer
    if customer is not None:
        language = customer.language or store.language
        messages += _to_caller(
            store,
            ActionType.CUSTOMER_CONFIRMATION,
            entity,
            now,
            lambda: variables.for_order(order, language),
            language=language,
            phone=customer.phone,
            email=customer.email,
        )
    return _queue(store, messages)


def booking_made(booking: Booking, *, loaded: bool = False) -> list[NotificationQueueItem]:
    """NEW_RESERVATION / NEW_BOOKING / NEW_CONSULTATION, the caller's confirmation, and the
    reminders 24 h and 2 h before the start (those still ahead).
    `loaded`: the booking comes with the relations of `BOOKING_RELATED` (else re-read)."""
    _inside_transaction("booking_made")
    kind, action = _BOOKING_ACTIONS[type(booking)]
    if not loaded:
        booking = type(booking).objects.select_related(*BOOKING_RELATED[type(booking)]).get(pk=booking.pk)
    if booking.source == Source.TEST or booking.status == "cancelled":
        return []
    store = booking.store
    entity = f"{kind}:{booking.pk}"
    now = timezone.now()
    messages = _to_business(
        store, action, entity, now, lambda: variables.for_booking(booking, store.language)
    )
    language = (booking.customer.language if booking.customer else "") or store.language
    caller = _Lazy(lambda: variables.for_booking(booking, language))
    phone, email = variables.booking_phone(booking), booking.customer.email if booking.customer else ""
    messages += _to_caller(
        store,
        ActionType.CUSTOMER_CONFIRMATION,
        entity,
        now,
        caller,
        language=language,
        phone=phone,
        email=email,
    )
    start = variables.booking_start(booking)
    for hours in REMINDER_HOURS if start else ():
        at = start - timedelta(hours=hours)
        if at <= now:
            continue
        messages += _to_caller(
            store,
            ActionType.BOOKING_REMINDER,
            # The start is part of the key: a booking moved and announced again gets new reminders
            # (the old ones cancel themselves at send time).
            f"{entity}:reminder-{hours}h:{start.isoformat()}",
            at,
            caller,
            language=language,
            phone=phone,
            email=email,
            check={"booking": kind, "id": booking.pk, "starts_at": start.isoformat()},
        )
    return _queue(store, messages)


def complaint_recorded(exchange: CustomerExchange) -> list[NotificationQueueItem]:
    """COMPLAINT to the configurations whose minimum severity the complaint reaches."""
    _inside_transaction("complaint_recorded")
    exchange = CustomerExchange.objects.select_related("customer__business", "store__business").get(
        pk=exchange.pk
    )
    if exchange.type != CustomerExchange.Type.COMPLAINT:
        return []
    business_id = exchange.customer.business_id
    store = exchange.store
    rank = SEVERITY_RANK.get(exchange.severity, 0)
    configs = [
        c
        for c in _configs(store, business_id, ActionType.COMPLAINT)
        if SEVERITY_RANK.get(c.min_severity, 0) <= rank
    ]
    described = store or _any_store(business_id)
    if described is None:
        return []
    context = variables.for_exchange(exchange, described, described.language)
    messages = _messages_to(
        configs, ActionType.COMPLAINT, f"complaint:{exchange.pk}", timezone.now(), context, described.language
    )
    return _queue(store, messages, business_id=business_id)


def call_summarised(call: Call, *, loaded: bool = False) -> list[NotificationQueueItem]:
    """CALL_SUMMARY (off by default: owners opt in). `loaded`: the call comes with its
    store__business and customer, and is what the database holds (else re-read)."""
    return _about_call(call, ActionType.CALL_SUMMARY, "call_summarised", loaded)


def missed_call(call: Call, *, loaded: bool = False) -> list[NotificationQueueItem]:
    """MISSED_CALL."""
    return _about_call(call, ActionType.MISSED_CALL, "missed_call", loaded)


def callback_ticket(ticket: CallbackTicket) -> list[NotificationQueueItem]:
    """CALLBACK_TICKET: a caller is waiting to be called back."""
    _inside_transaction("callback_ticket")
    ticket = CallbackTicket.objects.select_related("store__business", "customer").get(pk=ticket.pk)
    store = ticket.store
    context = variables.for_ticket(ticket, store.language)
    messages = _to_business(
        store, ActionType.CALLBACK_TICKET, f"callback:{ticket.pk}", timezone.now(), context
    )
    return _queue(store, messages)


def callback_text(ticket: CallbackTicket) -> list[NotificationQueueItem]:
    """CALLBACK_SMS: text the owner at once that a caller waits for a call-back (once per ticket).
    Not configurable: it is the promise the assistant made to the caller. The outcome is written
    back on the ticket (notifications.receipts)."""
    _inside_transaction("callback_text")
    ticket = CallbackTicket.objects.select_related("store__business__owner").get(pk=ticket.pk)
    store = ticket.store
    to = owner_phone(store)
    if not to:
        receipts.callback(ticket.pk, "failed", "No owner phone to text.")
        return []
    values = {"store_name": store.name, "customer_phone": ticket.phone, "summary": ticket.summary or ""}
    payload = {
        "language": store.language,
        "vars": values,
        "receipt": {"kind": receipts.CALLBACK, "id": ticket.pk},
    }
    message = Outgoing(
        ActionType.CALLBACK_SMS, Channel.SMS, to, f"callback:{ticket.pk}", timezone.now(), payload
    )
    return _queue(store, [message])


def payment_link_text(link: PaymentLink) -> list[NotificationQueueItem]:
    """PAYMENT_LINK: text the caller their payment page. Once per link and page; asked again
    (billing's "send again") it replays a text that failed, and never sends one twice."""
    _inside_transaction("payment_link_text")
    store = Store.objects.select_related("business").get(pk=link.store_id)
    values = {"store_name": store.name, "amount": f"{link.amount} {link.currency}", "payment_link": link.url}
    payload = {
        "language": store.language,
        "vars": values,
        "receipt": {"kind": receipts.PAYMENT_LINK, "id": link.pk},
    }
    entity = f"paylink:{link.pk}:{link.checkout_session_id or ''}"
    message = Outgoing(ActionType.PAYMENT_LINK, Channel.SMS, link.phone, entity, timezone.now(), payload)
    items = _queue(store, [message])
    if not items:
        key = dedupe_key(entity, ActionType.PAYMENT_LINK, Channel.SMS, link.phone)
        known = NotificationQueueItem.objects.filter(dedupe_key=key).first()
        if known is not None and known.status == NotificationQueueItem.Status.SENT:
            receipts.payment_link(link.pk, known.status, sent_at=known.sent_at)
        elif known is not None:
            replay([known])
    return items


def daily_digests_due(now: datetime | None = None) -> list[NotificationQueueItem]:
    """DAILY_DIGEST for every store whose digest hour it is, locally: one item per recipient and
    local date (run it as often as you like). Counts today so far, and yesterday."""
    now = now or timezone.now()
    by_zone: dict[str, list[Store]] = defaultdict(list)
    wanted = Store.objects.filter(
        is_active=True,
        notification_configs__action_type=ActionType.DAILY_DIGEST,
        notification_configs__is_active=True,
    ).distinct()
    for store in wanted.select_related("business", "notification_settings"):
        by_zone[store.timezone].append(store)
    created: list[NotificationQueueItem] = []
    for zone_name, stores in by_zone.items():
        zone = zone_named(zone_name)
        local = now.astimezone(zone)
        for store in stores:
            if local.hour != _digest_hour(store):
                continue
            with transaction.atomic():
                created += _digest(store, local.date(), zone, now)
    return created


# --- helpers ---------------------------------------------------------------------------------
def _digest(store: Store, today: date, zone: ZoneInfo, now: datetime) -> list[NotificationQueueItem]:
    start = datetime.combine(today, time.min, tzinfo=zone)
    yesterday = datetime.combine(today - timedelta(days=1), time.min, tzinfo=zone)
    counts = {
        "today": selectors.day_counts(store, start, now),
        "yesterday": selectors.day_counts(store, yesterday, start),
    }
    context = variables.for_digest(store, today, counts, store.language)
    scheduled = datetime.combine(today, time(now.astimezone(zone).hour), tzinfo=zone)
    entity = f"digest:{store.pk}:{today.isoformat()}"
    return _queue(store, _to_business(store, ActionType.DAILY_DIGEST, entity, scheduled, context))


def _digest_hour(store: Store) -> int:
    try:
        return store.notification_settings.digest_hour
    except StoreNotificationSettings.DoesNotExist:
        return settings.NOTIFICATIONS_DIGEST_HOUR


def _about_call(call: Call, action: str, name: str, loaded: bool) -> list[NotificationQueueItem]:
    _inside_transaction(name)
    configs = _configs(call.store, call.business_id, action)
    if not configs:
        return []
    if not loaded:
        call = Call.objects.select_related("store__business", "customer").get(pk=call.pk)
    store = call.store or _any_store(call.business_id)
    if store is None:
        return []
    context = variables.for_call(call, store, store.language)
    messages = _messages_to(configs, action, f"call:{call.pk}", timezone.now(), context, store.language)
    return _queue(call.store, messages, business_id=call.business_id)


def _configs(store: Store | None, business_id: int, action: str) -> list[NotificationConfig]:
    return selectors.active_configs(store, business_id, action)


class _Lazy:
    """A context computed on first use: most events have no recipient for most actions."""

    def __init__(self, make: Callable[[], Context]) -> None:
        self._make = make
        self._value: Context | None = None

    def __call__(self) -> Context:
        if self._value is None:
            self._value = self._make()
        return self._value


def _resolve(context: Context | Callable[[], Context]) -> Context:
    return context() if callable(context) else context


def _to_business(
    store: Store, action: str, entity: str, at: datetime, context: Context | Callable[[], Context]
) -> list[Outgoing]:
    configs = _configs(store, store.business_id, action)
    return _messages_to(configs, action, entity, at, context, store.language)


def _messages_to(
    configs: list[NotificationConfig],
    action: str,
    entity: str,
    at: datetime,
    context: Context | Callable[[], Context],
    language: str,
) -> list[Outgoing]:
    if not configs or not any(c.recipients for c in configs):
        return []
    context = _resolve(context)
    payload = {"language": language, "vars": context.for_action(action), "data": context.data}
    return [
        Outgoing(action, config.channel, recipient, entity, at, payload, config)
        for config in configs
        for recipient in config.recipients
    ]


def _to_caller(
    store: Store,
    action: str,
    entity: str,
    at: datetime,
    context: Context | Callable[[], Context],
    *,
    language: str,
    phone: str,
    email: str,
    check: dict | None = None,
) -> list[Outgoing]:
    """Messages to the caller: a text from the store's number, or an email if they gave one."""
    configs = _configs(store, store.business_id, action)
    if not configs or not (phone or email):
        return []
    context = _resolve(context)
    payload = {"language": language, "vars": context.for_action(action), "data": context.data}
    if check:
        payload["check"] = check
    messages = []
    for config in configs:
        if config.channel == Channel.SMS and phone and selectors.sender_number(store.pk):
            messages.append(Outgoing(action, Channel.SMS, phone, entity, at, payload, config))
        elif config.channel == Channel.EMAIL and email:
            messages.append(Outgoing(action, Channel.EMAIL, email, entity, at, payload, config))
    return messages


def _queue(
    store: Store | None, messages: list[Outgoing], *, business_id: int | None = None
) -> list[NotificationQueueItem]:
    business = business_id if business_id is not None else store.business_id  # type: ignore[union-attr]
    pending = _pending.get()
    if pending is not None:
        pending.append((business, store.pk if store else None, messages))
        return []
    items = enqueue(business_id=business, store_id=store.pk if store else None, messages=messages)
    dispatch_on_commit(items)
    return items


# Events of a batch (the post-call analysis of many calls) queue their messages together at the
# end of `batched()`: three queries and one dispatch task for the batch, not per event.
_pending: ContextVar[list[tuple[int, int | None, list[Outgoing]]] | None] = ContextVar(
    "notifications_events_pending", default=None
)


@contextmanager
def batched() -> Iterator[None]:
    """Within the block (inside the transaction), events return [] and their messages are
    queued when the block ends without an error; with an error, nothing is queued."""
    token = _pending.set([])
    try:
        yield
        groups = _pending.get() or []
    finally:
        _pending.reset(token)
    dispatch_on_commit(enqueue_many(groups))


def _any_store(business_id: int) -> Store | None:
    # Formats (language, time zone, currency) for an event no store was named for.
    return Store.objects.select_related("business").filter(business_id=business_id).order_by("pk").first()


def _inside_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            f"notifications.events.{name}() must run inside transaction.atomic(): its queue rows "
            "commit with the event."
        )
