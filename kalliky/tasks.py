"""Periodic upkeep shared by the provider apps."""

from __future__ import annotations

from celery import shared_task
from django.apps import apps

from kalliky import inbox

# Inbox models; each provider app registers its handler with kalliky.inbox.register_handler.
INBOX_MODELS = ("telephony.TelnyxEvent", "billing.StripeEvent")


@shared_task(name="kalliky.retry_webhook_events")
def retry_webhook_events() -> dict[str, int]:
    return {label: inbox.process_due(apps.get_model(label)) for label in INBOX_MODELS}
