"""The dashboard's "Test your assistant" chat: one WebSocket per open page.

Protocol (JSON text frames):
  client → {"type": "start", "live": bool, "brain": "local"|"openai"|"", "phone": "+33…",
            "now": "2026-12-07T11:00"}
           (again at any time: ends the current conversation and opens a new one; `now`, the
           "pretend it is" time on the store's wall clock, applies to sandbox conversations only:
           a live one runs on the real clock)
  client → {"type": "say", "text": "…"}
  server → {"type": "reply", "text", "cart", "tool_calls", "actions", "session", "sandbox",
            "brain", "lang", "latency_ms", "ended"}
  server → {"type": "ended", "reason": "hangup"|"transfer", "session"} after a reply that ends it
  server → {"type": "error", "code", "message"} — the socket stays open
A staff member asking for live gets the error "live_refused", then a sandbox conversation.
A refused socket is accepted then closed with 4403 (not signed in) or 4404 (not your store), so
the browser sees the code; a close before accept would reach it as a bare failed handshake.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ai import agent, clock
from ai import session as sessions
from ai.agent import AgentReply
from kalliky.errors import PermissionDenied
from kalliky.i18n import socket_language
from kalliky.phones import to_e164
from stores.access import access_store
from stores.availability import store_tz
from stores.models import Store

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4403
CLOSE_NOT_FOUND = 4404
MAX_TEXT = 1000
FLOOD_LIMIT = 30
FLOOD_WINDOW = 60.0
BRAINS = ("", "local", "openai")
ENDING_ACTIONS = ("hangup", "transfer")

ERRORS = {
    "bad_message": _("This message could not be read; reload the page and try again."),
    "unknown_type": _("Unknown message type: send “start” or “say”."),
    "not_started": _("Start a conversation first (the “New conversation” button)."),
    "empty_text": _("Type a message before sending."),
    "text_too_long": _("This message is too long: keep it under 1000 characters."),
    "rate_limited": _("Too many messages: wait a minute before sending more."),
    "live_refused": _(
        "Only an owner or a manager can run a live test: this conversation stays in sandbox mode."
    ),
    "bad_live": _("The live switch must be on or off."),
    "unknown_brain": _("Unknown assistant engine: choose local or OpenAI."),
    "brain_unavailable": _("OpenAI is not configured on this server: choose the local engine."),
    "bad_now": _(
        "This “pretend it is” time is not valid: choose a date and time within a year, or leave it empty."
    ),
    "bad_phone": _("This caller number is not valid: write it like +33 6 12 34 56 78, or leave it empty."),
    "session_expired": _("This conversation has expired: start a new one."),
    "conversation_ended": _("This conversation is over: start a new one."),
    "assistant_failed": _(
        "The assistant could not answer this message; try again or start a new conversation."
    ),
}


def ending_action(actions: list[dict[str, Any]]) -> str | None:
    return next((a["action"] for a in actions if a.get("action") in ENDING_ACTIONS), None)


class AssistantChatConsumer(AsyncJsonWebsocketConsumer):
    # The test chat talks to its own browser only: no group, so no channel-layer subscription
    # (an alias that is not configured gives none), and no Redis connection held per open chat.
    channel_layer_alias = "no-layer"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store_id = 0
        self.ui_lang = settings.LANGUAGE_CODE
        # The session id never comes from the client: a browser can only talk to the
        # conversation its own socket opened.
        self.session_id: str | None = None
        self.sandbox = True
        self.ended = False
        self.recent: deque[float] = deque()

    # --- connection -------------------------------------------------------------------------
    async def connect(self) -> None:
        self.ui_lang = self._ui_language()
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.store_id = int(self.scope["url_route"]["kwargs"]["store_id"])
        if await database_sync_to_async(self._store)() is None:
            await self.close(code=CLOSE_NOT_FOUND)

    async def disconnect(self, code: int) -> None:
        if self.session_id and not self.ended:
            await database_sync_to_async(self._finish)(self.session_id)

    # --- incoming ---------------------------------------------------------------------------
    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        # Bad frames get an error reply instead of the base class's exception (which would
        # drop the socket and the conversation with it).
        try:
            content = json.loads(text_data) if text_data else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.error("bad_message")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if not self._within_flood_limit():
            await self.error("rate_limited")
            return
        kind = content.get("type")
        if kind == "start":
            await self.start(content)
        elif kind == "say":
            await self.say(content.get("text"))
        else:
            await self.error("unknown_type")

    async def start(self, content: dict[str, Any]) -> None:
        live = content.get("live", False)
        brain = content.get("brain") or ""
        raw_phone = content.get("phone") or ""
        raw_now = content.get("now") or ""
        if not isinstance(live, bool):
            await self.error("bad_live")
            return
        if brain not in BRAINS:
            await self.error("unknown_brain")
            return
        if brain == "openai" and not settings.OPENAI_API_KEY:
            await self.error("brain_unavailable")
            return
        phone = ""
        if raw_phone:
            try:
                phone = to_e164(str(raw_phone))
            except ValueError:
                await self.error("bad_phone")
                return
        if not isinstance(raw_now, str):
            await self.error("bad_now")
            return
        store = await database_sync_to_async(self._store)()
        if store is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if live and not await database_sync_to_async(self._may_go_live)():
            # Staff asked for live: tell them, and test in sandbox rather than not at all.
            await self.error("live_refused")
            live = False
        pretend = None
        if raw_now and not live:  # a live test is a real conversation: real clock
            try:
                pretend = clock.parse_moment(raw_now, store_tz(store))
            except ValueError:
                await self.error("bad_now")
                return
        if self.session_id and not self.ended:
            await database_sync_to_async(self._finish)(self.session_id)
        try:
            session, reply = await database_sync_to_async(agent.begin)(
                store, channel="chat", caller_phone=phone, sandbox=not live, brain=brain, now=pretend
            )
        except Exception:
            log.exception("assistant chat greeting failed (store %s)", self.store_id)
            self.session_id = None
            await self.error("assistant_failed")
            return
        self.session_id = session.id
        self.sandbox = session.sandbox
        self.ended = False
        await self.send_reply(reply)
        if reply.ended or ending_action(reply.actions):
            # The greeting itself can hand over (assistant paused): close the record too.
            await database_sync_to_async(self._finish)(session.id)

    async def say(self, text: Any) -> None:
        if self.session_id is None:
            await self.error("not_started")
            return
        if self.ended:
            await self.error("conversation_ended")
            return
        if not isinstance(text, str) or not text.strip():
            await self.error("empty_text")
            return
        if len(text) > MAX_TEXT:
            await self.error("text_too_long")
            return
        try:
            reply = await database_sync_to_async(self._respond)(self.session_id, text)
        except Exception:
            log.exception("assistant chat turn failed (store %s, session %s)", self.store_id, self.session_id)
            await self.error("assistant_failed")
            return
        if reply is None:
            self.ended = True
            await self.error("session_expired")
            return
        await self.send_reply(reply)

    # --- outgoing ---------------------------------------------------------------------------
    async def send_reply(self, reply: AgentReply) -> None:
        reason = ending_action(reply.actions)
        ended = reply.ended or reason is not None
        await self.send_json(
            {
                "type": "reply",
                "text": reply.text,
                "cart": reply.cart or {"lines": [], "total": "0.00"},
                "tool_calls": reply.tool_calls,
                "actions": reply.actions,
                "session": self.session_id,
                "sandbox": self.sandbox,
                "brain": reply.brain,
                "lang": reply.lang,
                "latency_ms": reply.latency_ms,
                "ended": ended,
            }
        )
        if ended:
            self.ended = True
            await self.send_json({"type": "ended", "reason": reason or "hangup", "session": self.session_id})

    async def error(self, code: str) -> None:
        with translation.override(self.ui_lang):
            message = str(ERRORS[code])
        await self.send_json({"type": "error", "code": code, "message": message})

    @classmethod
    async def encode_json(cls, content: dict[str, Any]) -> str:
        # Tool results may carry Decimals and datetimes.
        return json.dumps(content, cls=DjangoJSONEncoder)

    # --- helpers ----------------------------------------------------------------------------
    def _within_flood_limit(self) -> bool:
        now = time.monotonic()
        while self.recent and now - self.recent[0] > FLOOD_WINDOW:
            self.recent.popleft()
        if len(self.recent) >= FLOOD_LIMIT:
            return False
        self.recent.append(now)
        return True

    def _ui_language(self) -> str:
        return socket_language(self.scope)

    def _store(self) -> Store | None:
        """Checked again on every start: a membership can end while the page is open."""
        try:
            return access_store(self.scope["user"], self.store_id)
        except Http404:
            return None

    def _may_go_live(self) -> bool:
        try:
            access_store(self.scope["user"], self.store_id, manage=True)
        except (Http404, PermissionDenied):
            return False
        return True

    @staticmethod
    def _respond(session_id: str, text: str) -> AgentReply | None:
        session = sessions.load(session_id)
        if session is None:
            return None
        return agent.respond(session, text)

    @staticmethod
    def _finish(session_id: str) -> None:
        session = sessions.load(session_id)
        if session is not None:
            agent.finish(session)
