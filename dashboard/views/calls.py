"""The calls pages: the list (filters, pagination) and one call's detail (the conversation,
the analysis and what it produced, suggestions to accept, recording, cost, per-turn latency)."""

from __future__ import annotations

from statistics import median
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ai import suggestions as suggestion_service
from ai.models import AIConversationSession, AnalysisSuggestion
from dashboard.pages import PAGE_SIZE, day_range, owned, query_without_page, scoped_stores
from kalliky.errors import AppError
from stores.access import stores_for
from stores.models import CustomerExchange
from telephony import selectors
from telephony.models import Call

SENTIMENT_BADGES = {
    Call.Sentiment.POSITIVE: "bg-emerald-50 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
    Call.Sentiment.NEUTRAL: "bg-slate-100 text-slate-700 dark:bg-slate-700 dark:text-slate-200",
    Call.Sentiment.NEGATIVE: "bg-red-50 text-red-700 dark:bg-red-900 dark:text-red-100",
}
def filtered_calls(request: HttpRequest, store_ids: list[int]) -> QuerySet[Call]:
    """Calls of the page's stores narrowed by the query string (shared with the CSV export)."""
    qs = Call.objects.filter(store_id__in=store_ids)
    status, sentiment = request.GET.get("status", ""), request.GET.get("sentiment", "")
    if status in Call.Status.values:
        qs = qs.filter(status=status)
    if sentiment in Call.Sentiment.values:
        qs = qs.filter(sentiment=sentiment)
    start, end = day_range(request)
    if start:
        qs = qs.filter(started_at__gte=start)
    if end:
        qs = qs.filter(started_at__lt=end)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(from_number__icontains=q) | Q(customer__name__icontains=q))
    return qs


@login_required
def calls_page(request: HttpRequest) -> HttpResponse:
    store_ids, current_store_id = scoped_stores(request)
    qs = filtered_calls(request, store_ids).select_related("customer", "store").order_by("-started_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    calls = list(page)
    # One query for the page's outcomes, not one per row.
    with_orders = selectors.calls_with_orders([c.pk for c in calls])
    rows = [(c, c.pk in with_orders, SENTIMENT_BADGES.get(c.sentiment, "")) for c in calls]
    return render(
        request,
        "telephony/calls.html",
        {
            "page": page,
            "export_kind": "calls",
            "rows": rows,
            "statuses": Call.Status.choices,
            "sentiments": Call.Sentiment.choices,
            "current_store_id": current_store_id,
            "query": query_without_page(request),
            "filtered": any(request.GET.get(k) for k in ("status", "sentiment", "q", "from", "to")),
        },
    )


def _call_for(request: HttpRequest, call_id: int) -> Call:
    mine = Call.objects.filter(store__in=stores_for(request.user))
    return owned(mine.select_related("customer", "store", "phone_number"), call_id, "Call")


def conversation_of(call: Call, session: AIConversationSession | None) -> list[dict[str, Any]]:
    """The exchange as bubbles: the assistant's own record when there is one, else the stored
    transcript's "Speaker: text" lines (a recording transcribed after the call)."""
    if session and session.messages:
        return [
            {"role": m["role"], "text": m["content"]}
            for m in session.messages
            if m.get("role") in ("user", "assistant") and m.get("content")
        ]
    turns = []
    for line in call.transcript.splitlines():
        speaker, sep, text = line.partition(": ")
        if not sep:
            speaker, text = "", line
        role = "assistant" if speaker.lower() in ("assistant", "assistante", "agent") else "user"
        if text.strip():
            turns.append({"role": role, "text": text.strip()})
    return turns


@login_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call_for(request, call_id)
    session = AIConversationSession.objects.filter(pk=call.conversation_id).first()
    raw_latencies = session.turn_latencies_ms if session else []
    latencies = [float(x) for x in raw_latencies if isinstance(x, int | float)]
    return render(
        request,
        "telephony/call_detail.html",
        {
            "call": call,
            "current_store_id": call.store_id,
            "conversation": conversation_of(call, session),
            "session": session,
            "latencies": latencies,
            "voice_turns": session.voice_turns if session else [],
            "voice_stats": session.voice_stats if session else {},
            "latency_median": round(median(latencies)) if latencies else None,
            "orders": list(selectors.orders_of_call(call)),
            "reservations": list(selectors.reservations_of_call(call)),
            "service_bookings": list(selectors.service_bookings_of_call(call).select_related("service")),
            "complaints": list(
                selectors.exchanges_of_call(call).filter(type=CustomerExchange.Type.COMPLAINT)
            ),
            "suggestions": list(selectors.suggestions_of_call(call).order_by("kind", "position")),
            "sentiment_badge": SENTIMENT_BADGES.get(call.sentiment, ""),
            "analysis_error": (call.analysis or {}).get("error", ""),
        },
    )


@login_required
@require_POST
def suggestion_decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Accept ("make it real") or dismiss a suggestion from the call page."""
    found = (
        AnalysisSuggestion.objects.filter(pk=suggestion_id, store__in=stores_for(request.user))
        .only("pk", "conversation_id")
        .first()
    )
    if found is None:
        raise Http404("Suggestion not found.")
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            done = suggestion_service.accept(found.pk, user=request.user)
            messages.success(
                request, _("Done: the suggestion is now real (%(ref)s).") % {"ref": done.created_ref}
            )
        elif decision == "dismiss":
            suggestion_service.dismiss(found.pk, user=request.user)
            messages.success(request, _("Suggestion dismissed."))
        else:
            messages.error(request, _("Choose accept or dismiss."))
    except AppError as exc:
        messages.error(request, exc.detail)
    call_id = selectors.call_id_of_conversation(found.conversation_id)
    return redirect(reverse("telephony:call_detail", args=[call_id]) + "#suggestions")
