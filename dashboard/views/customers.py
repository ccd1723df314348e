"""The customers pages: a searchable list and one customer's profile (orders, favourites,
loyalty, calls, complaints and notes), with a one-tap "call back" ticket."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import businesses_for
from dashboard.pages import PAGE_SIZE, owned, query_without_page, scoped_stores
from kalliky.errors import Conflict
from stores.access import stores_for
from stores.models import Customer, CustomerBehavior, Order, Store
from telephony import escalation
from telephony.models import Call, CallbackTicket


def filtered_customers(request: HttpRequest, store_ids: list[int]) -> QuerySet[Customer]:
    """Customers of the businesses behind the page's stores, narrowed by `?q=` and `?status=`."""
    business_ids = Store.objects.filter(pk__in=store_ids).values("business_id")
    qs = Customer.objects.filter(business_id__in=business_ids)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(email__icontains=q))
    status = request.GET.get("status", "")
    if status in Customer.Status.values:
        qs = qs.filter(status=status)
    return qs


@login_required
def customers_page(request: HttpRequest) -> HttpResponse:
    store_ids, current_store_id = scoped_stores(request)
    qs = filtered_customers(request, store_ids).select_related("behavior").order_by("-last_seen", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/customers.html",
        {
            "page": page,
            "export_kind": "customers",
            "statuses": Customer.Status.choices,
            "current_store_id": current_store_id,
            "query": query_without_page(request),
            "filtered": bool(request.GET.get("q") or request.GET.get("status")),
        },
    )


def _customer_for(request: HttpRequest, customer_id: int) -> Customer:
    return owned(Customer.objects.filter(business__in=businesses_for(request.user)), customer_id, "Customer")


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_for(request, customer_id)
    behavior = CustomerBehavior.objects.filter(customer=customer).first()
    stores = stores_for(request.user).filter(business_id=customer.business_id)
    return render(
        request,
        "dashboard/customer_detail.html",
        {
            "customer": customer,
            "behavior": behavior,
            "orders": list(
                Order.objects.filter(customer=customer, store__in=stores)
                .select_related("store")
                .order_by("-created_at")[:20]
            ),
            "calls": list(
                Call.objects.filter(customer=customer, store__in=stores).order_by("-started_at")[:20]
            ),
            "exchanges": list(customer.exchanges.order_by("-created_at")[:30]),
            "callbacks": list(CallbackTicket.objects.filter(customer=customer).order_by("-created_at")[:5]),
            "stores": list(stores.order_by("name")),
        },
    )


@login_required
@require_POST
def customer_callback(request: HttpRequest, customer_id: int) -> HttpResponse:
    """One tap: a call-back ticket for this customer at the chosen store (or the only one)."""
    customer = _customer_for(request, customer_id)
    stores = stores_for(request.user).filter(business_id=customer.business_id)
    raw = request.POST.get("store_id", "")
    store = stores.filter(pk=int(raw)).first() if raw.isdigit() else None
    if store is None:
        store = stores.order_by("name").first() if stores.count() == 1 else None
    if store is None:
        messages.error(request, _("Choose the store that should call this customer back."))
    else:
        reason = request.POST.get("reason", "")[:200] or _("Call back from the dashboard")
        try:
            escalation.callback_open(store=store, customer=customer, reason=reason)
        except Conflict as exc:
            messages.info(request, exc.detail)
        else:
            messages.success(request, _("Call-back ticket created for %(who)s.") % {"who": customer})
    return redirect(reverse("dashboard:customer_detail", args=[customer.pk]))
