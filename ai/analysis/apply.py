"""Apply an analysis to the database, under the Call row lock, idempotently.

Everything is re-read under the lock (not taken from what the analyzer saw), so a concurrent or
repeated run reconciles with what the previous one wrote:
- orders and bookings the tools created are *matched* to the analysis' findings, never duplicated;
  a finding the call did not confirm becomes an AnalysisSuggestion (unique per call, kind and
  position) for the owner to accept or dismiss;
- complaints the tools recorded are matched; the others become CustomerExchange complaints, which
  the next run then matches;
- the customer's totals and behaviour are recomputed from their orders (not incremented);
- nothing is notified from here: what the call (or this analysis) created went through the stores
  services, which publish their domain events; the call-level events (missed, summarised,
  call-back) are published by the pipeline once the analysis commits (`calls_analysed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from rapidfuzz import fuzz

from ai.analysis.base import AnalysisInput, AnalyzerOutput
from ai.analysis.events import calls_analysed
from ai.analysis.schema import AnalysedOrder, AnalysedService
from ai.context import StoreContext
from ai.matching import index_for
from ai.models import AnalysisSuggestion
from ai.nlu.text import normalize
from kalliky.bulk import update_rows
from stores.events import publish
from stores.models import Customer, Order
from stores.services.customers import anonymous_customer, complaint_record, customers_refresh_behaviour
from telephony.models import Call

if TYPE_CHECKING:
    from ai.analysis.pipeline import Rows

_TABLE = ("table",)


# --- matching ------------------------------------------------------------------------------------------
def _order_similarity(found: AnalysedOrder, order: Order) -> float:
    rows = list(order.items.all())
    if not rows:
        return 0.0
    score = 0.0
    for item in found.items:
        best = max(rows, key=lambda r: fuzz.token_set_ratio(normalize(r.name), normalize(item.name)))
        if fuzz.token_set_ratio(normalize(best.name), normalize(item.name)) >= 80:
            score += 1.0 if best.quantity == item.quantity else 0.5
    return score / max(len(found.items), len(rows))


def match_orders(found: list[AnalysedOrder], orders: list[Order]) -> tuple[dict[int, int], list[int]]:
    """finding index → order id for the matched ones; indexes of the unmatched findings."""
    matched: dict[int, int] = {}
    free = list(orders)
    for n, item in enumerate(found):
        if not free:
            break
        best = max(free, key=lambda o: _order_similarity(item, o))
        if _order_similarity(item, best) >= 0.5:
            matched[n] = best.pk
            free.remove(best)
    return matched, [n for n in range(len(found)) if n not in matched]


def _is_table(service: AnalysedService, ctx: StoreContext) -> bool:
    name = normalize(service.name)
    return any(w in name.split() for w in _TABLE) and not any(normalize(s.name) == name for s in ctx.services)


# --- what a suggestion needs to become real ------------------------------------------------------------
def _order_lines(ctx: StoreContext, found: AnalysedOrder, cart: list[dict[str, Any]]) -> dict[str, Any]:
    """Catalog ids for each line: from the cart when the finding is the cart, else by name."""
    if cart and [(c["name"], int(c["quantity"])) for c in cart] == [
        (i.name, i.quantity) for i in found.items
    ]:
        lines = [
            {"product_id": c["product_id"], "variation_ids": c["variation_ids"], "quantity": c["quantity"]}
            for c in cart
        ]
        return {"lines": lines, "unresolved": []}
    index = index_for(ctx) if ctx.has_products else None
    lines, unresolved = [], []
    for item in found.items:
        mentions = index.find(normalize(item.name).split()) if index else []
        if not mentions:
            unresolved.append(item.name)
            continue
        product = index.items[mentions[0].item_id]  # type: ignore[union-attr]
        wanted = {normalize(c) for c in item.customizations}
        variation_ids = [v.id for v in product.variations if normalize(v.value) in wanted]
        lines.append({"product_id": product.id, "variation_ids": variation_ids, "quantity": item.quantity})
    return {"lines": lines, "unresolved": unresolved}


def _service_ref(ctx: StoreContext, name: str) -> int | None:
    norm = normalize(name)
    best = max(ctx.services, key=lambda s: fuzz.ratio(normalize(s.name), norm), default=None)
    return best.id if best is not None and fuzz.ratio(normalize(best.name), norm) >= 80 else None


def _suggest(call: Call, kind: str, findings: list[dict[str, Any]], *, before: bool) -> list[int]:
    """`before`: whether an earlier analysis left suggestions on this call (else nothing to withdraw)."""
    ids: list[int] = []
    if not findings and not before:
        return ids
    for position, payload in enumerate(findings):
        row, created = AnalysisSuggestion.objects.get_or_create(
            call=call,
            kind=kind,
            position=position,
            defaults={"business_id": call.business_id, "store_id": call.store_id, "payload": payload},
        )
        if not created and row.status == AnalysisSuggestion.Status.PENDING and row.payload != payload:
            row.payload = payload
            row.save(update_fields=["payload", "updated_at"])
        ids.append(row.pk)
    # A re-run that finds fewer things withdraws the stale pending ones (decided ones stay).
    if before:
        AnalysisSuggestion.objects.filter(
            call=call, kind=kind, position__gte=len(findings), status=AnalysisSuggestion.Status.PENDING
        ).delete()
    return ids


def _complaint_customer(call: Call) -> Customer:
    if call.customer_id:
        return call.customer  # type: ignore[return-value]
    return anonymous_customer(business_id=call.business_id)


# --- the whole -----------------------------------------------------------------------------------------
_CALL_FIELDS = [
    "ai_summary",
    "sentiment",
    "satisfaction",
    "cost",
    "analysis",
    "analysis_status",
    "updated_at",
]


def apply(
    call: Call,
    data: AnalysisInput,
    out: AnalyzerOutput,
    *,
    source: dict[str, Any],
    rows: Rows | None = None,
    deferred: bool = False,
) -> None:
    """`rows`: what the call created, read under the same lock (else read here).
    `deferred`: the call's own row and its customer's behaviour are left to `finish()`, which
    writes a batch of them at once (in the same transaction)."""
    from ai.analysis.pipeline import read_rows

    rows = rows or read_rows(call)
    session_cost = data.session_cost
    result = out.result
    ctx = data.ctx
    orders = rows.orders
    order_match, unmatched_orders = match_orders(result.orders, orders)
    suggestions: list[int] = []
    before = bool((call.analysis or {}).get("suggestions"))
    suggestions += _suggest(
        call,
        AnalysisSuggestion.Kind.ORDER,
        [
            {
                "analysis": result.orders[n].model_dump(),
                **_order_lines(ctx, result.orders[n], data.state.get("cart") or []),
            }
            for n in unmatched_orders
        ],
        before=before,
    )

    reservations = list(rows.reservations)
    bookings = list(rows.bookings)
    new_tables: list[dict[str, Any]] = []
    new_services: list[dict[str, Any]] = []
    service_match: dict[int, str] = {}
    for n, found in enumerate(result.services):
        if _is_table(found, ctx):
            if reservations:
                service_match[n] = f"reservation:{reservations.pop(0).pk}"
            else:
                new_tables.append({"analysis": found.model_dump()})
            continue
        same = next(
            (
                b
                for b in bookings
                if fuzz.token_set_ratio(normalize(b.service.name), normalize(found.name)) >= 80
            ),
            None,
        )
        if same is not None:
            bookings.remove(same)
            service_match[n] = f"service:{same.pk}"
        else:
            new_services.append({"analysis": found.model_dump(), "service_id": _service_ref(ctx, found.name)})
    suggestions += _suggest(call, AnalysisSuggestion.Kind.RESERVATION, new_tables, before=before)
    suggestions += _suggest(call, AnalysisSuggestion.Kind.SERVICE, new_services, before=before)

    consultations = rows.consultations
    new_consultations = [
        {"analysis": found.model_dump()} for found in result.consultations[len(consultations) :]
    ]
    suggestions += _suggest(call, AnalysisSuggestion.Kind.CONSULTATION, new_consultations, before=before)

    complaints = list(rows.complaints)
    for position, found in enumerate(result.signalements):
        if position < len(complaints):
            exchange = complaints[position]
            actions = exchange.content.get("requested_actions")
            if actions != found.requestedActions:
                exchange.content = {**exchange.content, "requested_actions": found.requestedActions}
                exchange.save(update_fields=["content", "updated_at"])
            continue
        complaints.append(
            complaint_record(
                customer=_complaint_customer(call),
                store=call.store,
                description=found.description,
                category=found.category,
                severity=found.urgency,
                call=call,
                content={"source": "analysis", "requested_actions": found.requestedActions},
            )
        )

    conversation = result.conversation
    call.ai_summary = conversation.summary
    call.sentiment = conversation.sentiment
    call.satisfaction = conversation.satisfaction
    call.cost = session_cost + out.cost
    call.analysis = {
        "version": 1,
        "result": result.model_dump(),
        "analyzer": out.analyzer,
        "fallback_reason": out.fallback_reason,
        "attempts": out.attempts,
        "tokens": {"in": out.tokens_in, "out": out.tokens_out},
        "cost": str(out.cost),
        "transcript": source.get("source"),
        "transcription": source.get("transcription") or {},
        "matched": {
            "orders": {str(k): v for k, v in order_match.items()},
            "services": {str(k): v for k, v in service_match.items()},
        },
        "suggestions": suggestions,
        "complaints": [c.pk for c in complaints],
        "analysed_at": timezone.now().isoformat(),
    }
    call.analysis_status = Call.AnalysisStatus.DONE
    call.updated_at = timezone.now()
    if not deferred:
        finish([call])


def finish(calls: list[Call]) -> None:
    """Write the analysed calls' own rows and refresh their customers' behaviour, in bulk; once
    committed, `calls_analysed` tells the subscribers (the owner's call summaries, missed calls…)."""
    if not calls:
        return
    update_rows(calls, _CALL_FIELDS)
    customers = {c.customer_id: c.customer for c in calls if c.customer_id}
    customers_refresh_behaviour(list(customers.values()))  # type: ignore[arg-type]
    publish(calls_analysed, sender=Call, call_ids=[c.pk for c in calls])
