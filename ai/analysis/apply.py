"""Apply an analysis to a conversation's rows, idempotently, under the caller's lock.

Everything is re-read under the lock (not taken from what the analyzer saw), so a concurrent or
repeated run reconciles with what the previous one wrote:
- orders and bookings the tools created are *matched* to the analysis' findings, never duplicated;
  a finding the conversation did not confirm becomes an AnalysisSuggestion (unique per
  conversation, kind and position) for the owner to accept or dismiss;
- complaints the tools recorded are matched; the others become CustomerExchange complaints (made
  by the conversation), which the next run then matches;
- nothing is notified from here: what the analysis creates goes through the stores services,
  which publish their domain events (notifications subscribe); the call-level events are
  telephony's to publish once its analysis commits.

What belongs to whatever carried the conversation (a phone call's summary, sentiment, status,
its customer's figures) is its caller's to write: telephony.analysis for calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from ai import outcomes
from ai.analysis.base import AnalysisInput, AnalyzerOutput
from ai.analysis.conversation import Rows
from ai.analysis.schema import AnalysedOrder, AnalysedService
from ai.context import StoreContext
from ai.matching import index_for
from ai.models import AIConversationSession, AnalysisSuggestion
from ai.nlu.text import normalize
from stores.models import Customer, CustomerExchange, Order, Store
from stores.services.customers import anonymous_customer, complaint_record

_TABLE = ("table",)


@dataclass(frozen=True)
class Party:
    """Who the conversation was with, and where: what a conversation row made for the analysis,
    a complaint and a suggestion need."""

    business_id: int
    store: Store
    customer: Customer | None
    phone: str
    channel: str = "phone"


@dataclass
class Applied:
    """What `apply` wrote or matched, for the caller's own record of the analysis."""

    conversation: AIConversationSession | None
    suggestions: list[int] = field(default_factory=list)
    complaints: list[CustomerExchange] = field(default_factory=list)
    order_match: dict[int, int] = field(default_factory=dict)
    service_match: dict[int, str] = field(default_factory=dict)


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


class _Conversation:
    """The conversation, made when the analysis first has something to hang on it (a call the
    assistant never spoke on has none until then)."""

    def __init__(self, record: AIConversationSession | None, party: Party) -> None:
        self.record, self.party = record, party

    def get(self) -> AIConversationSession:
        if self.record is None:
            self.record = AIConversationSession.objects.create(
                business_id=self.party.business_id,
                store=self.party.store,
                channel=self.party.channel,
                caller_phone=self.party.phone,
                is_active=False,
            )
        return self.record


def _suggest(
    conversation: _Conversation, kind: str, findings: list[dict[str, Any]], *, before: bool
) -> list[int]:
    """`before`: whether an earlier analysis left suggestions (else nothing to withdraw)."""
    ids: list[int] = []
    if not findings and not before:
        return ids
    party = conversation.party
    for position, payload in enumerate(findings):
        row, created = AnalysisSuggestion.objects.get_or_create(
            conversation=conversation.get(),
            kind=kind,
            position=position,
            defaults={"business_id": party.business_id, "store_id": party.store.pk, "payload": payload},
        )
        if not created and row.status == AnalysisSuggestion.Status.PENDING and row.payload != payload:
            row.payload = payload
            row.save(update_fields=["payload", "updated_at"])
        ids.append(row.pk)
    # A re-run that finds fewer things withdraws the stale pending ones (decided ones stay).
    if before and conversation.record is not None:
        AnalysisSuggestion.objects.filter(
            conversation=conversation.record,
            kind=kind,
            position__gte=len(findings),
            status=AnalysisSuggestion.Status.PENDING,
        ).delete()
    return ids


def _complaint_customer(party: Party) -> Customer:
    if party.customer is not None:
        return party.customer
    return anonymous_customer(business_id=party.business_id)


# --- the whole -----------------------------------------------------------------------------------------
def apply(
    conversation: AIConversationSession | None,
    data: AnalysisInput,
    out: AnalyzerOutput,
    rows: Rows,
    *,
    party: Party,
    before: bool,
) -> Applied:
    """`rows`: what the conversation produced, read under the caller's lock. `before`: whether an
    earlier analysis left suggestions. The conversation is made if there is none and something
    must hang on it (`Applied.conversation`)."""

    held = _Conversation(conversation, party)
    result = out.result
    ctx = data.ctx
    orders = rows.orders
    order_match, unmatched_orders = match_orders(result.orders, orders)
    suggestions: list[int] = []
    suggestions += _suggest(
        held,
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
    suggestions += _suggest(held, AnalysisSuggestion.Kind.RESERVATION, new_tables, before=before)
    suggestions += _suggest(held, AnalysisSuggestion.Kind.SERVICE, new_services, before=before)

    consultations = rows.consultations
    new_consultations = [
        {"analysis": found.model_dump()} for found in result.consultations[len(consultations) :]
    ]
    suggestions += _suggest(held, AnalysisSuggestion.Kind.CONSULTATION, new_consultations, before=before)

    complaints = list(rows.complaints)
    for position, found in enumerate(result.signalements):
        if position < len(complaints):
            exchange = complaints[position]
            actions = exchange.content.get("requested_actions")
            if actions != found.requestedActions:
                exchange.content = {**exchange.content, "requested_actions": found.requestedActions}
                exchange.save(update_fields=["content", "updated_at"])
            continue
        exchange = complaint_record(
            customer=_complaint_customer(party),
            store=party.store,
            description=found.description,
            category=found.category,
            severity=found.urgency,
            content={"source": "analysis", "requested_actions": found.requestedActions},
        )
        outcomes.record(held.get().pk, exchange)
        complaints.append(exchange)

    return Applied(
        conversation=held.record,
        suggestions=suggestions,
        complaints=complaints,
        order_match=order_match,
        service_match=service_match,
    )

