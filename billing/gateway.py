"""The Stripe gateway: the only module that imports the Stripe SDK.

Everything billing asks of Stripe goes through one typed function here and comes back as a
dataclass (never an SDK object or a raw dict), so pages, the API, the webhook handlers and the
tasks share one copy of each call. A Stripe failure becomes `GatewayError` carrying words an
owner can read (`problem`) and whether trying again later may help (`retryable`).
See docs/decisions/0033-one-gateway-per-provider.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _


class BillingNotConfigured(Exception):
    """No STRIPE_SECRET_KEY: the trial provider is in use (see billing.signup)."""


class GatewayError(Exception):
    """Stripe refused or did not answer. Nothing we asked for happened."""

    def __init__(self, message: str, *, problem: str, retryable: bool, code: str = "") -> None:
        super().__init__(message)
        self.problem = problem  # for the owner: "Stripe could not be reached", ...
        self.retryable = retryable  # a network error, a 5xx or a rate limit
        self.code = code  # Stripe's error code, when it gave one


class InvalidSignature(ValueError):
    """A webhook body not signed with our secret, or too old."""


# --- typed values ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class Card:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @property
    def label(self) -> str:
        return self.brand.title()

    @property
    def expiry(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year}"


@dataclass(frozen=True)
class SubscriptionState:
    """What a subscription object (fetched, or in a webhook event) says; None = not said."""

    id: str | None = None
    status: str | None = None
    price_id: str | None = None
    first_item_id: str | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool | None = None

    @classmethod
    def from_object(cls, obj: dict[str, Any]) -> SubscriptionState:
        items = ((obj.get("items") or {}).get("data")) or []
        first = items[0] if items and isinstance(items[0], dict) else {}
        price = first.get("price") or {}
        ends = [
            i.get("current_period_end") for i in items if isinstance(i, dict) and i.get("current_period_end")
        ]
        cancel = obj.get("cancel_at_period_end")
        return cls(
            id=obj.get("id"),
            status=obj.get("status"),
            price_id=price.get("id") if isinstance(price, dict) else (price or None),
            first_item_id=first.get("id"),
            # Newer API versions put the period on the items; older ones on the subscription.
            current_period_end=when(max(ends)) if ends else when(obj.get("current_period_end")),
            cancel_at_period_end=None if cancel is None else bool(cancel),
        )


def when(value: Any) -> datetime | None:
    """A Stripe timestamp (seconds) as an aware datetime."""
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int | float) else None


# --- configuration -----------------------------------------------------------------------------
def configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    if not configured():
        raise BillingNotConfigured("Billing is not configured (no STRIPE_SECRET_KEY).")
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


@lru_cache(maxsize=4)
def _client_for(key: str, base: str) -> stripe.StripeClient:
    # Our own retries (Celery, the inbox) decide when to try again; the SDK does not retry.
    return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)


def _as_dict(obj: object) -> dict[str, Any]:
    """An SDK object as plain dicts (StripeObject is not a dict: no `.get`)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)  # type: ignore[call-overload]


def _problem(exc: stripe.StripeError) -> str:
    """What went wrong with Stripe, in words for the owner (not a stack of network errors)."""
    if isinstance(exc, stripe.APIConnectionError):
        return _("Stripe could not be reached")
    if isinstance(exc, stripe.InvalidRequestError) and exc.user_message:
        return str(exc.user_message)
    return _("Stripe answered with an error")


def _failed(exc: stripe.StripeError) -> GatewayError:
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)
    return GatewayError(
        f"{type(exc).__name__}: {exc.user_message or exc}",
        problem=_problem(exc),
        retryable=retryable,
        code=str(getattr(exc, "code", "") or ""),
    )


# --- calls -------------------------------------------------------------------------------------
def checkout_session_create(params: dict[str, Any], *, idempotency_key: str) -> CheckoutSession:
    """Open a Checkout Session (subscription or one-off payment); the key makes a retry open
    the same one."""
    try:
        session = _client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as exc:
        raise _failed(exc) from None
    return CheckoutSession(id=session["id"], url=session["url"])


def portal_session_url(customer: str, *, return_url: str) -> str:
    """A billing-portal link for the customer (cards, invoices, cancellation)."""
    try:
        session = _client().v1.billing_portal.sessions.create(
            params={"customer": customer, "return_url": return_url}
        )
    except stripe.StripeError as exc:
        raise _failed(exc) from None
    return str(session["url"])


def cards(customer: str) -> list[Card]:
    """The customer's cards on file."""
    try:
        found = _client().v1.payment_methods.list(params={"customer": customer, "type": "card"})
    except stripe.StripeError as exc:
        raise _failed(exc) from None
    out = []
    for method in _as_dict(found)["data"]:
        card = method.get("card") or {}
        out.append(
            Card(
                id=method["id"],
                brand=str(card.get("brand", "")),
                last4=str(card.get("last4", "")),
                exp_month=int(card.get("exp_month", 0) or 0),
                exp_year=int(card.get("exp_year", 0) or 0),
            )
        )
    return out


def subscription_fetch(subscription_id: str) -> SubscriptionState:
    """The subscription as Stripe has it now. Raises GatewayError (a webhook's retry asks again)."""
    try:
        found = _client().v1.subscriptions.retrieve(subscription_id)
    except stripe.StripeError as exc:
        raise _failed(exc) from None
    return SubscriptionState.from_object(_as_dict(found))


def subscription_change_price(subscription_id: str, price_id: str) -> SubscriptionState:
    """Move the subscription's (single) item to another price at once, prorated by Stripe."""
    current = subscription_fetch(subscription_id)
    try:
        updated = _client().v1.subscriptions.update(
            subscription_id,
            params={
                "items": [{"id": current.first_item_id, "price": price_id}],
                "proration_behavior": "create_prorations",
            },
        )
    except stripe.StripeError as exc:
        raise _failed(exc) from None
    return SubscriptionState.from_object(_as_dict(updated))


def meter_event_send(*, event_name: str, identifier: str, customer: str, value: int, timestamp: int) -> bool:
    """Report a usage figure to a billing meter. Returns False when Stripe says this identifier
    was already sent (a retry of a report that went through): that counts as done."""
    params = {
        "event_name": event_name,
        "identifier": identifier,
        # The meter wants the value as a string.
        "payload": {"stripe_customer_id": customer, "value": str(value)},
        "timestamp": timestamp,
    }
    try:
        _client().v1.billing.meter_events.create(params=params)
    except stripe.InvalidRequestError as exc:
        if _already_sent(exc):
            return False
        raise _failed(exc) from None
    except stripe.StripeError as exc:
        raise _failed(exc) from None
    return True


def _already_sent(exc: stripe.InvalidRequestError) -> bool:
    code = getattr(exc, "code", "") or ""
    text = str(exc).lower()
    return code in ("resource_already_exists", "duplicate_meter_event") or (
        "identifier" in text and ("already" in text or "duplicate" in text)
    )


def webhook_verify(payload: bytes, signature: str, secret: str) -> None:
    """Check a webhook body's Stripe-Signature (HMAC-SHA256, 300 s tolerance)."""
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError:
        raise InvalidSignature("bad signature") from None
