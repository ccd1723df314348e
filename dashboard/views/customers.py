"""The customers pages: a searchable list and one customer's profile (orders, favourites,
loyalty, calls, complaints and notes), with a one-tap "call back" ticket.

A customer's standing and last contact are read from their history, in one place
(`with_history`): what they ordered and booked, and when they last called, ordered or booked.
The list, its export and its counts leave out the customers only the assistant's tests ever met
(`seen_for_real`)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce
from operator import or_

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import businesses_for
from dashboard.pages import PAGE_SIZE, owned, query_without_page, scoped_stores
from kalliky.errors import Conflict
from stores.access import stores_for
from stores.models import (
    Consultation,
    Customer,
    CustomerBehavior,
    CustomerExchange,
    Order,
    Reservation,
    ServiceBooking,
    Source,
    Store,
)
from stores.models.bookings import BookingStatus
from telephony import escalation
from telephony.models import Call, CallbackTicket

# Orders and bookings that count as visits: from 2 a customer is a regular, from 10 loyal.
REGULAR_FROM = 2
LOYAL_FROM = 10
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # "no such contact", below every real one


class STANDINGS(models.TextChoices):
    NEW = "new", gettext_lazy("New")
    REGULAR = "regular", gettext_lazy("Regular")
    LOYAL = "loyal", gettext_lazy("Loyal")
    BLOCKED = "blocked", gettext_lazy("Blocked")


def _count(queryset: QuerySet) -> Coalesce:
    rows = queryset.filter(customer=OuterRef("pk")).exclude(source=Source.TEST).order_by()
    return Coalesce(Subquery(rows.values("customer").annotate(n=Count("pk")).values("n")), 0)


def _latest(queryset: QuerySet, field: str) -> Coalesce:
    """The customer's latest `field` in `queryset`, or NEVER when there is none (Greatest is
    NULL on SQLite as soon as one of its values is)."""
    rows = queryset.filter(customer=OuterRef("pk"), **{f"{field}__isnull": False})
    latest = rows.order_by(f"-{field}").values(field)[:1]
    return Coalesce(Subquery(latest), Value(NEVER, output_field=models.DateTimeField()))


def with_history(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers with what their history says: `visit_orders` (not cancelled, not a test),
    `visit_bookings` (tables, appointments, consultations, not cancelled), `standing` (one of
    STANDINGS; a blocked customer stays blocked) and `last_contact` (their latest call, order
    or booking; else when they were first seen)."""
    bookings = [
        (Reservation.objects.exclude(status=BookingStatus.CANCELLED), "created_at"),
        (ServiceBooking.objects.exclude(status=BookingStatus.CANCELLED), "created_at"),
        (Consultation.objects.exclude(status=Consultation.Status.CANCELLED), "created_at"),
    ]
    orders = Order.objects.exclude(status=Order.Status.CANCELLED)
    qs = queryset.annotate(
        visit_orders=_count(orders),
        visit_bookings=sum((_count(qs) for qs, _field in bookings[1:]), _count(bookings[0][0])),
        last_contact=Coalesce(
            NullIf(
                Greatest(
                    _latest(Call.objects.all(), "started_at"),
                    _latest(Order.objects.exclude(source=Source.TEST), "created_at"),
                    *(_latest(qs.exclude(source=Source.TEST), field) for qs, field in bookings),
                ),
                Value(NEVER, output_field=models.DateTimeField()),
            ),
            F("first_seen"),
        ),
    )
    return qs.annotate(visits=F("visit_orders") + F("visit_bookings")).annotate(
        standing=Case(
            When(status=Customer.Status.BLOCKED, then=Value(STANDINGS.BLOCKED.value)),
            When(visits__gte=LOYAL_FROM, then=Value(STANDINGS.LOYAL.value)),
            When(visits__gte=REGULAR_FROM, then=Value(STANDINGS.REGULAR.value)),
            default=Value(STANDINGS.NEW.value),
            output_field=models.CharField(),
        )
    )


def _has(queryset: QuerySet) -> Exists:
    return Exists(queryset.filter(customer=OuterRef("pk")))


def seen_for_real() -> Q:
    """Customers to list and count: everyone but those only the assistant's tests ever met (the
    test chat, `manage.py chat`, scenarios write Source.TEST orders and bookings, and complaints
    whose content says source "test"). One real call, order, booking or exchange keeps a customer
    listed; a customer with no history at all (typed in by hand) is listed too."""
    bookings = (Reservation, ServiceBooking, Consultation)
    test_exchange = Q(content__source=Source.TEST)
    real = (
        _has(Call.objects.all())
        | _has(Order.objects.real())
        | reduce(or_, (_has(model.objects.real()) for model in bookings))
        # A JSON key's NOT is NULL where the key is missing: say "no source" in words.
        | _has(CustomerExchange.objects.filter(Q(content__source__isnull=True) | ~test_exchange))
    )
    test = (
        _has(Order.objects.tests())
        | reduce(or_, (_has(model.objects.tests()) for model in bookings))
        | _has(CustomerExchange.objects.filter(test_exchange))
    )
    return Q(real) | ~Q(test)


def standing_label(value: str) -> str:
    return str(dict(STANDINGS.choices).get(value, value))


def filtered_customers(request: HttpRequest, store_ids: list[int]) -> QuerySet[Customer]:
    """Customers of the businesses behind the page's stores (not those only tests met, see
    seen_for_real), narrowed by `?q=` and `?status=` (a standing: new, regular, loyal, blocked),
    with their history (see with_history)."""
    business_ids = Store.objects.filter(pk__in=store_ids).values("business_id")
    qs = with_history(Customer.objects.filter(seen_for_real(), business_id__in=business_ids))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(email__icontains=q))
    status = request.GET.get("status", "")
    if status in STANDINGS.values:
        qs = qs.filter(standing=status)
    return qs


@login_required
def customers_page(request: HttpRequest) -> HttpResponse:
    store_ids, current_store_id = scoped_stores(request)
    qs = filtered_customers(request, store_ids).select_related("behavior").order_by("-last_contact", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for customer in page:
        customer.standing_label = standing_label(customer.standing)
    return render(
        request,
        "dashboard/customers.html",
        {
            "page": page,
            "export_kind": "customers",
            "statuses": STANDINGS.choices,
            "current_store_id": current_store_id,
            "query": query_without_page(request),
            "filtered": bool(request.GET.get("q") or request.GET.get("status")),
        },
    )


def _customer_for(request: HttpRequest, customer_id: int) -> Customer:
    customers = with_history(Customer.objects.filter(business__in=businesses_for(request.user)))
    return owned(customers, customer_id, "Customer")


def home_store_id(customer: Customer, stores: QuerySet[Store]) -> int | None:
    """The customer's own store among `stores`: where they last called or ordered."""
    call = (
        Call.objects.filter(customer=customer, store__in=stores, started_at__isnull=False)
        .order_by("-started_at")
        .values_list("started_at", "store_id")
        .first()
    )
    order = (
        Order.objects.filter(customer=customer, store__in=stores)
        .exclude(source=Source.TEST)
        .order_by("-created_at")
        .values_list("created_at", "store_id")
        .first()
    )
    latest = max((found for found in (call, order) if found), default=None, key=lambda found: found[0])
    return latest[1] if latest else None


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
            "standing": standing_label(customer.standing),
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
            "home_store_id": home_store_id(customer, stores),
        },
    )


@login_required
@require_POST
def customer_callback(request: HttpRequest, customer_id: int) -> HttpResponse:
    """One tap: a call-back ticket for this customer at the chosen store (else their own store:
    where they last called or ordered; else the only one)."""
    customer = _customer_for(request, customer_id)
    stores = stores_for(request.user).filter(business_id=customer.business_id)
    raw = request.POST.get("store_id", "")
    if raw:
        store = stores.filter(pk=int(raw)).first() if raw.isdigit() else None
    else:
        home = home_store_id(customer, stores)
        store = stores.filter(pk=home).first() if home else (stores.first() if stores.count() == 1 else None)
    if store is None:
        messages.error(request, _("Choose the store that should call this customer back."))
    else:
        reason = request.POST.get("reason", "")[:200] or _("Call back from the dashboard")
        try:
            escalation.callback_open(store=store, customer=customer, reason=reason)
        except Conflict as exc:
            messages.warning(request, exc.detail)
        else:
            messages.success(request, _("Call-back ticket created for %(who)s.") % {"who": customer})
    return redirect(reverse("dashboard:customer_detail", args=[customer.pk]))
