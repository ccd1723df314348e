"""Billing's domain events. Billing sits below telephony, ai and notifications: it never calls
them; it says what happened, once the transaction that made it happen has committed, and each of
them subscribes in its AppConfig.ready().

- `subscription_state_changed(store_id, old_status, new_status, old_standing, new_standing)`:
  a store's subscription moved to another standing (good / unpaid / cancelled). Telephony
  suspends or reactivates the store's numbers; notifications tells the owner.
- `signup_completed(store_id, pending_id, new_account, trial, phone, language, plan)`:
  a paid (or trial) signup or checkout created a store's subscription. Telephony orders the
  first number, ai creates its config and warms the context, notifications welcomes the owner.

Sent with `kalliky.events.publish` (after commit, `send_robust`) so one subscriber failing does
not stop the others (each failure is logged; a failed number purchase shows on the numbers page
with a retry button).
"""

from __future__ import annotations

from enum import StrEnum

from django.dispatch import Signal

from billing.models import Subscription
from kalliky.events import publish

subscription_state_changed = Signal()
signup_completed = Signal()


class Standing(StrEnum):
    GOOD = "good"  # trialing or active: the line answers
    UNPAID = "unpaid"  # past due, unpaid, incomplete, …: the line is paused
    CANCELLED = "cancelled"  # the numbers are released after BILLING_RELEASE_GRACE_DAYS


def standing_of(status: str) -> Standing:
    if status in Subscription.GOOD_STANDING:
        return Standing.GOOD
    if status == Subscription.Status.CANCELED:
        return Standing.CANCELLED
    return Standing.UNPAID


def publish_state_changed(*, store_id: int, old_status: str, new_status: str) -> None:
    """After commit, if the standing changed: tell the subscribers."""
    old, new = standing_of(old_status), standing_of(new_status)
    if old == new:
        return
    publish(
        subscription_state_changed,
        sender=Subscription,
        store_id=store_id,
        old_status=old_status,
        new_status=new_status,
        old_standing=old,
        new_standing=new,
    )


def publish_signup_completed(
    *, store_id: int, pending_id: int, new_account: bool, trial: bool, phone: str, language: str, plan: str
) -> None:
    publish(
        signup_completed,
        sender=Subscription,
        store_id=store_id,
        pending_id=pending_id,
        new_account=new_account,
        trial=trial,
        phone=phone,
        language=language,
        plan=plan,
    )
