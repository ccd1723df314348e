"""Voice pipeline tests: stages driven with frames, no network (STYLE.md, from Pipecat)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ai.voice.pipeline import Outgoing, VoiceCall
from telephony.media import outgoing_message


class Wire:
    """What the pipeline sent to Telnyx, decoded."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, out: Outgoing) -> None:
        self.sent.append(json.loads(outgoing_message(out)))

    def of(self, event: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["event"] == event]

    @property
    def events(self) -> list[str]:
        return [m["event"] for m in self.sent]


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def voice(wire: Wire) -> VoiceCall:
    return VoiceCall(call_pk=None, session_key="", store_id=0, lang="en", send=wire.send)


def streamed_call(store, *, lang: str = "en", ccid: str = "v3:voice-test"):  # noqa: ANN001, ANN201
    """A call answered on a realtime plan: streamed, with its conversation begun (as on_answered
    leaves it), ready for Telnyx to connect its media socket."""
    from ai import agent
    from telephony.models import Call

    call = Call.objects.create(
        business=store.business,
        store=store,
        call_control_id=ccid,
        call_session_id=f"session-{ccid}",
        from_number="+33611223344",
        to_number="+33100000001",
        status=Call.Status.ANSWERED,
    )
    session, reply = agent.begin(
        store, channel="phone", caller_phone=call.from_number, sandbox=False, lang=lang
    )
    call.session_key = session.id
    call.conversation_id = session.db_id
    call.control = {"mode": "stream", "greeting": reply.text}
    call.save()
    return call
