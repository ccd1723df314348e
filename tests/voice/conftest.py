"""Voice pipeline tests: stages driven with frames, no network (STYLE.md, from Pipecat)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator

from ai.voice.pipeline import VoiceCall
from kalliky.asgi import application  # imported while DEBUG is on (it checks provider settings)


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
        store, channel="phone", caller_phone=call.from_number, sandbox=False, call_id=call.pk, lang=lang
    )
    call.session_key = session.id
    call.control = {"mode": "stream", "greeting": reply.text}
    call.save()
    return call


class MediaSocket:
    """Telnyx's side of the media socket, in-process through the ASGI application (no daphne:
    channels.testing would import it). Keeps Channels from closing the test database connection."""

    def __init__(self, path: str, query: str, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "query_string": query.encode(),
            "headers": headers,
            "subprotocols": [],
        }
        self._app = ApplicationCommunicator(application, scope)

    async def _in(self, message: dict[str, Any]) -> None:
        from unittest import mock

        with mock.patch("channels.db.close_old_connections", lambda: None):
            await self._app.send_input(message)

    async def _out(self, timeout: float) -> dict[str, Any]:
        from unittest import mock

        with mock.patch("channels.db.close_old_connections", lambda: None):
            return await self._app.receive_output(timeout)

    async def connect(self) -> tuple[bool, None]:
        await self._in({"type": "websocket.connect"})
        return (await self._out(10))["type"] == "websocket.accept", None

    async def send_to(self, *, text_data: str) -> None:
        await self._in({"type": "websocket.receive", "text": text_data})

    async def receive_from(self, timeout: float = 10) -> str:
        message = await self._out(timeout)
        assert message["type"] == "websocket.send", message
        return message["text"]

    async def disconnect(self, code: int = 1000) -> None:
        await self._in({"type": "websocket.disconnect", "code": code})
        await self._app.wait(10)
