"""`GET /api/stripe/commissions`: the owner's billing page — this month's orders taken by the
assistant (the page's own figure), its per-order commissions and the next invoice's estimate,
for the stores the user can see (optionally one)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from ninja.security import django_auth

from billing.commission import month_summary
from billing.models import Commission
from stores.access import stores_for

router = Router(tags=["billing"], auth=django_auth)


class CommissionOut(Schema):
    id: int
    store_id: int
    order_id: int
    plan: str
    amount: Decimal
    currency: str
    status: str
    created_at: str


class UsageOut(Schema):
    month: str = Field(
        description="The month's first day (ISO). The month runs on the billing page's clock: the "
        "store's time zone for one store, else the platform's."
    )
    orders: int = Field(
        description="Orders taken by the assistant this month so far: from a call, not cancelled, not "
        "placed while testing the assistant. The figure the billing page and the dashboard show. "
        "(It used to count commission records: that count is now `commissioned_orders`.)"
    )
    commissioned_orders: int = Field(
        description="Commission records created this month (one per order confirmed on a call; an "
        "order cancelled later keeps its record)."
    )
    commissions: Decimal = Field(description="The sum of this month's commissions.")
    subscriptions: Decimal = Field(description="The monthly price of the stores' plans.")
    next_invoice_estimate: Decimal = Field(description="`subscriptions` + `commissions`.")
    reported: int = Field(description="This month's commissions already reported to Stripe.")
    items: list[CommissionOut] = Field(
        description="The latest commissions, newest first (`limit`, at most 200)."
    )


@router.get(
    "/commissions", response=UsageOut, summary="This month's commissions and the next invoice estimate"
)
def commissions(request: HttpRequest, store_id: int | None = None, limit: int = 50) -> dict | JsonResponse:
    stores = stores_for(request.user)  # type: ignore[arg-type]
    if store_id is not None:
        stores = stores.filter(pk=store_id)
        if not stores.exists():
            return JsonResponse({"detail": "Store not found."}, status=404)
    ids = list(stores.values_list("pk", flat=True))
    summary = month_summary(ids)
    rows = Commission.objects.filter(store_id__in=ids).order_by("-created_at")[: max(1, min(limit, 200))]
    summary["items"] = [
        {
            "id": c.pk,
            "store_id": c.store_id,
            "order_id": c.order_id,
            "plan": c.plan,
            "amount": c.amount,
            "currency": c.currency,
            "status": c.status,
            "created_at": c.created_at.isoformat(),
        }
        for c in rows
    ]
    return summary
