"""`POST /api/stripe/webhook`: Stripe's events, verified on the raw body, stored once per event
id (the shared inbox), then processed by a worker with retries (billing.lifecycle.handle)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from ninja import Router

from billing import gateway
from billing.models import StripeEvent
from billing.tasks import process_stripe_event
from kalliky import inbox

router = Router(tags=["billing"])


@router.post(
    "/webhook",
    auth=None,
    summary="Stripe webhook",
    description="Signed by Stripe (`Stripe-Signature`, HMAC-SHA256, 300 s tolerance). 200 once "
    "stored (a repeat of an event id is acknowledged and not processed again); 400 with nothing "
    "stored on a bad signature, a stale timestamp or a body that is not an event.",
)
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    status, body = receive(request.body, request.headers.get("Stripe-Signature", ""))
    return JsonResponse(body, status=status)


def receive(payload: bytes, signature: str) -> tuple[int, dict[str, str]]:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return 400, {"detail": "Stripe webhooks are not configured here (no STRIPE_WEBHOOK_SECRET)."}
    try:
        gateway.webhook_verify(payload, signature, secret)
    except gateway.InvalidSignature:
        return 400, {
            "detail": "Bad Stripe-Signature: the event was not signed with our secret, or is too old."
        }
    except ValueError:
        return 400, {"detail": "The body is not a JSON event."}
    event = json.loads(payload)
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        return 400, {"detail": "The body is not a Stripe event (no id or type)."}
    created = event.get("created")
    occurred = datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else None
    row, is_new = inbox.ingest(
        StripeEvent,
        event_id=str(event["id"])[:255],
        event_type=str(event["type"])[:100],
        payload=event,
        occurred_at=occurred,
    )
    if is_new:
        pk = row.pk
        transaction.on_commit(lambda: process_stripe_event.delay(pk))
    return 200, {"received": "true", "duplicate": "false" if is_new else "true"}


# The owner's usage figures live under the same /api/stripe prefix.
from billing.api import router as billing_router  # noqa: E402
from billing.usage_api import router as usage_router  # noqa: E402

router.add_router("", usage_router)
router.add_router("", billing_router)
