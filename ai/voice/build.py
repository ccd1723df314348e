"""Which pipeline a call gets, and its stages, in one place.

    local:     listen → recognise → agent → speech → output
    realtime:  listen → OpenAI Realtime bridge → output

The store's plan must include realtime voice (otherwise the call stays on the call-control text
loop and never streams). Among streamed calls, a store whose assistant uses OpenAI gets the
Realtime bridge when an API key is configured; every other one gets the local pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from ai.voice.listen import ListenStage
from ai.voice.local import AgentStage, RecognitionStage, SpeechStage
from ai.voice.output import OutputStage
from ai.voice.pipeline import Pipeline, VoiceCall
from ai.voice.realtime import RealtimeBridge
from ai.voice.stt import UtteranceRecognizer, supported


@dataclass
class VoiceSetup:
    """What the consumer learns from the database before any audio flows (built off the loop)."""

    call_pk: int
    session_key: str
    store_id: int
    business_id: int
    lang: str
    pipeline: str  # local | realtime
    greeting: str
    voice_type: str = "female"
    voice: str = "marin"
    turn_detection: str = "server_vad"
    instructions: str = ""
    tools: list[dict[str, Any]] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    stop_ms: int = 500
    lane: str = ""  # the call's reaction lane, for the events handed back to the call-control loop


def pipeline_kind(brain: str) -> str:
    if brain == "openai" and settings.OPENAI_API_KEY and settings.VOICE_REALTIME_ENABLED:
        return "realtime"
    return "local"


def build(call: VoiceCall, setup: VoiceSetup) -> Pipeline:
    if setup.pipeline == "realtime":
        stages = [
            ListenStage(stop_ms=setup.stop_ms, forward_audio=True, pipeline="realtime"),
            RealtimeBridge(setup),
            OutputStage(),
        ]
    else:
        recogniser = UtteranceRecognizer(setup.hints, setup.lang) if supported(setup.lang) else None
        stages = [
            ListenStage(stop_ms=setup.stop_ms),
            RecognitionStage(recogniser),
            AgentStage(),
            SpeechStage(voice_type=setup.voice_type),
            OutputStage(),
        ]
    return Pipeline(call, stages)
