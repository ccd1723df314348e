"""The plan catalogue, as code. Every other part of the product asks `plan_for(...)` or
`get_plan(code)` for limits and features; nothing compares plan names."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanCode(models.TextChoices):
    STARTER = "STARTER", _("Starter")
    PRO = "PRO", _("Pro")
    BUSINESS = "BUSINESS", _("Business")


@dataclass(frozen=True)
class Plan:
    code: str
    monthly_price: Decimal | None  # None: custom price agreed with sales
    max_concurrent_calls: int
    realtime_voice: bool
    upsell: bool
    voice_cloning: bool
    white_label: bool
    commission_percent: Decimal  # of the order total
    commission_per_order: Decimal  # flat amount per order
    price_setting: str

    @property
    def stripe_price_id(self) -> str:
        return getattr(settings, self.price_setting, "")


PLANS: dict[str, Plan] = {
    PlanCode.STARTER: Plan(
        code=PlanCode.STARTER,
        monthly_price=Decimal("129"),
        max_concurrent_calls=1,
        realtime_voice=False,
        upsell=False,
        voice_cloning=False,
        white_label=False,
        commission_percent=Decimal("10"),
        commission_per_order=Decimal("0"),
        price_setting="STRIPE_PRICE_STARTER",
    ),
    PlanCode.PRO: Plan(
        code=PlanCode.PRO,
        monthly_price=Decimal("329"),
        max_concurrent_calls=6,
        realtime_voice=True,
        upsell=True,
        voice_cloning=False,
        white_label=False,
        commission_percent=Decimal("0"),
        commission_per_order=Decimal("1.00"),
        price_setting="STRIPE_PRICE_PRO",
    ),
    PlanCode.BUSINESS: Plan(
        code=PlanCode.BUSINESS,
        monthly_price=None,
        max_concurrent_calls=20,
        realtime_voice=True,
        upsell=True,
        voice_cloning=True,
        white_label=True,
        commission_percent=Decimal("0"),
        commission_per_order=Decimal("0.90"),
        price_setting="STRIPE_PRICE_BUSINESS",
    ),
}


def get_plan(code: str) -> Plan:
    try:
        return PLANS[code]
    except KeyError:
        raise ValueError(f"Unknown plan {code!r}; plans are {', '.join(PLANS)}.") from None


def max_concurrent_calls(subscription) -> int:  # noqa: ANN001 - billing.models.Subscription
    """Calls a store's subscription may have on the line at once (Business: as agreed)."""
    plan = get_plan(subscription.plan)
    if subscription.custom_max_concurrent_calls:
        return subscription.custom_max_concurrent_calls
    return plan.max_concurrent_calls


def plan_for_price(price_id: str | None) -> str | None:
    """The plan sold at a Stripe price id (None: not one of ours)."""
    if not price_id:
        return None
    for code, plan in PLANS.items():
        if plan.stripe_price_id and plan.stripe_price_id == price_id:
            return code
    return None
