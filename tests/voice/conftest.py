"""Voice pipeline tests: stages driven with frames, no network (STYLE.md, from Pipecat)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ai.voice.pipeline import VoiceCall


class Wire:
    """What the pipeline sent to Telnyx, decoded."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

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
