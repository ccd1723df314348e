"""The outcome of a text sent on behalf of a lower app, written back on that app's row, so its
pages keep showing it: the owner's call-back text on the CallbackTicket (sms_sent_at, sms_error),
the caller's payment link on the PaymentLink (status, sms_sent_at, error).

A queue item names its row in `payload["receipt"]` ({"kind": "callback" | "payment_link",
"id": …}); the outbox calls `record()` after each attempt."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from billing.models import PaymentLink
from notifications.models import NotificationQueueItem
from telephony.models import CallbackTicket

CALLBACK, PAYMENT_LINK = "callback", "payment_link"
Status = NotificationQueueItem.Status


def record(
    item: NotificationQueueItem, status: str, error: str = "", sent_at: datetime | None = None
) -> None:
    ref = item.payload.get("receipt") or {}
    kind, pk = ref.get("kind"), ref.get("id")
    if not kind or not pk:
        return
    if kind == CALLBACK:
        callback(pk, status, error, sent_at)
    elif kind == PAYMENT_LINK:
        payment_link(pk, status, error, sent_at)


def callback(ticket_id: int, status: str, error: str = "", sent_at: datetime | None = None) -> None:
    tickets = CallbackTicket.objects.filter(pk=ticket_id)
    if status == Status.SENT:
        tickets.update(sms_sent_at=sent_at or timezone.now(), sms_error="")
    elif error:
        tickets.update(sms_error=error[:500])


def payment_link(link_id: int, status: str, error: str = "", sent_at: datetime | None = None) -> None:
    links = PaymentLink.objects.filter(pk=link_id).exclude(status=PaymentLink.Status.PAID)
    if status == Status.SENT:
        links.update(status=PaymentLink.Status.SENT, sms_sent_at=sent_at or timezone.now(), error="")
    elif status in (Status.FAILED, Status.DEAD):
        links.update(status=PaymentLink.Status.FAILED, error=f"SMS: {error}"[:2000])
    elif error:  # retrying: the link stays pending, with the last error shown
        links.update(error=f"SMS: {error}"[:2000])
