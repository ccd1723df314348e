"""Payment and deposit links by SMS (Stripe Checkout, mode payment).

For a store that turns it on, an order taken on a call at or above its threshold, or a booking
taken on a call when the store asks a deposit, gets a PaymentLink (one per order or booking), when
stores publishes `order_placed` / `booking_made` (subscribed in BillingConfig.ready). After commit
a task opens the Checkout Session and publishes `payment_link_ready`: notifications, the one
sender of texts, queues the SMS to the caller from the store's number (its retry policy, its
dedupe key) and records the outcome on the link (status, sms_sent_at, error).
`checkout.session.completed` for it (webhook inbox) marks the link and the order or booking paid.
The assistant never sees card data: it only knows a link is sent.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing import gateway
from billing.models import PaymentLink
from kalliky.inbox import Ignored
from kalliky.languages import supported_language
from stores.models import Consultation, Order, Reservation, ServiceBooking

log = logging.getLogger(__name__)
Kind = PaymentLink.Kind

# link=<PaymentLink>: its Checkout page is open; text its URL to link.phone (notifications does).
payment_link_ready = Signal()


def _target_model(kind: str) -> Any:
    return {
        Kind.ORDER: Order,
        Kind.RESERVATION: Reservation,
        Kind.SERVICE_BOOKING: ServiceBooking,
        Kind.CONSULTATION: Consultation,
    }[kind]


# --- subscriptions to the stores' events (BillingConfig.ready) ------------------------------------
_BOOKING_KINDS: dict[type, str] = {
    Reservation: Kind.RESERVATION,
    ServiceBooking: Kind.SERVICE_BOOKING,
    Consultation: Kind.CONSULTATION,
}


def on_order_placed(sender: type, order: Any, customer_phone: str = "", **kwargs: Any) -> None:
    with transaction.atomic():
        offer_for_order(order, customer_phone)


def on_booking_made(sender: type, booking: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        offer_for_booking(_BOOKING_KINDS[sender], booking)


def offer_for_order(order: Any, phone: str) -> PaymentLink | None:
    """A link for a large order taken on a call (or None); once per order."""
    store = order.store
    if not _wanted(store, order.source, phone) or order.total < store.payment_link_threshold:
        return None
    return _create(store, Kind.ORDER, order.pk, order.total, phone)


def offer_for_booking(kind: str, booking: Any) -> PaymentLink | None:
    """A deposit link for a booking taken on a call (or None); once per booking."""
    store = booking.store
    phone = booking.customer_phone
    if not _wanted(store, booking.source, phone) or store.booking_deposit <= 0:
        return None
    return _create(store, kind, booking.pk, store.booking_deposit, phone)


def _wanted(store: Any, source: str, phone: str) -> bool:
    return bool(store.payment_links_enabled and source == "call" and phone and gateway.configured())


def _create(store: Any, kind: str, object_id: int, amount: Decimal, phone: str) -> PaymentLink | None:
    link, created = PaymentLink.objects.get_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"store": store, "amount": amount, "currency": store.currency or "EUR", "phone": phone},
    )
    if created:
        pk = link.pk
        transaction.on_commit(lambda: request_payment_link.delay(pk))
    return link


@shared_task(name="billing.request_payment_link", bind=True, acks_late=True, max_retries=6)
def request_payment_link(self, link_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    """Open the Checkout Session (once: the idempotency key is the link's) and text it."""
    try:
        return send(link_id)
    except gateway.GatewayError as exc:
        if not exc.retryable:
            raise
        PaymentLink.objects.filter(pk=link_id).update(error=str(exc)[:2000])
        if self.request.is_eager:
            return "failed"
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from None


def send(link_id: int) -> str:
    """Open the link's Checkout page (once) and hand the text to notifications."""
    link = PaymentLink.objects.select_related("store").filter(pk=link_id).first()
    if link is None:
        return "gone"
    if link.status in (PaymentLink.Status.SENT, PaymentLink.Status.PAID):
        return str(link.status)
    if not link.checkout_session_id:
        session = _open_checkout(link)
        link.checkout_session_id, link.url = session["id"], session["url"]
        link.save(update_fields=["checkout_session_id", "url", "updated_at"])
    payment_link_ready.send(sender=PaymentLink, link=link)
    return "queued"


def _open_checkout(link: PaymentLink) -> dict[str, str]:
    store = link.store
    with translation.override(store.language):
        name = (
            _("Order #%(id)s — %(store)s") if link.kind == Kind.ORDER else _("Deposit #%(id)s — %(store)s")
        ) % {"id": link.object_id, "store": store.name}
    target = f"{link.kind}:{link.object_id}"
    metadata = {"kalliky_deposit": str(link.pk), "kalliky_target": target}
    cents = int((link.amount * 100).to_integral_value(ROUND_HALF_UP))
    base = settings.PUBLIC_BASE_URL
    session = gateway.checkout_session_create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": link.currency.lower(),
                        "unit_amount": cents,
                        "product_data": {"name": name},
                    },
                }
            ],
            "client_reference_id": f"paylink-{link.pk}",
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": f"{base}/billing/paid/",
            "cancel_url": f"{base}/billing/paid/?cancelled=1",
            "locale": supported_language(store.language, "auto"),
        },
        idempotency_key=f"kalliky-paylink-{link.pk}",
    )
    return {"id": session.id, "url": session.url}


def on_checkout_completed(session: dict[str, Any]) -> Ignored | None:
    """checkout.session.completed for a payment link (in the inbox's transaction; once)."""
    ref = str((session.get("metadata") or {}).get("kalliky_deposit") or "")
    link = PaymentLink.objects.select_for_update().filter(pk=int(ref)).first() if ref.isdigit() else None
    if link is None:
        return Ignored(f"payment link {ref!r} does not exist")
    if link.status == PaymentLink.Status.PAID:
        return Ignored("this payment was already recorded")
    if session.get("payment_status") != "paid":
        return Ignored(f"payment status is {session.get('payment_status')!r}, not paid")
    now = timezone.now()
    link.status, link.paid_at, link.error = PaymentLink.Status.PAID, now, ""
    if session.get("id"):
        link.checkout_session_id = session["id"]
    link.save(update_fields=["status", "paid_at", "error", "checkout_session_id", "updated_at"])
    model = _target_model(link.kind)
    field = "paid_at" if link.kind == Kind.ORDER else "deposit_paid_at"
    model.objects.filter(pk=link.object_id, **{f"{field}__isnull": True}).update(**{field: now})
    return None
