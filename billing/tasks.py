"""Billing's Celery tasks."""

from __future__ import annotations

from celery import shared_task

from billing import gateway
from billing.commission import report
from billing.lifecycle import handle
from billing.models import StripeEvent
from kalliky import inbox


@shared_task(name="billing.process_stripe_event")
def process_stripe_event(event_pk: int) -> str:
    """Process a stored Stripe event (retries are the inbox's: beat's retry_webhook_events)."""
    event = StripeEvent.objects.filter(pk=event_pk).first()
    if event is None:
        return "gone"
    return str(inbox.process(event, handle))


@shared_task(name="billing.report_commission", bind=True, acks_late=True, max_retries=8)
def report_commission(self, commission_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    """Report one commission to Stripe; network and Stripe 5xx/429 errors retry with backoff."""
    try:
        return report(commission_id)
    except gateway.GatewayError as exc:
        if not exc.retryable or self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=min(3600, 10 * 2**self.request.retries)) from None
