"""One in-process WebSocket client for the consumer tests (chat, kitchen board, Telnyx media).

It talks to the ASGI application through asgiref's communicator, as channels.testing does, without
importing channels.testing (that pulls in daphne, which we do not ship: uvicorn serves the app).
It keeps Channels from closing the test database connection between frames, and it leaves no
consumer running behind a test: a refused handshake is followed by the disconnect a server sends,
so the consumer ends inside the test's event loop instead of being cancelled when the loop closes
(where a task still talking to Redis or a worker thread can keep the loop from closing)."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from asgiref.testing import ApplicationCommunicator

from kalliky.asgi import application

TIMEOUT = 10  # a first turn builds the store context; the greeting is synthesised


class SocketClient(ApplicationCommunicator):
    def __init__(self, path: str, headers: list[tuple[bytes, bytes]], query: str = "") -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "query_string": query.encode(),
            "headers": headers,
            "subprotocols": [],
        }
        super().__init__(application, scope)

    async def send_input(self, message: dict[str, Any]) -> None:
        with mock.patch("channels.db.close_old_connections", lambda: None):
            await super().send_input(message)

    async def receive_output(self, timeout: float = 1) -> dict[str, Any]:
        with mock.patch("channels.db.close_old_connections", lambda: None):
            return await super().receive_output(timeout)

    async def connect(self) -> bool:
        await self.send_input({"type": "websocket.connect"})
        accepted = (await self.receive_output(TIMEOUT))["type"] == "websocket.accept"
        if not accepted:
            await self.send_input({"type": "websocket.disconnect", "code": 1006})
            await self.wait(TIMEOUT)
        return accepted

    async def send_to(self, *, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def send_json_to(self, data: dict[str, Any]) -> None:
        await self.send_to(text_data=json.dumps(data))

    async def receive_from(self, timeout: float = TIMEOUT) -> str:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return message["text"]

    async def receive_json_from(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return json.loads(await self.receive_from(timeout))

    async def disconnect(self, code: int = 1000) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(TIMEOUT)
