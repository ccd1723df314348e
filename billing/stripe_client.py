"""The one place the Stripe SDK is configured: `client()` returns a `stripe.StripeClient` pointed
at STRIPE_API_BASE (the real API, or the local fake in tests and `make run`)."""

from __future__ import annotations

from functools import lru_cache

import stripe
from django.conf import settings


class BillingNotConfigured(Exception):
    """No STRIPE_SECRET_KEY: the trial provider is in use (see billing.providers)."""


def configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    if not configured():
        raise BillingNotConfigured("Billing is not configured (no STRIPE_SECRET_KEY).")
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


@lru_cache(maxsize=4)
def _client(key: str, base: str) -> stripe.StripeClient:
    # Our own retries (Celery, the inbox) decide when to try again; the SDK does not retry.
    return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)


def as_dict(obj: object) -> dict:
    """An SDK object as plain dicts (StripeObject is not a dict: no `.get`)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)  # type: ignore[call-overload]
