"""Celery tasks: thin wrappers over notifications.outbox and notifications.events.

`now` travels as an ISO string (the broker speaks JSON); tests pass a later one to move time."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils.dateparse import parse_datetime

from notifications import events, outbox


def _clock(now: str | None) -> datetime | None:
    return parse_datetime(now) if now else None


@shared_task(name="notifications.dispatch_due")
def dispatch_due(now: str | None = None) -> dict[str, int]:
    """Beat, every few seconds: send what is due (scheduled, retries, expired leases)."""
    return outbox.dispatch(now=_clock(now)).as_dict()


@shared_task(name="notifications.dispatch_items")
def dispatch_items(ids: list[int]) -> dict[str, int]:
    """Right after an event commits: send its items now instead of waiting for beat."""
    return outbox.dispatch(ids=ids, limit=len(ids)).as_dict()


@shared_task(name="notifications.enqueue_daily_digests")
def enqueue_daily_digests(now: str | None = None) -> int:
    """Beat, every few minutes: queue the digests of stores whose local digest hour it is."""
    return len(events.daily_digests_due(_clock(now)))
