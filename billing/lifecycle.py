"""What Stripe's events do to a store's subscription.

Processed by the inbox (kalliky.inbox.process): each handler runs in one transaction with the
event's PROCESSED status, so an event and its effects commit together, once. Delivery order is
not guaranteed: every subscription keeps the `created` time of the newest event applied
(`stripe_state_at`); an older event does not apply its own (stale) state — the subscription is
re-fetched from Stripe and its current state applied instead.

A change of standing (good / unpaid / cancelled) is published on commit as
`billing.events.subscription_state_changed`: telephony suspends the store's numbers when it goes
unpaid (after BILLING_SUSPEND_GRACE_SECONDS) or cancelled, reactivates what billing suspended when
it is good again, and releases a cancelled subscription's numbers BILLING_RELEASE_GRACE_DAYS
later; notifications emails the owner at each change.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from billing import deposits, events, gateway, signup
from billing.gateway import SubscriptionState
from billing.models import PaymentLink, PendingSignup, StripeEvent, Subscription
from billing.plans import plan_for_price
from kalliky.inbox import Ignored

log = logging.getLogger(__name__)
Status = Subscription.Status
OUR_METADATA = ("kalliky_pending_signup", "kalliky_business", "kalliky_store")


def handle(event: StripeEvent) -> Ignored | None:
    payload = event.payload
    kind = event.event_type
    obj: dict[str, Any] = (payload.get("data") or {}).get("object") or {}
    created = gateway.when(payload.get("created"))
    if kind == "checkout.session.completed":
        if "kalliky_deposit" in (obj.get("metadata") or {}):
            return deposits.on_checkout_completed(obj)
        ours = any(key in (obj.get("metadata") or {}) for key in OUR_METADATA)
        if obj.get("mode") == "subscription" and ours:
            return signup.on_checkout_completed(obj)
        if not ours:
            return Ignored("a checkout that is not Kalliky's")
        return Ignored("a one-off payment checkout: no subscription to update")
    if kind == "checkout.session.expired":
        return _checkout_expired(obj)
    if kind in ("customer.subscription.created", "customer.subscription.updated"):
        state = SubscriptionState.from_object(obj)
        return _apply(obj.get("id"), created, state, metadata=obj.get("metadata") or {})
    if kind == "customer.subscription.deleted":
        state = SubscriptionState.from_object({**obj, "status": Status.CANCELED})
        return _apply(obj.get("id"), created, state, metadata=obj.get("metadata") or {})
    if kind == "invoice.paid":
        state = SubscriptionState(status=Status.ACTIVE)
        return _apply(_invoice_subscription(obj), created, state, metadata={})
    if kind == "invoice.payment_succeeded":
        return Ignored("handled through invoice.paid (Stripe sends both for one payment)")
    if kind == "invoice.payment_failed":
        return _apply(
            _invoice_subscription(obj), created, SubscriptionState(status=Status.PAST_DUE), metadata={}
        )
    return Ignored(f"{kind} does not concern billing here")


def _checkout_expired(session: dict[str, Any]) -> Ignored | None:
    """An unpaid checkout closed: the pending signup or the payment link says so (never undoes
    a completed one)."""
    metadata = session.get("metadata") or {}
    link_ref, signup_ref = (
        str(metadata.get("kalliky_deposit", "")),
        str(metadata.get("kalliky_pending_signup", "")),
    )
    if link_ref.isdigit():
        PaymentLink.objects.filter(pk=int(link_ref)).exclude(status=PaymentLink.Status.PAID).update(
            status=PaymentLink.Status.FAILED, error="The payment page expired unpaid."
        )
        return None
    if signup_ref.isdigit():
        PendingSignup.objects.filter(pk=int(signup_ref), status=PendingSignup.Status.OPEN).update(
            status=PendingSignup.Status.EXPIRED
        )
        return None
    return Ignored("a checkout that is not Kalliky's")


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    # Newer API versions nest it under parent.subscription_details; older ones had it at the top.
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription")


def _apply(
    stripe_id: str | None, created: datetime | None, state: SubscriptionState, *, metadata: dict[str, Any]
) -> Ignored | None:
    if not stripe_id:
        return Ignored("no subscription id in the event")
    sub = (
        Subscription.objects.select_for_update(of=("self",))
        .filter(stripe_subscription_id=stripe_id)
        .first()
    )
    if sub is None:
        if any(key in metadata for key in OUR_METADATA) or not metadata:
            # Ours (or an invoice, which does not say) but its checkout is not processed yet:
            # the inbox retries this event with backoff, by which time the account exists.
            raise LookupError(f"subscription {stripe_id} is not known yet (its checkout comes first)")
        return Ignored("a subscription that is not Kalliky's")
    if created is not None and sub.stripe_state_at is not None and _maybe_stale(created, sub.stripe_state_at):
        state = gateway.subscription_fetch(stripe_id)
        created = None
    before = sub.status
    if state.status in Status.values:
        sub.status = state.status
    if state.current_period_end is not None:
        sub.current_period_end = state.current_period_end
    plan = plan_for_price(state.price_id)
    if plan is not None:
        sub.plan = plan
    if state.cancel_at_period_end is not None:
        sub.cancel_at_period_end = state.cancel_at_period_end
    if created is not None:
        sub.stripe_state_at = created
    sub.save(
        update_fields=[
            "status",
            "plan",
            "current_period_end",
            "cancel_at_period_end",
            "stripe_state_at",
            "updated_at",
        ]
    )
    if before != sub.status:
        events.publish_state_changed(store_id=sub.store_id, old_status=before, new_status=sub.status)
    return None


def _maybe_stale(created: datetime, applied: datetime) -> bool:
    """Late delivery: what the event says is history, so apply what Stripe says now. `created`
    counts whole seconds, so an event of the very second last applied may be older too: ask
    Stripe then as well (when there is a Stripe to ask)."""
    return created < applied or (created == applied and gateway.configured())
