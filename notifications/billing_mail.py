"""The owner's emails about their subscription, on billing's events (connected in
NotificationsConfig.ready): the welcome after a signup, and a word at each change of standing
(payment failed, line back, subscription cancelled). Sent after billing's transaction committed.
The signup also makes sure the store has its notification defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from billing.events import Standing
from billing.plans import get_plan
from notifications.services import defaults_ensure
from stores.models import Store


def on_signup_completed(
    *, store_id: int, new_account: bool, trial: bool, language: str, plan: str, **kwargs: Any
) -> None:
    store = Store.objects.select_related("business__owner").get(pk=store_id)
    defaults_ensure(store=store)  # a store created before notifications existed lacks them
    owner = store.business.owner
    if owner is None or not owner.email:
        return
    chosen = get_plan(plan)
    with translation.override(language or settings.LANGUAGE_CODE):
        if new_account:
            subject = _("Welcome to Kalliky, %(name)s") % {"name": owner.first_name or owner.email}
            intro = _("Your account is ready and %(store)s is on the %(plan)s plan.")
        else:
            subject = _("%(store)s is on the %(plan)s plan") % {
                "store": store.name,
                "plan": chosen.code.title(),
            }
            intro = _("%(store)s is now on the %(plan)s plan.")
        lines = [
            intro % {"store": store.name, "plan": chosen.code.title()},
            _("We are getting your assistant's phone number: it appears on your dashboard in a minute."),
            _("Log in any time at %(url)s") % {"url": f"{settings.PUBLIC_BASE_URL}/accounts/login/"},
        ]
        if trial:
            lines.append(
                _("Billing is not configured yet: this is a %(days)s-day trial.")
                % {"days": settings.BILLING_TRIAL_DAYS}
            )
    send_mail(subject, "\n\n".join(lines), settings.DEFAULT_FROM_EMAIL, [owner.email], fail_silently=True)


def on_subscription_state_changed(
    *, store_id: int, old_standing: Standing, new_standing: Standing, **kwargs: Any
) -> None:
    if new_standing == Standing.GOOD:
        what = "reactivated"
    elif new_standing == Standing.CANCELLED:
        what = "cancelled"
    elif old_standing == Standing.GOOD:
        what = "payment_failed"
    else:
        return  # cancelled → unpaid: nothing new to say
    store = Store.objects.select_related("business__owner").filter(pk=store_id).first()
    owner = store.business.owner if store is not None else None
    if owner is None or not owner.email:
        return
    with translation.override(store.language or "fr"):
        subject, body = _standing_texts(store.name)[what]
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email], fail_silently=True)


def _standing_texts(store: str) -> dict[str, tuple[str, str]]:
    portal = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/billing/"
    return {
        "payment_failed": (
            _("Payment failed for %(store)s") % {"store": store},
            _(
                "Your last payment for %(store)s failed: your assistant's phone line is paused "
                "until it is paid. Update your card in the billing portal: %(portal)s"
            )
            % {"store": store, "portal": portal},
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
