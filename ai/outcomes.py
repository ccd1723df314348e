"""What a conversation produced: the orders, bookings and customer exchanges its tools (or its
accepted suggestions, or its analysis) made. Stores rows never point at who made them; this
record, above them, does, and telephony reaches it through Call.conversation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F

from ai.models import ConversationOutcome
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking

FIELD_OF: dict[type, str] = {
    Order: "order",
    Reservation: "reservation",
    ServiceBooking: "service_booking",
    Consultation: "consultation",
    CustomerExchange: "exchange",
}


def record(conversation_id: int | None, row: Any) -> ConversationOutcome | None:
    """Link `row` to the conversation that made it (nothing without a durable conversation)."""
    if conversation_id is None:
        return None
    return ConversationOutcome.objects.create(conversation_id=conversation_id, **{FIELD_OF[type(row)]: row})


def of_conversations(model: type, conversation_ids: Iterable[int]) -> Any:
    """`model`'s rows the conversations produced, each annotated with `conversation_id`."""
    return model.objects.filter(conversation_outcome__conversation_id__in=list(conversation_ids)).annotate(
        conversation_id=F("conversation_outcome__conversation_id")
    )
