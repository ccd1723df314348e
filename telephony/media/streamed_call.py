"""The database side of a media-streamed call, kept out of the consumer (which only speaks
Telnyx's protocol): what the pipeline needs to start, where its figures are saved, and how it
hands the call back to the call-control loop (a transfer, a hang-up, or the stream lost)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from ai import context
from ai import session as sessions
from ai.agent import brain_name
from ai.models import AIConversationSession
from ai.tools import openai_tools
from ai.voice.build import VoiceSetup, pipeline_kind
from ai.voice.pipeline import VoiceCall
from telephony.callstate import CallState, Mode
from telephony.media.relay import STREAM_ACTION_EVENT, STREAM_LOST_EVENT
from telephony.models import Call
from telephony.providers import encode_state
from telephony.webhooks import queue_own_event

__all__ = ["STREAM_ACTION_EVENT", "STREAM_LOST_EVENT", "hand_back", "save_figures", "setup_for"]

log = logging.getLogger(__name__)


def setup_for(call_control_id: str) -> VoiceSetup | None:
    """The call this stream carries, or None when there is no such live streamed call."""
    call = Call.objects.select_related("store").filter(call_control_id=call_control_id).first()
    state = CallState.from_json(call.control) if call is not None else None
    if call is None or state is None or call.ended_at is not None or state.mode is not Mode.STREAM:
        return None
    session = sessions.load(call.session_key) if call.session_key else None
    if session is None:
        return None
    ctx = context.get_context(call.store_id)
    # The greeting ai.greeting built when the call was answered (saved in the call's state).
    greeting = state.greeting or next(
        (m["content"] for m in reversed(session.messages) if m.get("role") == "assistant"), ""
    )
    hints = [i.name for i in ctx.items] + [s.name for s in ctx.services] + [ctx.store_name]
    tools = [
        {
            "type": "function",
            **{k: v for k, v in t["function"].items() if k in ("name", "description", "parameters")},
        }
        for t in openai_tools()
    ]
    return VoiceSetup(
        call_pk=call.pk,
        session_key=session.id,
        store_id=call.store_id,
        business_id=call.business_id,
        lang=session.lang,
        pipeline=pipeline_kind(brain_name(session, ctx)),
        greeting=greeting,
        voice_type=ctx.voice_type,
        voice=ctx.voice_style or "marin",
        turn_detection=ctx.turn_detection,
        instructions=ctx.system_prompt,
        tools=tools,
        hints=hints,
        stop_ms=settings.VOICE_END_OF_SPEECH_MS,
        lane=call.call_session_id or call.call_control_id,
    )


def save_figures(call: VoiceCall, setup: VoiceSetup, *, final: bool = False) -> None:
    """The per-turn latency split and the call's counters, on its conversation record. Written
    to their own columns, so the text loop's saves of the same record never overwrite them."""
    session = sessions.load(setup.session_key)
    if session is None or session.db_id is None:
        return
    stats = {**call.stats, "pipeline": setup.pipeline, "interrupted": call.interruptions[-20:]}
    AIConversationSession.objects.filter(pk=session.db_id).update(
        voice_turns=call.turns, voice_stats=stats, updated_at=timezone.now()
    )
    if final and session.turn_latencies_ms != [t["total_ms"] for t in call.turns] and call.turns:
        session.turn_latencies_ms = [t["total_ms"] for t in call.turns]
        sessions.save(session)


def hand_back(setup: VoiceSetup, call_control_id: str, event_type: str, **payload: Any) -> None:
    """Tell the call-control loop, through the same inbox as Telnyx's own events (stored once,
    processed in the call's lane, retried, dead-lettered if it keeps failing)."""
    queue_own_event(
        event_id=f"{event_type}:{setup.call_pk}:{uuid.uuid4().hex}",
        event_type=event_type,
        data={
            "payload": {
                "call_control_id": call_control_id,
                "client_state": encode_state({"c": setup.call_pk}),
                **payload,
            }
        },
        lane=setup.lane or call_control_id,
    )
