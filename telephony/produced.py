"""Writing that a call produced a row, for what makes rows outside a conversation's tools: the
demo history, scripts, tests. The row is linked to the call's conversation (made, closed, when
the call has none), the way the assistant's tools link what they make (ai.outcomes)."""

from __future__ import annotations

from typing import Any

from ai import outcomes
from ai.models import AIConversationSession
from telephony.models import Call


def conversation_for(call: Call) -> AIConversationSession:
    """The call's conversation, made (closed) if the assistant never held one on it."""
    if call.conversation_id is None:
        call.refresh_from_db(fields=["conversation"])
    if call.conversation_id is None:
        call.conversation = AIConversationSession.objects.create(
            business_id=call.business_id,
            store_id=call.store_id,
            channel="phone",
            caller_phone=call.from_number,
            is_active=False,
            ended_at=call.ended_at,
        )
        call.save(update_fields=["conversation", "updated_at"])
    return call.conversation  # type: ignore[return-value]


def record(call: Call, row: Any) -> None:
    """Link `row` (an order, a booking, an exchange) to the call that produced it."""
    outcomes.record(conversation_for(call).pk, row)
