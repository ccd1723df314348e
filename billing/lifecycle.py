"""What Stripe's events do to a store's subscription and phone numbers.

Processed by the inbox (kalliky.inbox.process): each handler runs in one transaction with the
event's PROCESSED status, so an event and its effects commit together, once. Delivery order is
not guaranteed: every subscription keeps the `created` time of the newest event applied
(`stripe_state_at`); an older event does not apply its own (stale) state — the subscription is
re-fetched from Stripe and its current state applied instead.

Standing (trialing/active = good) drives the numbers: good → bad suspends them (after
BILLING_SUSPEND_GRACE_SECONDS, default 0), bad → good reactivates what billing suspended, and a
cancelled subscription's numbers are released BILLING_RELEASE_GRACE_DAYS after the cancellation.
The owner is emailed at each change.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing import stripe_client
from billing.models import StripeEvent, Subscription
from billing.plans import plan_for_price
from kalliky.inbox import Ignored

log = logging.getLogger(__name__)
Status = Subscription.Status
OUR_METADATA = ("kalliky_pending_signup", "kalliky_business", "kalliky_store")


def handle(event: StripeEvent) -> Ignored | None:
    payload = event.payload
    kind = event.event_type
    obj: dict[str, Any] = (payload.get("data") or {}).get("object") or {}
    created = _when(payload.get("created"))
    if kind == "checkout.session.completed":
        if "kalliky_deposit" in (obj.get("metadata") or {}):
            from billing import deposits

            return deposits.on_checkout_completed(obj)
        ours = any(key in (obj.get("metadata") or {}) for key in OUR_METADATA)
        if obj.get("mode") == "subscription" and ours:
            from billing import signup

            return signup.on_checkout_completed(obj)
        if not ours:
            return Ignored("a checkout that is not Kalliky's")
        return Ignored("a one-off payment checkout: no subscription to update")
    if kind == "checkout.session.expired":
        return _checkout_expired(obj)
    if kind in ("customer.subscription.created", "customer.subscription.updated"):
        return _apply(obj.get("id"), created, obj, metadata=obj.get("metadata") or {})
    if kind == "customer.subscription.deleted":
        return _apply(
            obj.get("id"), created, {**obj, "status": Status.CANCELED}, metadata=obj.get("metadata") or {}
        )
    if kind == "invoice.paid":
        return _apply(_invoice_subscription(obj), created, {"status": Status.ACTIVE}, metadata={})
    if kind == "invoice.payment_succeeded":
        return Ignored("handled through invoice.paid (Stripe sends both for one payment)")
    if kind == "invoice.payment_failed":
        return _apply(_invoice_subscription(obj), created, {"status": Status.PAST_DUE}, metadata={})
    return Ignored(f"{kind} does not concern billing here")


def _checkout_expired(session: dict[str, Any]) -> Ignored | None:
    """An unpaid checkout closed: the pending signup or the payment link says so (never undoes
    a completed one)."""
    from billing.models import PaymentLink, PendingSignup

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


def _when(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int | float) else None


def _invoice_subscription(invoice: dict[str, Any]) -> str | None:
    # Newer API versions nest it under parent.subscription_details; older ones had it at the top.
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription")


def period_end(obj: dict[str, Any]) -> datetime | None:
    items = ((obj.get("items") or {}).get("data")) or []
    ends = [i.get("current_period_end") for i in items if isinstance(i, dict) and i.get("current_period_end")]
    return _when(max(ends)) if ends else _when(obj.get("current_period_end"))


def _price_of(obj: dict[str, Any]) -> str | None:
    items = ((obj.get("items") or {}).get("data")) or []
    price = (items[0].get("price") if items and isinstance(items[0], dict) else None) or {}
    return price.get("id") if isinstance(price, dict) else price


def _apply(
    stripe_id: str | None, created: datetime | None, state: dict[str, Any], *, metadata: dict[str, Any]
) -> Ignored | None:
    if not stripe_id:
        return Ignored("no subscription id in the event")
    sub = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("store", "business__owner")
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
        state = fetch_subscription(stripe_id)
        created = None
    before = sub.status
    status = state.get("status")
    if status in Status.values:
        sub.status = status
    end = period_end(state)
    if end is not None:
        sub.current_period_end = end
    plan = plan_for_price(_price_of(state))
    if plan is not None:
        sub.plan = plan
    if "cancel_at_period_end" in state:
        sub.cancel_at_period_end = bool(state["cancel_at_period_end"])
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
        _standing_changed(sub, before)
    return None


def _maybe_stale(created: datetime, applied: datetime) -> bool:
    """Late delivery: what the event says is history, so apply what Stripe says now. `created`
    counts whole seconds, so an event of the very second last applied may be older too: ask
    Stripe then as well (when there is a Stripe to ask)."""
    return created < applied or (created == applied and stripe_client.configured())


def fetch_subscription(stripe_id: str) -> dict[str, Any]:
    found = stripe_client.client().v1.subscriptions.retrieve(stripe_id)
    return stripe_client.as_dict(found)


def _standing_changed(sub: Subscription, before: str) -> None:
    was_good = before in Subscription.GOOD_STANDING
    if was_good == sub.in_good_standing and sub.status != Status.CANCELED:
        return
    store_id = sub.store_id
    if sub.in_good_standing:
        transaction.on_commit(lambda: _reactivate_numbers(store_id))
        _tell_owner(sub, "reactivated")
    elif sub.status == Status.CANCELED:
        transaction.on_commit(lambda: _suspend_numbers(store_id))
        _tell_owner(sub, "cancelled")
    elif was_good:
        grace = settings.BILLING_SUSPEND_GRACE_SECONDS
        if grace > 0:
            from billing.tasks import suspend_if_still_unpaid

            transaction.on_commit(lambda: suspend_if_still_unpaid.apply_async((store_id,), countdown=grace))
        else:
            transaction.on_commit(lambda: _suspend_numbers(store_id))
        _tell_owner(sub, "payment_failed")


def _suspend_numbers(store_id: int) -> None:
    from stores.models import Store
    from telephony.numbers import suspend_for_store

    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        suspended = suspend_for_store(store)
        log.info("store %s: %s number(s) suspended for billing", store_id, len(suspended))


def _reactivate_numbers(store_id: int) -> None:
    from stores.models import Store
    from telephony.numbers import reactivate_for_store

    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        reactivated = reactivate_for_store(store)
        log.info("store %s: %s number(s) reactivated", store_id, len(reactivated))


def suspend_if_still_unpaid(store_id: int) -> bool:
    sub = Subscription.objects.filter(store_id=store_id).first()
    if sub is None or sub.in_good_standing:
        return False
    _suspend_numbers(store_id)
    return True


def release_cancelled_numbers(now: datetime | None = None) -> int:
    """Numbers of subscriptions cancelled more than BILLING_RELEASE_GRACE_DAYS ago go back to
    Telnyx. Returns how many were released."""
    from telephony.models import PhoneNumber
    from telephony.numbers import release

    cutoff = (now or timezone.now()) - timedelta(days=settings.BILLING_RELEASE_GRACE_DAYS)
    stores = Subscription.objects.filter(status=Status.CANCELED, stripe_state_at__lte=cutoff).values(
        "store_id"
    )
    released = 0
    numbers = PhoneNumber.objects.filter(
        store_id__in=stores, status__in=(PhoneNumber.Status.ACTIVE, PhoneNumber.Status.SUSPENDED)
    )
    for number in numbers:
        release(number)
        released += 1
    return released


def _tell_owner(sub: Subscription, what: str) -> None:
    owner = sub.business.owner
    if owner is None or not owner.email:
        return
    language = sub.store.language if sub.store else "fr"
    with translation.override(language):
        store = sub.store.name if sub.store else sub.business.name
        texts = {
            "payment_failed": (
                _("Payment failed for %(store)s") % {"store": store},
                _(
                    "Your last payment for %(store)s failed: your assistant's phone line is paused "
                    "until it is paid. Update your card in the billing portal: %(portal)s"
                )
                % {"store": store, "portal": _portal_link()},
            ),
            "reactivated": (
                _("%(store)s is answering again") % {"store": store},
                _("Thank you: the payment went through and the phone line of %(store)s is active again.")
                % {"store": store},
            ),
            "cancelled": (
                _("Subscription cancelled for %(store)s") % {"store": store},
                _(
                    "The subscription of %(store)s is cancelled and its line paused. Its phone numbers "
                    "are kept for %(days)s days, then released."
                )
                % {"store": store, "days": settings.BILLING_RELEASE_GRACE_DAYS},
            ),
        }
        subject, body = texts[what]
    email = owner.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )


def _portal_link() -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/billing/"
