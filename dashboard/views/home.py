"""Dashboard pages (thin: tenant-scoped selectors, then render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import managed_business_ids
from dashboard import metrics
from dashboard.consumers import BOARD_STATUSES, ticket_card
from dashboard.pages import (
    PAGE_SIZE,
    day_range,
    is_fetch,
    next_url,
    owned,
    query_without_page,
    scoped_stores,
)
from dashboard.views.onboarding import unfinished_for
from kalliky.errors import AppError
from stores.access import access_store, stores_for
from stores.models import Order, PreparationTicket, Source, Store
from stores.models.store import zone_named
from stores.selectors import HolidayAhead, holidays_undecided_for
from stores.services.orders import order_set_status, ticket_set_status
from telephony import selectors as call_selectors
from telephony.selectors import store_cards_for

BOARD_LIMIT = 200  # a kitchen never has more open tickets than this; older ones stay in the list


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cards = store_cards_for(request.user)
    current_store_id = None
    chosen = request.GET.get("store", "")
    if chosen:
        # The store switch narrows the page to one store; someone else's id is a 404 like any other.
        cards = [card for card in cards if str(card.store.pk) == chosen]
        if not cards:
            raise Http404("Store not found.")
        current_store_id = cards[0].store.pk
    context: dict = {"cards": cards, "current_store_id": current_store_id}
    if cards:
        # One store: its own days and currency; all stores: the platform's time zone.
        tz = zone_named(cards[0].store.timezone if len(cards) == 1 else None)
        period = metrics.parse_period(
            request.GET.get("period", metrics.DEFAULT_PERIOD),
            request.GET.get("start", ""),
            request.GET.get("end", ""),
            tz,
        )
        context["board"] = metrics.build(
            [card.store.pk for card in cards], period, tz, currency=cards[0].store.currency
        )
        context["periods"] = metrics.PERIODS
        context["unfinished"] = unfinished_for(request.user)
        context["holiday_nudges"] = _holiday_nudges(request, [card.store for card in cards])
    return render(request, "dashboard/home.html", context)


def _holiday_nudges(request: HttpRequest, stores: list[Store]) -> list[tuple[Store, list[HolidayAhead]]]:
    """Public holidays of the next weeks the owner has not decided about, per store they manage:
    until they answer, the assistant can only say it will check. Three queries for all stores."""
    managed = managed_business_ids(request.user)
    mine = [store for store in stores if store.business_id in managed]
    pending = holidays_undecided_for(mine)
    return [(store, pending[store.pk]) for store in mine if store.pk in pending]


# --- orders -------------------------------------------------------------------------------------

ORDER_BADGES = {
    Order.Status.PENDING: "bg-indigo-50 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100",
    Order.Status.CONFIRMED: "bg-sky-50 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
    Order.Status.PREPARING: "bg-amber-50 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
    Order.Status.READY: "bg-emerald-50 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
    Order.Status.COMPLETED: "bg-slate-100 text-slate-700 dark:bg-slate-700 dark:text-slate-200",
    Order.Status.CANCELLED: "bg-red-50 text-red-700 dark:bg-red-900 dark:text-red-100",
}


def shows_tests(request: HttpRequest) -> bool:
    """The lists' "Show tests" box: orders and bookings made while testing the assistant."""
    return request.GET.get("tests") == "1"


def filtered_orders(
    request: HttpRequest, store_ids: list[int], tz_name: str | None = None
) -> QuerySet[Order]:
    """Orders of the page's stores narrowed by the query string (shared with the CSV export)."""
    qs = Order.objects.filter(store_id__in=store_ids)
    status, source, q = request.GET.get("status", ""), request.GET.get("source", ""), request.GET.get("q", "")
    if status in Order.Status.values:
        qs = qs.filter(status=status)
    if source in Source.values:
        qs = qs.filter(source=source)
    elif source != "all" and not shows_tests(request):
        qs = qs.real()  # assistant tests are not business unless asked for
    start, end = day_range(request, tz_name)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lt=end)
    q = q.strip()
    if q:
        match = Q(customer__phone__icontains=q) | Q(customer__name__icontains=q)
        if q.lstrip("#").isdigit():
            match |= Q(number=int(q.lstrip("#")))
        qs = qs.filter(match)
    return qs


@login_required
def orders_page(request: HttpRequest) -> HttpResponse:
    store_ids, current_store_id = scoped_stores(request)
    qs = (
        filtered_orders(request, store_ids).select_related("customer", "store").order_by("-created_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/orders.html",
        {
            "page": page,
            "export_kind": "orders",
            "rows": [(o, ORDER_BADGES[Order.Status(o.status)], _next_statuses(o)) for o in page],
            "statuses": Order.Status.choices,
            "sources": Source.choices,
            "current_store_id": current_store_id,
            "query": query_without_page(request),
            "filtered": any(request.GET.get(k) for k in ("status", "source", "q", "from", "to", "tests")),
            "show_tests": shows_tests(request),
        },
    )


def _next_statuses(order: Order) -> list[tuple[str, str]]:
    return [(s, Order.Status(s).label) for s in Order.TRANSITIONS.get(order.status, ())]


def _order_for(request: HttpRequest, order_id: int) -> Order:
    mine = Order.objects.filter(store__in=stores_for(request.user))
    return owned(mine.select_related("customer", "store"), order_id, "Order")


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_for(request, order_id)
    return render(
        request,
        "dashboard/order_detail.html",
        {
            "order": order,
            "items": list(order.items.all()),
            "badge": ORDER_BADGES[Order.Status(order.status)],
            "next_statuses": _next_statuses(order),
            "current_store_id": order.store_id,
            "call_id": call_selectors.call_id_of(order),
        },
    )


@login_required
@require_POST
def order_status(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_for(request, order_id)
    status = request.POST.get("status", "")
    default = reverse("dashboard:order_detail", args=[order.pk])
    if status not in Order.Status.values:
        error = _("Choose the order's new status.")
    else:
        try:
            order = order_set_status(order=order, status=status)
        except AppError as exc:
            error = exc.detail
        else:
            error = ""
    if is_fetch(request):
        if error:
            return JsonResponse({"detail": error}, status=409)
        return JsonResponse({"status": order.status, "label": order.get_status_display()})
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("Order #%(number)s is now %(status)s.")
            % {"number": order.number, "status": order.get_status_display().lower()},
        )
    return redirect(next_url(request, default))


# --- kitchen board ------------------------------------------------------------------------------


@login_required
def kitchen_board(request: HttpRequest, store_id: int) -> HttpResponse:
    store = access_store(request.user, store_id)
    tickets = list(
        PreparationTicket.objects.real()
        .filter(store=store, status__in=BOARD_STATUSES)
        .select_related("order", "order__customer")
        .order_by("-priority", "created_at")[:BOARD_LIMIT]
    )
    columns = [
        (status, PreparationTicket.Status(status).label, [t for t in tickets if t.status == status])
        for status in BOARD_STATUSES
    ]
    return render(
        request,
        "dashboard/kitchen.html",
        {
            "store": store,
            "columns": columns,
            "current_store_id": store.pk,
            "ws_path": f"/ws/stores/{store.pk}/kitchen/",
            "board_strings": {
                "live": pgettext("kitchen board connection", "Live"),
                "reconnecting": _("Reconnecting…"),
                "refused": _("You no longer have access to this board. Reload the page."),
                # "%s" is the number of minutes since the order was placed.
                "waited": _("%s min waiting"),
                "mute": _("Mute sound"),
                "unmute": _("Turn sound on"),
                "fullscreen": _("Full screen"),
                "exit_fullscreen": _("Leave full screen"),
            },
        },
    )


def _ticket_for(request: HttpRequest, ticket_id: int) -> PreparationTicket:
    mine = PreparationTicket.objects.filter(store__in=stores_for(request.user))
    return owned(mine.select_related("order", "order__customer", "store"), ticket_id, "Ticket")


@login_required
@require_POST
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket_for(request, ticket_id)
    status = request.POST.get("status", "")
    error = ""
    if status not in PreparationTicket.Status.values:
        error = _("Choose the ticket's new status.")
    else:
        try:
            ticket = ticket_set_status(ticket=ticket, status=status)
        except AppError as exc:
            error = exc.detail
    if is_fetch(request):
        if error:
            return JsonResponse({"detail": error}, status=409)
        # The socket tells every board; this answer lets the clicking one move the card at once.
        return JsonResponse(
            {"type": "ticket", **ticket_card(ticket.store_id, ticket.order_id, get_language() or "fr")}
        )
    if error:
        messages.error(request, error)
    return redirect(next_url(request, reverse("dashboard:kitchen", args=[ticket.store_id])))


@login_required
def ticket_print(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket_for(request, ticket_id)
    return render(request, "dashboard/ticket_print.html", {"ticket": ticket, "order": ticket.order})
