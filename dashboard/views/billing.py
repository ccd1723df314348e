"""Billing pages: the public signup, the pages Stripe sends the payer back to, and the owner's
billing page (plan, status, cards, this month's commissions, the next invoice)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import managed_business_ids
from billing import gateway, signup
from billing.models import Commission, Subscription
from billing.plans import PLANS
from dashboard import metrics
from dashboard.forms.billing import PlanForm, SignupForm
from kalliky.errors import AppError, ValidationFailed
from stores.access import access_store, stores_for
from stores.models.store import zone_named
from stores.selectors import assistant_orders

log = logging.getLogger(__name__)
TOKEN_KEY = "kalliky_signup_token"
PENDING_KEY = "kalliky_signup_pending"  # a signed-in owner's checkout
ZERO = Decimal("0")
# No invoice comes after these.
ENDED = (Subscription.Status.CANCELED, Subscription.Status.INCOMPLETE_EXPIRED)


def signup_page(request: HttpRequest) -> HttpResponse:
    """Every way to start: a new person opens an account with their first store and plan; a
    signed-in person without a store opens their first one here; then the setup wizard."""
    if request.user.is_authenticated:
        return _first_store_page(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = signup.signup_start(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"],
                phone=data["phone"],
                business_name=data["business_name"],
                business_type=data["business_type"],
                store=_store_data(data),
                plan=data["plan"],
                language=(request.LANGUAGE_CODE or "fr")[:2],
            )
        except ValidationFailed as exc:
            form.add_error(SignupForm.API_FIELDS.get(exc.field or ""), exc.detail)
        except AppError as exc:
            form.add_error(None, exc.detail)
        else:
            request.session[TOKEN_KEY] = started.signup_token
            if started.provider == "trial":
                # Same host as this page: a PUBLIC_BASE_URL set for another address must not
                # send a new owner away.
                return redirect("billing:signup_success")
            return redirect(started.checkout_url)
    return _signup_form(request, form)


def _store_data(data: dict) -> dict:
    return {
        "name": data["store_name"],
        "address": data["store_address"],
        "has_products": data["has_products"],
        "has_reservations": data["has_reservations"],
        "has_consultations": data["has_consultations"],
    }


def _signup_form(request: HttpRequest, form: SignupForm) -> HttpResponse:
    context = {
        "form": form,
        "plans": PLANS.values(),
        "billing_configured": gateway.configured(),
        "new_account": "email" in form.fields,
        "new_business": "business_name" in form.fields,
    }
    return render(request, "billing/signup.html", context, status=422 if form.errors else 200)


def _first_store_page(request: HttpRequest) -> HttpResponse:
    if stores_for(request.user).exists():
        # Already set up (or setting up): the wizard of an unfinished store, else the dashboard.
        return redirect("dashboard:onboarding_start")
    has_business = bool(managed_business_ids(request.user))
    form = SignupForm(request.POST or None, signed_in=True, has_business=has_business)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = signup.first_store_start(
                user=request.user,
                plan=data["plan"],
                store_data=_store_data(data),
                business_name=data.get("business_name", ""),
                business_type=data.get("business_type", ""),
            )
        except ValidationFailed as exc:
            form.add_error(SignupForm.API_FIELDS.get(exc.field or ""), exc.detail)
        except AppError as exc:
            form.add_error(None, exc.detail)
        else:
            if started.provider == "trial":
                return redirect("dashboard:onboarding", store_id=started.store_id)
            request.session[PENDING_KEY] = started.signup_id
            return redirect(started.checkout_url)
    return _signup_form(request, form)


def signup_success(request: HttpRequest) -> HttpResponse:
    """Where Stripe sends the payer back. The account exists once the webhook is processed —
    usually before the browser arrives, else this page waits and reloads itself."""
    token = request.session.get(TOKEN_KEY, "")
    state = signup.signup_state(token)
    if state == "ready":
        try:
            user = signup.consume_login_token(token)
        except AppError as exc:
            return render(
                request, "billing/signup_done.html", {"problem": exc.detail}, status=exc.status_code
            )
        request.session.pop(TOKEN_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Welcome to Kalliky! Your assistant's phone number is being set up; "
                "add your catalog meanwhile."
            ),
        )
        return redirect("dashboard:onboarding_start")
    if state == "pending":
        return render(request, "billing/signup_pending.html", {"refresh_seconds": 2})
    if request.user.is_authenticated:
        pending_id = request.session.get(PENDING_KEY)
        if isinstance(pending_id, int):
            # A signed-in owner's first store: the wizard once the webhook has created it.
            owner_state, store_id = signup.owner_checkout_state(pending_id, request.user)
            if owner_state == "pending":
                return render(request, "billing/signup_pending.html", {"refresh_seconds": 2})
            request.session.pop(PENDING_KEY, None)
            if owner_state == "ready" and store_id is not None:
                return redirect("dashboard:onboarding", store_id=store_id)
        return redirect("dashboard:home")
    return render(request, "billing/signup_done.html", {"problem": ""})


def signup_cancelled(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/signup_cancelled.html")


def paid(request: HttpRequest) -> HttpResponse:
    """Where a caller lands after paying (or leaving) a payment link."""
    return render(request, "billing/paid.html", {"cancelled": bool(request.GET.get("cancelled"))})


@login_required
def billing_page(request: HttpRequest) -> HttpResponse:
    managed = managed_business_ids(request.user)
    stores = list(
        stores_for(request.user)
        .filter(business_id__in=managed)
        .select_related("subscription")
        .order_by("name", "pk")
    )
    chosen = request.GET.get("store", "")
    if chosen:
        stores = [s for s in stores if str(s.pk) == chosen] or stores
    rows = []
    for store in stores:
        sub = getattr(store, "subscription", None)
        rows.append(
            {
                "store": store,
                "subscription": sub,
                "plan": sub.plan_info if sub else None,
                "billing_configured": bool(sub and sub.stripe_subscription_id),
                "form": PlanForm(initial={"store_id": store.pk, "plan": sub.plan if sub else "STARTER"}),
            }
        )
    ids = [s.pk for s in stores]
    # The dashboard's clock: the store's when there is one, else the platform's.
    tz = zone_named(stores[0].timezone if len(stores) == 1 else None)
    month = metrics.parse_period("month", "", "", tz)
    commissions = dict(
        Commission.objects.filter(store_id__in=ids, created_at__gte=month.start, created_at__lt=month.end)
        .order_by()
        .values_list("store_id")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        row["next_invoice"] = next_invoice(row["subscription"], commissions.get(row["store"].pk) or ZERO)
    coming = [row["next_invoice"] for row in rows if row["next_invoice"] is not None]
    recent = (
        Commission.objects.filter(store_id__in=ids)
        .select_related("store", "order")
        .order_by("-created_at")[:20]
    )
    context = {
        "rows": rows,
        "month": month,
        # The one definition the dashboard and the billing API count, over the same month and clock.
        "assistant_orders": assistant_orders(ids, month.start, month.end).count(),
        "commissions": sum(commissions.values(), ZERO),
        "fees": sum((row["plan"].monthly_price or ZERO for row in rows if row["plan"]), ZERO),
        "next": next_invoices(coming, tz),
        "any_trial": any(bill.trial for bill in coming),
        "recent": recent,
        "cards": _cards(ids),
        "billing_configured": gateway.configured(),
        "plans": PLANS.values(),
    }
    return render(request, "billing/home.html", context)


@dataclass(frozen=True)
class NextInvoice:
    """A store's next invoice: when, and how much. During a trial nothing is charged: the first
    invoice comes when the trial ends, for the plan's month (the trial's commissions are free)."""

    date: datetime | None
    amount: Decimal | None  # None: a price agreed with sales
    trial: bool


def next_invoice(sub: Subscription | None, commissions: Decimal) -> NextInvoice | None:
    if sub is None or sub.status in ENDED or sub.cancel_at_period_end:
        return None
    price = sub.plan_info.monthly_price
    if sub.status == Subscription.Status.TRIALING:
        ends = sub.current_period_end or sub.created_at + timedelta(days=settings.BILLING_TRIAL_DAYS)
        return NextInvoice(date=ends, amount=price, trial=True)
    return NextInvoice(
        date=sub.current_period_end, amount=None if price is None else price + commissions, trial=False
    )


def next_invoices(bills: list[NextInvoice], tz: ZoneInfo) -> NextInvoice | None:
    """The first invoice day's total: every store invoiced that day (same clock as the page)."""
    dated = [bill for bill in bills if bill.date is not None]
    if not dated:
        return bills[0] if bills else None
    day = min(bill.date.astimezone(tz).date() for bill in dated)
    same_day = [bill for bill in dated if bill.date.astimezone(tz).date() == day]
    amounts = [bill.amount for bill in same_day]
    return NextInvoice(
        date=min(bill.date for bill in same_day),
        amount=None if None in amounts else sum(amounts, ZERO),
        trial=any(bill.trial for bill in same_day),
    )


def _cards(store_ids: list[int]) -> list[dict]:
    if not gateway.configured():
        return []
    customers = set(
        Subscription.objects.filter(store_id__in=store_ids)
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
    )
    cards = []
    for customer in sorted(customers):
        try:
            found = gateway.cards(customer)
        except gateway.GatewayError:
            log.warning("could not list the cards of %s", customer)
            continue
        cards += [{"brand": c.label, "last4": c.last4, "exp": c.expiry} for c in found]
    return cards


@login_required
@require_POST
def plan_change(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the plans."))
        return redirect("billing:home")
    store = access_store(request.user, form.cleaned_data["store_id"], manage=True)
    plan = form.cleaned_data["plan"]
    sub = Subscription.objects.filter(store=store).first()
    try:
        if sub is not None and sub.stripe_subscription_id and gateway.configured():
            signup.change_plan(sub, plan)
            messages.success(
                request,
                _("%(store)s is now on the %(plan)s plan.") % {"store": store.name, "plan": plan.title()},
            )
            return redirect("billing:home")
        started = signup.checkout_for_owner(
            user=request.user, business=store.business, plan=plan, store=store, store_data={}
        )
    except AppError as exc:
        messages.error(request, exc.detail)
        return redirect("billing:home")
    return redirect(started.checkout_url)


@login_required
@require_POST
def portal_open(request: HttpRequest) -> HttpResponse:
    customer = (
        Subscription.objects.filter(business_id__in=managed_business_ids(request.user))
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    if not customer or not gateway.configured():
        messages.error(request, _("There is no Stripe subscription to manage yet: choose a plan first."))
        return redirect("billing:home")
    try:
        url = gateway.portal_session_url(customer, return_url=f"{settings.PUBLIC_BASE_URL}/billing/")
    except gateway.GatewayError:
        messages.error(request, _("Stripe is not answering; try again in a minute."))
        return redirect("billing:home")
    return redirect(url)
