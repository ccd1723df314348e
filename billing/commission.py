"""Usage billing: one Commission per confirmed order taken on a call, reported to Stripe as a
billing meter event.

Exactly once, by two locks: the row is unique per order (created in the order's transaction),
and the meter event's `identifier` is the commission's own (Stripe refuses a second event with
the same identifier, which we then count as reported). A task that runs twice, or a retry after
a lost reply, therefore never bills twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from billing import gateway
from billing.models import Commission, Subscription
from billing.plans import PlanCode, get_plan
from stores.models import Source, Store
from stores.models.store import zone_named
from stores.selectors import assistant_orders, month_so_far

log = logging.getLogger(__name__)
CENT = Decimal("0.01")


def amount_for(plan_code: str, order_total: Decimal) -> Decimal:
    """Starter: a percentage of the order; Pro and Business: a flat amount per order."""
    plan = get_plan(plan_code)
    percent = (order_total * plan.commission_percent / Decimal("100")).quantize(CENT, ROUND_HALF_UP)
    return percent + plan.commission_per_order


def on_order_placed(sender: type, order: Any, **kwargs: Any) -> None:
    """`order_placed` (subscribed in BillingConfig.ready): the order is confirmed and committed."""
    with transaction.atomic():
        record(order)


def record(order: Any) -> Commission | None:
    """The order's commission, once per order (its row is unique per order, so a second call or
    a replayed event records nothing new), reported after commit. Orders not taken on a call
    (manual, the owner's tests) carry none."""
    if order.source != Source.CALL:
        return None
    sub = Subscription.objects.filter(store_id=order.store_id).only("plan").first()
    plan = sub.plan if sub is not None else PlanCode.STARTER
    commission, created = Commission.objects.get_or_create(
        order=order,
        defaults={
            "store_id": order.store_id,
            "business_id": order.store.business_id,
            "plan": plan,
            "amount": amount_for(plan, order.total),
            "currency": order.store.currency or "EUR",
            "meter_event_identifier": f"kalliky-commission-order-{order.pk}",
        },
    )
    if created:
        # billing.tasks imports this module (its report_commission task runs report()): a real cycle
        from billing.tasks import report_commission

        pk = commission.pk
        transaction.on_commit(lambda: report_commission.delay(pk))
    return commission


def report(commission_id: int) -> str:
    """Send one commission to Stripe. Returns the outcome; raises on a transient error (the
    task retries)."""
    commission = Commission.objects.select_related("store").filter(pk=commission_id).first()
    if commission is None:
        return "gone"
    if commission.status in (Commission.Status.REPORTED, Commission.Status.WAIVED):
        return str(commission.status)
    sub = Subscription.objects.filter(store_id=commission.store_id).first()
    if not gateway.configured() or sub is None or not sub.stripe_customer_id:
        Commission.objects.filter(pk=commission.pk).update(
            last_error="Not reported: billing is not configured for this store (trial)."
        )
        return "pending"
    try:
        sent = gateway.meter_event_send(
            event_name=settings.STRIPE_COMMISSION_METER,
            identifier=commission.meter_event_identifier,
            customer=sub.stripe_customer_id,
            # The meter sums cents: a whole number.
            value=int((commission.amount * 100).to_integral_value(ROUND_HALF_UP)),
            timestamp=int(commission.created_at.timestamp()),
        )
    except gateway.GatewayError as exc:
        if exc.retryable:
            raise  # the task retries with backoff
        Commission.objects.filter(pk=commission.pk).update(
            status=Commission.Status.FAILED, last_error=str(exc)[:2000]
        )
        return "failed"
    if not sent:
        log.info("commission %s was already reported", commission.pk)
    _mark_reported(commission)
    return "reported"


def _mark_reported(commission: Commission) -> None:
    Commission.objects.filter(pk=commission.pk).update(
        status=Commission.Status.REPORTED, reported_at=timezone.now(), last_error=""
    )


def month_summary(store_ids: list[int], now: datetime | None = None) -> dict[str, Any]:
    """This month so far (on the billing page's clock: the store's for one store, else the
    platform's): the orders the assistant took (stores.selectors.assistant_orders, the figure the
    billing page and the dashboard show), the commissions charged for them and the next invoice's
    estimate (subscriptions + commissions)."""
    zones = set(Store.objects.filter(pk__in=store_ids).values_list("timezone", flat=True)[:2])
    tz = zone_named(zones.pop() if len(store_ids) == 1 and zones else None)
    start, end = month_so_far(tz, now)
    rows = Commission.objects.filter(store_id__in=store_ids, created_at__gte=start, created_at__lt=end)
    totals = rows.aggregate(n=Count("id"), amount=Sum("amount"))
    amount = totals["amount"] or Decimal("0")
    subscriptions = Subscription.objects.filter(store_id__in=store_ids)
    fees = sum((s.plan_info.monthly_price or Decimal("0") for s in subscriptions), Decimal("0"))
    return {
        "month": start.date().isoformat(),
        "orders": assistant_orders(store_ids, start, end).count(),
        "commissioned_orders": totals["n"] or 0,
        "commissions": amount,
        "subscriptions": fees,
        "next_invoice_estimate": amount + fees,
        "reported": rows.filter(status=Commission.Status.REPORTED).count(),
    }
