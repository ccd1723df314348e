"""The webhook inbox shared by Telnyx and Stripe.

A provider's event is verified by the caller, then `ingest` stores it once (keyed by the
provider's event id), and `process` runs the handler with retries and backoff. After the last
attempt the event is dead-lettered: visible in the admin, replayable with `replay`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Seconds to wait before attempt n+1 (index n-1); the last value repeats.
BACKOFF_SECONDS = (5, 30, 120, 600, 1800)


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    RETRYING = "retrying", _("Retrying")
    DEAD = "dead", _("Dead-lettered")
    IGNORED = "ignored", _("Ignored")


class WebhookEvent(models.Model):
    event_id = models.CharField(_("provider event id"), max_length=255, unique=True)
    event_type = models.CharField(_("type"), max_length=100, db_index=True)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EventStatus.choices, default=EventStatus.RECEIVED, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    # Fields a handler may set on the locked event; they are saved with its status (one UPDATE).
    PROCESS_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True
        ordering = ("-received_at",)

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"


E = TypeVar("E", bound=WebhookEvent)


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (the event goes straight to dead)."""


@dataclass(frozen=True)
class Ignored:
    """Returned by a handler for an event that needs no processing (unknown type, unknown call).

    Unlike an exception, the handler's writes still commit; the reason is kept on the event."""

    reason: str


def ingest(
    model: type[E],
    *,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    occurred_at: Any = None,
    **fields: Any,
) -> tuple[E, bool]:
    """Store an event once. Returns (event, created); a duplicate returns the stored row."""
    try:
        with transaction.atomic():
            event = model.objects.create(
                event_id=event_id, event_type=event_type, payload=payload, occurred_at=occurred_at, **fields
            )
        return event, True
    except IntegrityError:
        return model.objects.get(event_id=event_id), False


def insert_once(model: type[E], *, notify: str = "", **values: Any) -> int | None:
    """`ingest` in one statement, for the hot webhook path: INSERT … ON CONFLICT DO NOTHING
    RETURNING id, in autocommit. Returns the new row's id, or None for a repeat.

    The ORM's create-in-a-savepoint costs four round trips and a caught IntegrityError per
    repeat; this is one round trip either way (PostgreSQL and SQLite ≥ 3.35 both speak it)."""
    sql, params = insert_statement(model, notify=notify, **values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def insert_statement(model: type[E], *, notify: str = "", **values: Any) -> tuple[str, list[Any]]:
    """The SQL and parameters of `insert_once` (also run by the async webhook path).

    `values` are the event's fields (event_id, event_type, payload, …); the others take their
    defaults. `notify` names a PostgreSQL channel told the new id in the same statement
    (delivered at commit); other databases have no channels and ignore it."""
    notify = notify if connection.vendor == "postgresql" else ""
    sql, fields = _insert_sql(model, bool(notify), connection.vendor)
    params = []
    for field in fields:
        value = values[field.attname] if field.attname in values else field.get_default()
        params.append(field.get_db_prep_save(value, connection))
    if notify:
        params.append(notify)
    return sql, params


@functools.cache
def _insert_sql(model: type[WebhookEvent], notify: bool, vendor: str) -> tuple[str, list[models.Field]]:
    """The statement text, built once per model (the same text also lets PostgreSQL prepare it)."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    # Only quoted model names and placeholders are interpolated; values go as parameters.
    pk, key = quote(meta.pk.column), quote(meta.get_field("event_id").column)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"
    )
    if notify:
        sql = f"WITH inserted AS ({sql}) SELECT {pk}, pg_notify(%s, {pk}::text) FROM inserted"  # noqa: S608
    return sql, fields


def _fail(event: WebhookEvent, exc: BaseException, *, max_attempts: int) -> None:
    """Record a failed attempt on a locked event: retry later, or dead-letter."""
    permanent = isinstance(exc, PermanentError)
    event.last_error = f"{type(exc).__name__}: {exc}"[:4000]
    if permanent or event.attempts >= max_attempts:
        event.status = EventStatus.DEAD
        event.next_attempt_at = None
        logger.error("webhook event %s dead-lettered: %s", event.event_id, event.last_error)
    else:
        delay = BACKOFF_SECONDS[min(event.attempts, len(BACKOFF_SECONDS)) - 1]
        event.status = EventStatus.RETRYING
        event.next_attempt_at = timezone.now() + timedelta(seconds=delay)


def record_failure(event: E, exc: BaseException, *, max_attempts: int = MAX_ATTEMPTS) -> EventStatus:
    """A failure after the handler committed (e.g. a provider call made on commit) counts as an
    attempt too: the event is retried with backoff, then dead-lettered."""
    model = type(event)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=event.pk)
        locked.attempts = max(locked.attempts, 1)
        _fail(locked, exc, max_attempts=max_attempts)
        locked.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
    event.refresh_from_db()
    return EventStatus(event.status)


def process(event: E, handler: Callable[[E], Any], *, max_attempts: int = MAX_ATTEMPTS) -> EventStatus:
    """Run `handler` on the event once, recording the outcome.

    The handler runs in a transaction with the status change, so a processed event and its
    effects commit together. A failure records the error and schedules the next attempt; the
    last failure (or a PermanentError) dead-letters the event.
    """
    model = type(event)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=event.pk)
        if locked.status in (EventStatus.PROCESSED, EventStatus.IGNORED):
            return EventStatus(locked.status)
        locked.attempts += 1
        try:
            with transaction.atomic():
                outcome = handler(locked)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is lost
            _fail(locked, exc, max_attempts=max_attempts)
        else:
            ignored = isinstance(outcome, Ignored)
            locked.status = EventStatus.IGNORED if ignored else EventStatus.PROCESSED
            locked.processed_at = timezone.now()
            locked.last_error = outcome.reason[:4000] if ignored else ""
            locked.next_attempt_at = None
        fields = ["attempts", "status", "last_error", "next_attempt_at", "processed_at"]
        locked.save(update_fields=[*fields, *model.PROCESS_FIELDS])
    event.refresh_from_db()
    return EventStatus(event.status)


_HANDLERS: dict[str, Callable[[Any], Any]] = {}


def register_handler(model: type[WebhookEvent], handler: Callable[[Any], Any]) -> None:
    """The provider app registers how its events are processed (used by workers and replay)."""
    _HANDLERS[model._meta.label] = handler


def handler_for(model: type[WebhookEvent]) -> Callable[[Any], Any] | None:
    return _HANDLERS.get(model._meta.label)


def process_due(model: type[WebhookEvent], *, limit: int = 100) -> int:
    """Process events whose retry time has come (and fresh ones never picked up).

    Returns how many were attempted. Called periodically by Celery beat."""
    handler = handler_for(model)
    if handler is None:
        return 0
    now = timezone.now()
    due = model.objects.filter(
        models.Q(status=EventStatus.RETRYING, next_attempt_at__lte=now)
        | models.Q(status=EventStatus.RECEIVED, received_at__lte=now - timedelta(minutes=1))
    ).order_by("received_at")[:limit]
    count = 0
    for event in due:
        process(event, handler)
        count += 1
    return count


def retry_delay(event: WebhookEvent) -> int | None:
    """Seconds until the next attempt, or None when the event needs none."""
    if event.status != EventStatus.RETRYING or event.next_attempt_at is None:
        return None
    return max(0, int((event.next_attempt_at - timezone.now()).total_seconds()))


def replay(event: E, handler: Callable[[E], Any]) -> EventStatus:
    """Give a dead (or stuck) event a fresh set of attempts and run it now."""
    type(event).objects.filter(pk=event.pk).update(
        status=EventStatus.RECEIVED, attempts=0, next_attempt_at=None
    )
    event.refresh_from_db()
    return process(event, handler)
