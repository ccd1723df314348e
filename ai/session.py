"""A conversation in progress: kept in the cache while it lasts, persisted to the database.

The cache copy is what every turn reads and writes (fast, shared by the web and worker
processes through Redis). AIConversationSession is the durable record: created when the
conversation starts, brought up to date every PERSIST_EVERY turns and at the end, so a crash
loses at most a few turns of transcript and never an order (orders are written by the tools)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from ai.models import AIConversationSession
from stores.models import Store

LIVE_TTL = 2 * 60 * 60
ENDED_TTL = 60 * 60
PERSIST_EVERY = 3


@dataclass
class CartLine:
    line_id: int
    product_id: int
    name: str
    quantity: int
    variation_ids: list[int]
    variation_labels: list[str]
    unit_price: Decimal
    notes: str = ""

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class CallSession:
    id: str
    store_id: int
    business_id: int
    channel: str  # phone | chat | cli | selftest
    lang: str
    sandbox: bool = True
    caller_phone: str = ""
    customer_id: int | None = None
    customer_name: str = ""
    brain: str = ""  # "" = the store's / platform's choice
    frozen_now: str | None = None  # ISO datetime: scenarios and self-tests run at a fixed time
    messages: list[dict[str, Any]] = field(default_factory=list)
    tool_log: list[dict[str, Any]] = field(default_factory=list)
    cart: list[CartLine] = field(default_factory=list)
    next_line_id: int = 1
    delivery_type: str = ""
    delivery_address: str = ""
    pending: dict[str, Any] = field(default_factory=dict)  # the brain's slot-filling state
    failures: int = 0
    upsell_done: bool = False
    usual_offered: bool = False
    orders: list[int] = field(default_factory=list)
    bookings: list[str] = field(default_factory=list)  # "reservation:12", "service:3", "consultation:5"
    exchanges: list[int] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal("0")
    turn_latencies_ms: list[float] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)  # why a turn fell back to the local brain
    turns: int = 0
    ended: bool = False
    db_id: int | None = None

    def now(self) -> datetime:
        return datetime.fromisoformat(self.frozen_now) if self.frozen_now else timezone.now()

    @property
    def cart_total(self) -> Decimal:
        return sum((line.line_total for line in self.cart), Decimal("0"))

    def cart_view(self) -> dict[str, Any]:
        return {
            "lines": [
                {
                    "line_id": line.line_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "options": line.variation_labels,
                    "notes": line.notes,
                    "unit_price": str(line.unit_price),
                    "line_total": str(line.line_total),
                }
                for line in self.cart
            ],
            "total": str(self.cart_total),
        }


def _key(session_id: str) -> str:
    return f"ai:session:{session_id}"


def start(
    *,
    store: Store,
    channel: str,
    lang: str,
    caller_phone: str = "",
    sandbox: bool = True,
    brain: str = "",
    now: datetime | None = None,
) -> CallSession:
    record = AIConversationSession.objects.create(
        business_id=store.business_id, store=store, channel=channel, caller_phone=caller_phone
    )
    session = CallSession(
        id=uuid.uuid4().hex,
        store_id=store.pk,
        business_id=store.business_id,
        channel=channel,
        lang=lang,
        sandbox=sandbox,
        caller_phone=caller_phone,
        brain=brain,
        frozen_now=now.isoformat() if now else None,
        db_id=record.pk,
    )
    save(session)
    return session


def load(session_id: str) -> CallSession | None:
    return cache.get(_key(session_id))


def save(session: CallSession) -> None:
    cache.set(_key(session.id), session, timeout=ENDED_TTL if session.ended else LIVE_TTL)


def persist(session: CallSession) -> None:
    """Write the durable record (one UPDATE)."""
    if session.db_id is None:
        return
    AIConversationSession.objects.filter(pk=session.db_id).update(
        messages=session.messages,
        tool_calls=session.tool_log,
        tokens_in=session.tokens_in,
        tokens_out=session.tokens_out,
        cost=session.cost,
        turn_latencies_ms=session.turn_latencies_ms,
        state=end_state(session),
        is_active=not session.ended,
        ended_at=timezone.now() if session.ended else None,
        updated_at=timezone.now(),
    )


def end_state(session: CallSession) -> dict[str, Any]:
    """What is unfinished: the cart (with catalog ids, so it can become an order) and the
    booking being filled in. JSON-safe: dates become ISO strings."""
    cart = [
        {
            "product_id": line.product_id,
            "name": line.name,
            "quantity": line.quantity,
            "variation_ids": line.variation_ids,
            "options": line.variation_labels,
            "line_total": str(line.line_total),
            "notes": line.notes,
        }
        for line in session.cart
    ]
    pending = json.loads(json.dumps(session.pending, default=str)) if session.pending else {}
    return {
        "cart": cart,
        "delivery_type": session.delivery_type,
        "delivery_address": session.delivery_address,
        "pending": pending,
        "lang": session.lang,
    }


def end(session: CallSession) -> None:
    session.ended = True
    save(session)
    persist(session)


def snapshot(session: CallSession) -> dict[str, Any]:
    """A JSON-friendly view for the dashboard chat and the terminal."""
    data = asdict(session)
    data["cart"] = session.cart_view()
    data["cost"] = str(session.cost)
    return data
