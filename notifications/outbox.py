"""The queue: items are written with the event, then claimed and sent by workers.

- Enqueue: one row per (event, action, channel, recipient), keyed by a dedupe key, so running
  the same event twice queues nothing new.
- Claim: a worker takes due rows by moving them to SENDING with a lease (`next_attempt_at` =
  end of the lease). On PostgreSQL a batch is taken with SELECT … FOR UPDATE SKIP LOCKED, so two
  workers never take the same row; elsewhere each row is taken by a conditional UPDATE (the
  first worker's UPDATE matches, the second's matches nothing). A worker that dies mid-send
  leaves a SENDING row whose lease runs out: it is claimed again, as one more attempt.
- Send: outside any transaction (a slow SMTP server holds no lock). Success → SENT. Failure →
  RETRYING with exponential backoff, DEAD after NOTIFICATIONS_MAX_ATTEMPTS, or FAILED at once
  when retrying cannot help. DEAD/FAILED items are replayed from the admin or the API.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications import receipts, templating
from notifications.channels import ChannelError, channel_for
from notifications.models import NotificationConfig, NotificationQueueItem
from stores.models import Consultation, Reservation, ServiceBooking

logger = logging.getLogger(__name__)
Status = NotificationQueueItem.Status


@dataclass(frozen=True)
class Outgoing:
    """One message to queue."""

    action: str
    channel: str
    recipient: str
    entity: str  # "order:12", "reservation:7:reminder-24h", "digest:3:2026-12-05"…
    scheduled_at: datetime
    payload: dict[str, Any]
    config: NotificationConfig | None = None


def dedupe_key(entity: str, action: str, channel: str, recipient: str) -> str:
    # The recipient is hashed: a webhook URL may be long, and the key stays a fixed size.
    digest = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:24]
    return f"{entity}:{action}:{channel}:{digest}"[:255]


def enqueue(
    *, business_id: int, store_id: int | None, messages: Iterable[Outgoing]
) -> list[NotificationQueueItem]:
    """Queue the messages not queued before; returns the rows created now. Must run inside the
    event's transaction, so that the rows commit (or roll back) with it."""
    return enqueue_many([(business_id, store_id, messages)])


def enqueue_many(
    groups: Iterable[tuple[int, int | None, Iterable[Outgoing]]],
) -> list[NotificationQueueItem]:
    """`enqueue` for many events at once, in three queries whatever their number: the keys
    already queued, one INSERT of the new rows, and the new rows read back (for their ids)."""
    wanted: dict[str, NotificationQueueItem] = {}
    for business_id, store_id, messages in groups:
        for m in messages:
            key = dedupe_key(m.entity, m.action, m.channel, m.recipient)
            wanted.setdefault(
                key,
                NotificationQueueItem(
                    business_id=business_id,
                    store_id=store_id,
                    config=m.config,
                    action_type=m.action,
                    channel=m.channel,
                    recipient=m.recipient,
                    payload=m.payload,
                    scheduled_at=m.scheduled_at,
                    next_attempt_at=m.scheduled_at,
                    dedupe_key=key,
                ),
            )
    if not wanted:
        return []
    known = set(
        NotificationQueueItem.objects.filter(dedupe_key__in=list(wanted)).values_list("dedupe_key", flat=True)
    )
    new = [item for key, item in wanted.items() if key not in known]
    if not new:
        return []
    # A concurrent run that inserted one of these keys first wins, quietly (unique dedupe key).
    NotificationQueueItem.objects.bulk_create(new, ignore_conflicts=True)
    return list(
        NotificationQueueItem.objects.filter(dedupe_key__in=[i.dedupe_key for i in new]).order_by("pk")
    )


def dispatch_on_commit(items: list[NotificationQueueItem], *, now: datetime | None = None) -> None:
    """Send the items due now as soon as the transaction commits (later ones wait for beat)."""
    now = now or timezone.now()
    due = [item.pk for item in items if item.next_attempt_at and item.next_attempt_at <= now]
    if due:
        # notifications.tasks (a Celery task module) imports this one: dispatch_items runs dispatch()
        from notifications.tasks import dispatch_items

        transaction.on_commit(lambda: dispatch_items.delay(due))


# --- claiming and sending --------------------------------------------------------------------
def _due(now: datetime) -> Q:
    return Q(status__in=NotificationQueueItem.DUE, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, next_attempt_at__lte=now
    )


def claim(*, now: datetime, limit: int, ids: list[int] | None = None) -> list[int]:
    """Take up to `limit` due items for this worker; returns their ids."""
    lease_end = now + timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)
    due = NotificationQueueItem.objects.filter(_due(now))
    if ids is not None:
        due = due.filter(pk__in=ids)
    due = due.order_by("next_attempt_at", "pk")
    taken = {"status": Status.SENDING, "attempts": F("attempts") + 1, "next_attempt_at": lease_end}
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            picked = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            NotificationQueueItem.objects.filter(pk__in=picked).update(**taken, updated_at=now)
        return picked
    picked = []
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        # Still due? Then it is ours: the UPDATE's WHERE is the lock.
        if NotificationQueueItem.objects.filter(_due(now), pk=pk).update(**taken, updated_at=now):
            picked.append(pk)
    return picked


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "failed": self.failed,
            "cancelled": self.cancelled,
        }


def dispatch(
    *, now: datetime | None = None, limit: int | None = None, ids: list[int] | None = None
) -> Report:
    """Claim due items and send them. `now` is the clock (tests move it forward)."""
    now = now or timezone.now()
    report = Report()
    picked = claim(now=now, limit=limit or settings.NOTIFICATIONS_BATCH_SIZE, ids=ids)
    report.claimed = len(picked)
    items = NotificationQueueItem.objects.select_related("config").filter(pk__in=picked).order_by("pk")
    with templating.templates_cached():
        for item in items:
            outcome = send_one(item, now=now)
            if outcome == Status.SENT:
                report.sent += 1
            elif outcome == Status.CANCELLED:
                report.cancelled += 1
            else:
                report.failed += 1
    return report


def send_one(item: NotificationQueueItem, *, now: datetime) -> str:
    """Send a claimed (SENDING) item and record the outcome; returns the new status."""
    reason = _no_longer_wanted(item)
    if reason:
        return _finish(item, status=Status.CANCELLED, error=reason)
    try:
        channel_for(item.channel).send(item)
    except ChannelError as exc:
        return _failed(item, str(exc), permanent=exc.permanent, now=now)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried, none is lost
        logger.exception("notification %s: unexpected error", item.pk)
        return _failed(item, f"{type(exc).__name__}: {exc}", permanent=False, now=now)
    return _finish(item, status=Status.SENT, sent_at=timezone.now())


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: base, 2×base, 4×base… capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def _failed(item: NotificationQueueItem, error: str, *, permanent: bool, now: datetime) -> str:
    if permanent:
        logger.warning("notification %s failed for good: %s", item.pk, error)
        return _finish(item, status=Status.FAILED, error=error)
    if item.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        logger.error("notification %s dead after %s attempts: %s", item.pk, item.attempts, error)
        return _finish(item, status=Status.DEAD, error=error)
    return _finish(item, status=Status.RETRYING, error=error, next_attempt_at=now + backoff(item.attempts))


def _finish(
    item: NotificationQueueItem,
    *,
    status: str,
    error: str = "",
    sent_at: datetime | None = None,
    next_attempt_at: datetime | None = None,
) -> str:
    # Only our own claim is updated: a replay in the meantime is not overwritten.
    updated = NotificationQueueItem.objects.filter(pk=item.pk, status=Status.SENDING).update(
        status=status,
        last_error=error[:4000],
        sent_at=sent_at,
        next_attempt_at=next_attempt_at,
        updated_at=timezone.now(),
    )
    if updated:
        receipts.record(item, status, error, sent_at)  # a lower app's row shows the outcome too
    return status


_BOOKINGS = {"reservation": Reservation, "service_booking": ServiceBooking, "consultation": Consultation}
_CANCELLED = {"cancelled", "no_show", "completed"}


def _no_longer_wanted(item: NotificationQueueItem) -> str:
    """Why a queued item should not go out any more ("" when it should)."""
    if item.config_id and not item.config.is_active and not item.payload.get("test"):
        return "The notification was turned off before it was sent."
    check = item.payload.get("check") or {}
    model = _BOOKINGS.get(check.get("booking", ""))
    if model is None:
        return ""
    booking = model.objects.filter(pk=check.get("id")).first()
    if booking is None or booking.status in _CANCELLED:
        return "The booking was cancelled."
    start = booking.scheduled_at if isinstance(booking, Consultation) else booking.starts_at
    expected = check.get("starts_at")
    if start is None or not expected or start != datetime.fromisoformat(expected):
        return "The booking was moved: this reminder is for the old time."
    return ""


# --- replay ------------------------------------------------------------------------------------
def replay(items: Iterable[NotificationQueueItem]) -> list[int]:
    """Give items a fresh set of attempts and send them now. Sent and in-flight items are left
    alone (a replay never sends twice); returns the ids put back in the queue."""
    now = timezone.now()
    ids = [i.pk for i in items if i.status in NotificationQueueItem.REPLAYABLE]
    with transaction.atomic():
        NotificationQueueItem.objects.filter(pk__in=ids, status__in=NotificationQueueItem.REPLAYABLE).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=now, updated_at=now
        )
        requeued = list(
            NotificationQueueItem.objects.filter(pk__in=ids, status=Status.QUEUED).values_list(
                "pk", flat=True
            )
        )
        if requeued:
            # notifications.tasks (a Celery task module) imports this one: dispatch_items runs dispatch()
            from notifications.tasks import dispatch_items

            transaction.on_commit(lambda: dispatch_items.delay(requeued))
    return requeued
