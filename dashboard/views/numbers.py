"""Telephony pages (thin): the numbers page and its POST actions, which call the same services
as the API (telephony.numbers). Another tenant's id is a 404; staff see numbers, owners and
managers change them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import managed_business_ids
from kalliky.errors import AppError, PermissionDenied
from kalliky.phones import to_e164
from stores.access import access_store, stores_for
from telephony import numbers
from telephony.models import PhoneNumber
from telephony.schemas import country_code

T = TypeVar("T")
PAGE_SIZE = 20
Status = PhoneNumber.Status
COUNTRY_NAMES = {
    "FR": gettext_lazy("France"),
    "US": gettext_lazy("United States"),
    "GB": gettext_lazy("United Kingdom"),
    "DE": gettext_lazy("Germany"),
    "ES": gettext_lazy("Spain"),
}
BADGES = {
    Status.PENDING: "bg-indigo-50 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100",
    Status.ACTIVE: "bg-emerald-50 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
    Status.SUSPENDED: "bg-amber-50 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
    Status.CANCELLED: "bg-slate-100 text-slate-700 dark:bg-slate-700 dark:text-slate-200",
    Status.ERROR: "bg-red-50 text-red-700 dark:bg-red-900 dark:text-red-100",
}


@dataclass(frozen=True)
class NumberRow:
    number: PhoneNumber
    label: str
    has_number: bool
    badge: str
    can_manage: bool


def _label(number: PhoneNumber) -> str:
    return number.number if numbers.has_number(number) else _("Number being chosen")


@login_required
def numbers_page(request: HttpRequest) -> HttpResponse:
    qs = numbers.numbers_for(request.user).select_related("store").order_by("-created_at", "-id")
    current_store_id = None
    chosen = request.GET.get("store", "")
    if chosen:
        # Same store switch as the home page: someone else's store is a 404.
        if not chosen.isdigit():
            raise Http404("Store not found.")
        current_store_id = access_store(request.user, int(chosen)).pk
        qs = qs.filter(store_id=current_store_id)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    managed = managed_business_ids(request.user)
    rows = [
        NumberRow(n, _label(n), numbers.has_number(n), BADGES[Status(n.status)], n.business_id in managed)
        for n in page
    ]
    buy_stores = stores_for(request.user).filter(business_id__in=managed).order_by("name", "id")
    countries = [
        (code, COUNTRY_NAMES.get(code, code), Decimal(price))
        for code, price in sorted(settings.NUMBER_PRICES.items())
    ]
    return render(
        request,
        "telephony/numbers.html",
        {
            "page": page,
            "rows": rows,
            "buy_stores": list(buy_stores.values_list("pk", "name")),
            "countries": countries,
            "default_price": settings.NUMBER_PRICE_DEFAULT,
            "any_pending": any(r.number.status == Status.PENDING for r in rows),
            "current_store_id": current_store_id,
        },
    )


@login_required
@require_POST
def number_buy(request: HttpRequest) -> HttpResponse:
    raw_store, raw_country = request.POST.get("store_id", ""), request.POST.get("country_code", "")
    try:
        country = country_code(raw_country)
    except ValueError:
        messages.error(request, _("Choose a country that has phone numbers, like FR."))
        return _back(request)
    if not raw_store.isdigit():
        messages.error(request, _("Choose the store that will answer this number."))
        return _back(request)
    store = _as_page_error(lambda: access_store(request.user, int(raw_store), manage=True))
    try:
        numbers.number_purchase(store, country, actor=request.user)
    except AppError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Buying a number for %(store)s: it shows below and becomes active within a minute or two.")
            % {"store": store.name},
        )
    return _back(request)


@login_required
@require_POST
def number_suspend(request: HttpRequest, number_id: int) -> HttpResponse:
    return _act(
        request,
        number_id,
        lambda n: numbers.suspend(n, actor=request.user),
        lambda n: _("%(number)s is suspended.") % {"number": _label(n)},
    )


@login_required
@require_POST
def number_reactivate(request: HttpRequest, number_id: int) -> HttpResponse:
    return _act(
        request,
        number_id,
        lambda n: numbers.reactivate(n, actor=request.user),
        lambda n: _("%(number)s takes calls again.") % {"number": _label(n)},
    )


@login_required
@require_POST
def number_retry(request: HttpRequest, number_id: int) -> HttpResponse:
    return _act(
        request,
        number_id,
        lambda n: numbers.retry_purchase(n, actor=request.user),
        lambda n: _("The purchase runs again; the result shows below."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def number_release(request: HttpRequest, number_id: int) -> HttpResponse:
    """GET asks for confirmation (releasing cannot be undone); POST releases."""
    if request.method == "POST":
        return _act(request, number_id, lambda n: numbers.release(n, actor=request.user), _released)
    number = _as_page_error(lambda: numbers.access_number(request.user, number_id, manage=True))
    return render(
        request,
        "telephony/number_release.html",
        {
            "number": number,
            "label": _label(number),
            "has_number": numbers.has_number(number),
            "next": _next_url(request),
        },
    )


@login_required
@require_POST
def number_forward(request: HttpRequest, number_id: int) -> HttpResponse:
    """Where the assistant transfers callers (empty: the escalation chain, then the store)."""
    raw = request.POST.get("forward_to", "").strip()
    try:
        forward_to = to_e164(raw) if raw else ""
    except ValueError:
        messages.error(request, _("Write the forwarding number like +33 6 12 34 56 78, or leave it empty."))
        return _back(request)
    return _act(
        request,
        number_id,
        lambda n: numbers.number_update(n, actor=request.user, forward_to=forward_to),
        lambda n: (
            _("%(number)s forwards to %(to)s.") % {"number": _label(n), "to": forward_to}
            if forward_to
            else _("%(number)s no longer forwards.") % {"number": _label(n)}
        ),
    )


def _released(number: PhoneNumber) -> str:
    if not numbers.has_number(number):
        return _("The purchase is cancelled.")
    return _("%(number)s is released; it is no longer billed.") % {"number": number.number}


def _act(
    request: HttpRequest,
    number_id: int,
    action: Callable[[PhoneNumber], PhoneNumber],
    done: Callable[[PhoneNumber], str],
) -> HttpResponse:
    number = _as_page_error(lambda: numbers.access_number(request.user, number_id, manage=True))
    try:
        number = action(number)
    except AppError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done(number))
    return _back(request)


def _as_page_error(fetch: Callable[[], T]) -> T:
    try:
        return fetch()
    except PermissionDenied as exc:  # a staff member: the page answers 403 like Django's own
        raise DjangoPermissionDenied(exc.detail) from None


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    numbers_url = reverse("telephony:numbers")
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    return wanted if safe and wanted.startswith(numbers_url) else numbers_url


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_next_url(request))
