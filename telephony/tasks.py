"""Celery tasks of telephony (thin wrappers over services)."""

from __future__ import annotations

import time

from celery import Task, shared_task
from django.conf import settings

from telephony import analysis_tasks, call_tasks  # noqa: F401  (registers their tasks with the worker)
from telephony.numbers import Outcome, purchase_advance
from telephony.numbers import release_cancelled_numbers as release_cancelled
from telephony.numbers import suspend_if_still_unpaid as suspend_unpaid

# Eager mode (tests, a dev run without a worker) cannot use self.retry when eager tasks propagate
# their exceptions, so it waits in place, briefly: the simulator completes orders at once.
EAGER_POLL_SECONDS = 0.05


@shared_task(bind=True, name="telephony.number_purchase_advance", acks_late=True)
def number_purchase_advance(self: Task, number_id: int) -> str:
    """Advance a purchase; while Telnyx processes the order, look again later. The service
    counts the looks (`polls`) and gives up after NUMBER_ORDER_MAX_POLLS."""
    polls = self.request.retries
    while (outcome := purchase_advance(number_id=number_id, polls=polls)) is Outcome.WAIT:
        if not self.request.is_eager:
            raise self.retry(countdown=settings.NUMBER_ORDER_POLL_SECONDS, max_retries=None)
        polls += 1
        time.sleep(min(settings.NUMBER_ORDER_POLL_SECONDS, EAGER_POLL_SECONDS))
    return str(outcome)


@shared_task(name="telephony.suspend_if_still_unpaid")
def suspend_if_still_unpaid(store_id: int) -> bool:
    """After BILLING_SUSPEND_GRACE_SECONDS: suspend the store's numbers unless it paid meanwhile."""
    return suspend_unpaid(store_id)


@shared_task(name="telephony.release_cancelled_numbers")
def release_cancelled_numbers() -> int:
    """Hourly (beat): numbers of subscriptions cancelled BILLING_RELEASE_GRACE_DAYS ago go back."""
    return release_cancelled()
