"""Write paths of billing that both the API and the owner's pages call."""

from __future__ import annotations

import stripe
from django.utils.translation import gettext as _

from billing import signup, stripe_client
from billing.models import Subscription
from billing.plans import get_plan
from kalliky.errors import ValidationFailed


def plan_change(sub: Subscription, plan: str) -> Subscription:
    """Move a Stripe subscription to `plan` at once (Stripe prorates). A plan sold on quote is
    refused; a refusal by Stripe changes nothing here either."""
    chosen = get_plan(plan)
    if not chosen.stripe_price_id:
        raise ValidationFailed(
            _("The %(plan)s plan is sold on quote: contact us.") % {"plan": chosen.code.title()}, field="plan"
        )
    api = stripe_client.client().v1.subscriptions
    try:
        current = stripe_client.as_dict(api.retrieve(sub.stripe_subscription_id))
        items = current["items"]["data"]
        api.update(
            sub.stripe_subscription_id,
            params={
                "items": [{"id": items[0]["id"], "price": chosen.stripe_price_id}],
                "proration_behavior": "create_prorations",
            },
        )
    except stripe.StripeError as exc:
        raise signup.BillingUnavailable(
            _("Stripe did not accept the change (%(error)s); nothing changed.")
            % {"error": signup.stripe_problem(exc)}
        ) from None
    sub.plan = chosen.code
    sub.save(update_fields=["plan", "updated_at"])
    return sub
