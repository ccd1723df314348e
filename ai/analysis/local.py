"""The offline analyzer: the local brain's own understanding, read back after the call.

When the assistant handled the call, what it confirmed is known exactly (the tools wrote it), and
what it left unfinished is in the conversation's end state (a cart never confirmed, a booking
half filled in). When only a recording's transcript exists, the caller's sentences go through
the same NLU the brain uses: intents, catalog mentions, quantities, dates and times. Either way
nothing here writes: the result is reconciled with the database afterwards (ai.analysis.apply).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from ai.analysis import sentiment
from ai.analysis.base import AnalysisInput, AnalyzerOutput, Line
from ai.analysis.schema import (
    AnalysedConsultation,
    AnalysedItem,
    AnalysedOrder,
    AnalysedService,
    CallAnalysisResult,
    ConversationOutcome,
    Signalement,
)
from ai.analysis.summary import PHRASES, Part, part, render
from ai.context import ItemCtx, ServiceCtx, StoreContext
from ai.matching import find_size, index_for
from ai.nlu import complaints
from ai.nlu import intents as nlu
from ai.nlu.numbers import find_numbers
from ai.nlu.people import parse_party_size
from ai.nlu.text import normalize
from ai.nlu.when import combine, parse_when
from stores.models import COMPLAINT_CATEGORIES
from stores.models.store import zone_named
from stores.services.orders import unit_price

DELIVERY = {"dine_in": "dine-in", "takeaway": "takeaway", "delivery": "delivery"}
_DELIVERY_WORDS = ("livraison", "livrer", "livre", "livrez", "delivery", "deliver", "delivered")
_DINE_IN_WORDS = ("sur place", "dine in", "eat in", "manger la", "au restaurant")
_ACTIONS = {
    "refund": ("rembours", "refund", "money back", "argent"),
    "call_back": ("rappel", "call me back", "call back", "recontact"),
    "replacement": ("remplac", "refaire", "renvoy", "replace", "another one", "redeliver"),
    "manager": ("responsable", "gerant", "patron", "manager", "owner"),
}
def _urgency(text: str) -> str:
    found = complaints.urgency(text)
    return found if found in ("high", "emergency") else "normal"


def _severity(text: str) -> str:
    return complaints.urgency(text)


# --- from what the call confirmed ---------------------------------------------------------------
def order_from_view(view: dict[str, Any]) -> AnalysedOrder:
    return AnalysedOrder(
        items=[
            AnalysedItem(
                name=item["name"],
                quantity=item["quantity"],
                customizations=list(item.get("customizations") or []),
                finalPrice=float(item["line_total"]),
            )
            for item in view["items"]
        ],
        total=float(view["total"]),
        deliveryType=DELIVERY.get(view.get("delivery_type", ""), "takeaway"),  # type: ignore[arg-type]
        urgency=view.get("urgency") if view.get("urgency") in ("high", "emergency") else "normal",
    )


def _cart_order(state: dict[str, Any]) -> AnalysedOrder | None:
    cart = state.get("cart") or []
    if not cart:
        return None
    items = [
        AnalysedItem(
            name=line["name"],
            quantity=int(line["quantity"]),
            customizations=list(line.get("options") or []),
            finalPrice=float(line["line_total"]),
        )
        for line in cart
    ]
    return AnalysedOrder(
        items=items,
        total=round(sum(i.finalPrice for i in items), 2),
        deliveryType=DELIVERY.get(state.get("delivery_type") or "", "takeaway"),  # type: ignore[arg-type]
        urgency="normal",
    )


def _pending_booking(data: AnalysisInput) -> AnalysedService | AnalysedConsultation | None:
    booking = (data.state.get("pending") or {}).get("booking") or {}
    kind = booking.get("kind")
    if not kind:
        return None
    when = None
    if booking.get("date"):
        when = booking["date"] + (f"T{booking['time']}:00" if booking.get("time") else "")
    if kind == "consultation":
        problem = booking.get("problem") or ""
        if not problem:
            return None
        return AnalysedConsultation(
            problem=problem,
            urgency=booking.get("urgency") if booking.get("urgency") in ("high", "emergency") else "normal",
            recommendation="",
            expertiseRequired=booking.get("expertise") or "",
        )
    if kind == "reservation":
        if not booking.get("party_size") and not when:
            return None
        n = booking.get("party_size") or 0
        return AnalysedService(
            name=PHRASES[data.lang]["table"].format(n=n or "?"), requestedDate=when, duration=None, price=None
        )
    service = _service_named(data.ctx, booking.get("service") or "")
    if service is None:
        return None
    return AnalysedService(
        name=service.name,
        requestedDate=when,
        duration=service.duration_minutes,
        price=float(service.price),
    )


# --- from what the caller said ---------------------------------------------------------------------
def _quantity_before(norm: str, start: int) -> int:
    for number in find_numbers(norm):
        if number.end == start or (number.end == start - 1 and 0 < number.value < 100):
            return max(1, min(99, number.value))
    return 1


def _line_price(item: ItemCtx, words: list[str]) -> tuple[Decimal, list[str]]:
    """The heard size and extras, priced as an order prices them (stores.services.orders)."""
    size = find_size(item, words)
    said = " ".join(words)
    extras = [
        v for v in item.variations if v.type != "size" and normalize(v.value) and normalize(v.value) in said
    ]
    chosen = ([size] if size is not None else []) + extras
    return unit_price(item.price, chosen), [v.value for v in chosen]


def _orders_from_text(ctx: StoreContext, lines: list[str]) -> AnalysedOrder | None:
    if not ctx.has_products:
        return None
    index = index_for(ctx)
    items: list[AnalysedItem] = []
    everything = " ".join(lines)
    for text in lines:
        heard = nlu.classify(text)
        if heard.get("question_price", 0) >= 0.5 or heard.get("complaint", 0) >= 0.5:
            continue
        words = normalize(text).split()
        mentions = index.find(words)
        if not mentions or (
            heard.get("order", 0) < 0.5
            and not any(w.isdigit() for w in words)
            and not find_numbers(" ".join(words))
        ):
            continue
        for n, mention in enumerate(mentions):
            item = index.items[mention.item_id]
            # Options sit around the item ("two large margherita", "a pizza with extra cheese"):
            # the words between the previous item and the next one belong to it.
            begin = mentions[n - 1].end if n else 0
            end = mentions[n + 1].start if n + 1 < len(mentions) else len(words)
            quantity = _quantity_before(" ".join(words), mention.start)
            unit, labels = _line_price(item, words[begin:end])
            items.append(
                AnalysedItem(
                    name=item.name,
                    quantity=quantity,
                    customizations=labels,
                    finalPrice=float(unit * quantity),
                )
            )
    if not items:
        return None
    norm = normalize(everything)
    delivery = "takeaway"
    if any(w in norm for w in _DINE_IN_WORDS):
        delivery = "dine-in"
    elif any(f" {w} " in f" {norm} " for w in _DELIVERY_WORDS):
        delivery = "delivery"
    return AnalysedOrder(
        items=items,
        total=round(sum(i.finalPrice for i in items), 2),
        deliveryType=delivery,  # type: ignore[arg-type]
        urgency=_urgency(everything),  # type: ignore[arg-type]
    )


def _service_named(ctx: StoreContext, text: str) -> ServiceCtx | None:
    norm = normalize(text)
    if not norm:
        return None
    best = max(ctx.services, key=lambda s: fuzz.partial_ratio(normalize(s.name), norm), default=None)
    if best is not None and fuzz.partial_ratio(normalize(best.name), norm) >= 85:
        return best
    return None


def _when_in(lines: list[str], now: datetime, lang: str) -> str | None:
    for text in lines:
        when = parse_when(text, now, lang)
        if when is not None:
            at = combine(when, now)
            if at is not None:
                return at.replace(tzinfo=None).isoformat(timespec="minutes")
            if when.date is not None:
                return when.date.isoformat()
    return None


def _bookings_from_text(
    data: AnalysisInput, lines: list[str], now: datetime
) -> tuple[list[AnalysedService], list[AnalysedConsultation]]:
    services: list[AnalysedService] = []
    consultations: list[AnalysedConsultation] = []
    for n, text in enumerate(lines):
        scores = nlu.classify(text)
        rest = lines[n:]
        if scores.get("reservation", 0) >= 0.5 and data.ctx.has_reservations and not services:
            party = next((p for p in map(parse_party_size, rest) if p), None)
            services.append(
                AnalysedService(
                    name=PHRASES[data.lang]["table"].format(n=party or "?"),
                    requestedDate=_when_in(rest, now, data.lang),
                    duration=None,
                    price=None,
                )
            )
        elif scores.get("service_booking", 0) >= 0.5:
            service = next((s for s in map(lambda t: _service_named(data.ctx, t), rest) if s), None)
            if service is not None and not any(s.name == service.name for s in services):
                services.append(
                    AnalysedService(
                        name=service.name,
                        requestedDate=_when_in(rest, now, data.lang),
                        duration=service.duration_minutes,
                        price=float(service.price),
                    )
                )
        elif scores.get("consultation", 0) >= 0.5 and data.ctx.has_consultations and not consultations:
            expertise = next((s for s in map(lambda t: _service_named(data.ctx, t), rest) if s), None)
            consultations.append(
                AnalysedConsultation(
                    problem=text.strip()[:500],
                    urgency=_urgency(" ".join(rest)),  # type: ignore[arg-type]
                    recommendation="",
                    expertiseRequired=expertise.name if expertise else "",
                )
            )
    return services, consultations


def requested_actions(text: str) -> list[str]:
    norm = normalize(text)
    return [action for action, words in _ACTIONS.items() if any(w in norm for w in words)]


def _complaints_from_text(lines: list[str]) -> list[Signalement]:
    found: list[Signalement] = []
    for n, text in enumerate(lines):
        if nlu.classify(text).get("complaint", 0) < 0.5:
            continue
        # The detail often comes in the next sentence ("I want to complain." "The pizza was cold.")
        detail = " ".join(lines[n : n + 2]).strip()
        found.append(
            Signalement(
                category=complaints.complaint_category(detail),  # type: ignore[arg-type]
                description=detail[:500],
                urgency=_severity(detail),  # type: ignore[arg-type]
                requestedActions=requested_actions(detail),
            )
        )
        break  # one complaint per call from free text: the rest is usually the same story
    return found


def _known_complaint(view: dict[str, Any]) -> Signalement:
    category = view.get("category") if view.get("category") in COMPLAINT_CATEGORIES else "other"
    return Signalement(
        category=category,  # type: ignore[arg-type]
        description=view["description"] or "—",
        urgency=view.get("severity") or "normal",  # type: ignore[arg-type]
        requestedActions=requested_actions(view["description"]),
    )


# --- the whole -----------------------------------------------------------------------------------------
def _now(data: AnalysisInput) -> datetime:
    tz = zone_named(data.ctx.timezone)
    return (data.started_at or datetime.now(tz)).astimezone(tz)


def _lines(order: AnalysedOrder) -> list[list[Any]]:
    return [[i.quantity, i.name, list(i.customizations)] for i in order.items]


class LocalAnalyzer:
    name = "local"

    def analyze(self, data: AnalysisInput) -> AnalyzerOutput:
        lang = data.lang if data.lang in PHRASES else "fr"
        p = PHRASES[lang]
        caller = [
            line.text for line in data.lines if line.role in ("caller", "unknown") and line.text.strip()
        ]
        now = _now(data)
        summary: list[Part] = []

        orders = [order_from_view(v) for v in data.known.orders]
        for view, order in zip(data.known.orders, orders, strict=True):
            summary.append(
                part(
                    "order",
                    number=view["number"],
                    lines=_lines(order),
                    total=str(order.total),
                    delivery=order.deliveryType,
                )
            )
        unconfirmed = _cart_order(data.state)
        if unconfirmed is None and not data.handled_by_assistant:
            unconfirmed = _orders_from_text(data.ctx, caller)
        if unconfirmed is not None:
            orders.append(unconfirmed)
            summary.append(
                part("order_unconfirmed", lines=_lines(unconfirmed), total=str(unconfirmed.total))
            )

        services: list[AnalysedService] = []
        for r in data.known.reservations:
            services.append(
                AnalysedService(
                    name=p["table"].format(n=r["party_size"]),
                    requestedDate=r["starts_at"],
                    duration=r["duration_minutes"],
                    price=None,
                )
            )
            summary.append(part("reservation", n=r["party_size"], when=r["starts_at"]))
        for b in data.known.service_bookings:
            services.append(
                AnalysedService(
                    name=b["service"],
                    requestedDate=b["starts_at"],
                    duration=b["duration"],
                    price=float(b["price"]),
                )
            )
            summary.append(part("service", name=b["service"], when=b["starts_at"]))
        consultations = [
            AnalysedConsultation(
                problem=c["problem"] or "—",
                urgency=c["urgency"] if c["urgency"] in ("high", "emergency") else "normal",
                recommendation=c.get("recommendation") or "",
                expertiseRequired=c.get("expertise") or "",
            )
            for c in data.known.consultations
        ]
        for c in consultations:
            summary.append(part("consultation", problem=c.problem[:120]))

        extra_services: list[AnalysedService] = []
        extra_consultations: list[AnalysedConsultation] = []
        pending = _pending_booking(data)
        if isinstance(pending, AnalysedService):
            extra_services.append(pending)
        elif isinstance(pending, AnalysedConsultation):
            extra_consultations.append(pending)
        if not data.handled_by_assistant:
            found_services, found_consultations = _bookings_from_text(data, caller, now)
            extra_services += found_services
            extra_consultations += found_consultations
        for s in extra_services:
            summary.append(part("unconfirmed_booking", name=s.name, when=s.requestedDate))
        for c in extra_consultations:
            summary.append(part("unconfirmed_booking", what=c.problem[:120]))
        services += extra_services
        consultations += extra_consultations

        signalements = [_known_complaint(v) for v in data.known.complaints]
        if not signalements:
            signalements = _complaints_from_text(caller)
        for s in signalements:
            summary.append(
                part("complaint", category=s.category, severity=s.urgency, text=s.description[:160])
            )
        if data.known.callback_requested:
            summary.append(part("callback"))
        if data.call_status == "missed":
            summary.append(part("missed"))
        if not summary:
            summary.append(part("nothing"))

        order_rank = {"low": 0, "normal": 1, "high": 2, "emergency": 3}
        worst = max((s.urgency for s in signalements), key=order_rank.__getitem__, default=None)
        reading = sentiment.read(caller)
        fulfilled = bool(data.known.orders or data.known.reservations or data.known.service_bookings)
        human_missed = data.known.callback_requested
        outcome = ConversationOutcome(
            sentiment=sentiment.label(reading, worst_complaint=worst),  # type: ignore[arg-type]
            satisfaction=sentiment.satisfaction(
                reading, fulfilled=fulfilled, worst_complaint=worst, human_missed=human_missed
            ),
            summary=render(summary, lang),
            followUpRequired=bool(
                signalements
                or unconfirmed is not None
                or extra_services
                or extra_consultations
                or data.known.consultations
                or data.known.callback_requested
                or data.call_status == "missed"
            ),
        )
        result = CallAnalysisResult(
            orders=orders,
            services=services,
            consultations=consultations,
            signalements=signalements,
            conversation=outcome,
        )
        return AnalyzerOutput(result=result, analyzer=self.name, summary_parts=summary)


def caller_lines(lines: list[Line]) -> list[str]:
    return [line.text for line in lines if line.role in ("caller", "unknown")]
