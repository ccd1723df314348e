"""What the analysis reads of a conversation: the rows it produced (ai.ConversationOutcome), as
plain views for the analyzers, and its words. Whoever carried the conversation (telephony for a
call) adds what only it knows — a recording's transcript, the call's status — and hands it all
to an analyzer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from ai import outcomes
from ai.analysis.base import Analyzer, Known, Line
from ai.analysis.local import LocalAnalyzer
from ai.analysis.openai import OpenAIAnalyzer
from ai.models import AIConversationSession
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking, Store

# Read with each booking: what the analysis and the notification events about it use (the events
# are handed the rows, not re-reading them; notifications.events.BOOKING_RELATED).
BOOKING_RELATED: dict[type, tuple[str, ...]] = {
    Reservation: ("store__business", "customer"),
    ServiceBooking: ("store__business", "customer", "service", "resource"),
    Consultation: ("store__business", "customer"),
}


def analyzer_for(store_brain: str | None) -> Analyzer:
    """The store's own brain choice wins over the platform's AI_ANALYZER."""
    choice = store_brain if store_brain in ("local", "openai") else settings.AI_ANALYZER
    return OpenAIAnalyzer() if choice == "openai" else LocalAnalyzer()


def _local(at: Any, tz: Any) -> str | None:
    return timezone.localtime(at, tz).replace(tzinfo=None).isoformat(timespec="minutes") if at else None


@dataclass
class Rows:
    """What a conversation produced, read once per analysis (under the caller's lock)."""

    orders: list[Order]
    reservations: list[Reservation]
    bookings: list[ServiceBooking]
    consultations: list[Consultation]
    complaints: list[CustomerExchange]


NO_ROWS = Rows([], [], [], [], [])


def read_rows_many(conversations: dict[int, Store | None]) -> dict[int, Rows]:
    """What each conversation ({id: its store}) produced, in one query per kind for the whole
    batch. The rows come with the relations the notification events read."""
    ids = list(conversations)
    stores = list(conversations.values())
    known = [s for s in stores if s is not None]
    tables = any(s.has_reservations for s in known) or len(known) < len(stores)
    consulting = any(s.has_consultations for s in known) or len(known) < len(stores)

    def grouped(rows: Any) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for row in rows:
            out.setdefault(row.conversation_id, []).append(row)
        return out

    if not ids:
        return {}
    orders = grouped(
        outcomes.of_conversations(Order, ids)
        .select_related("store__business", "customer")
        .prefetch_related("items")
        .order_by("pk")
    )
    reservations = (
        grouped(
            outcomes.of_conversations(Reservation, ids)
            .select_related(*BOOKING_RELATED[Reservation])
            .order_by("pk")
        )
        if tables
        else {}
    )
    bookings = grouped(
        outcomes.of_conversations(ServiceBooking, ids)
        .select_related(*BOOKING_RELATED[ServiceBooking])
        .order_by("pk")
    )
    consultations = (
        grouped(
            outcomes.of_conversations(Consultation, ids)
            .select_related(*BOOKING_RELATED[Consultation])
            .order_by("pk")
        )
        if consulting
        else {}
    )
    complaints = grouped(
        outcomes.of_conversations(CustomerExchange, ids)
        .filter(type=CustomerExchange.Type.COMPLAINT)
        .order_by("pk")
    )
    result = {}
    for pk, store in conversations.items():
        result[pk] = Rows(
            orders=orders.get(pk, []),
            reservations=reservations.get(pk, []) if store is None or store.has_reservations else [],
            bookings=bookings.get(pk, []),
            consultations=consultations.get(pk, []) if store is None or store.has_consultations else [],
            complaints=complaints.get(pk, []),
        )
    return result


def known_of(rows: Rows, store: Store | None, *, callback_requested: bool = False) -> Known:
    """What the tools created during the conversation, as plain views."""
    tz = ZoneInfo(store.timezone if store else "UTC")
    return Known(
        orders=[
            {
                "id": o.pk,
                "number": o.number,
                "items": [
                    {
                        "name": i.name,
                        "quantity": i.quantity,
                        "customizations": [
                            str(v.get("value", "")) for v in i.variations if isinstance(v, dict)
                        ],
                        "line_total": str(i.line_total),
                    }
                    for i in o.items.all()
                ],
                "total": str(o.total),
                "delivery_type": o.delivery_type,
                "urgency": o.urgency,
            }
            for o in rows.orders
        ],
        reservations=[
            {
                "id": r.pk,
                "party_size": r.party_size,
                "starts_at": _local(r.starts_at, tz),
                "duration_minutes": r.duration_minutes,
            }
            for r in rows.reservations
        ],
        service_bookings=[
            {
                "id": b.pk,
                "service": b.service.name,
                "starts_at": _local(b.starts_at, tz),
                "duration": int((b.ends_at - b.starts_at).total_seconds() // 60),
                "price": str(b.price),
            }
            for b in rows.bookings
        ],
        consultations=[
            {
                "id": c.pk,
                "problem": c.problem,
                "urgency": c.urgency,
                "recommendation": c.recommendation,
                "expertise": c.expertise_required,
            }
            for c in rows.consultations
        ],
        complaints=[
            {"id": e.pk, "category": e.category, "description": e.description, "severity": e.severity}
            for e in rows.complaints
        ],
        callback_requested=callback_requested,
    )


def lines_of(conversation: AIConversationSession | None) -> list[Line]:
    """The conversation's words, speaker by speaker."""
    return [
        Line("caller" if m["role"] == "user" else "assistant", str(m["content"]))
        for m in (conversation.messages if conversation else [])
        if m.get("role") in ("user", "assistant") and m.get("content")
    ]
