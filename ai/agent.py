"""One conversation turn: the single entry point for the phone, the dashboard chat and the
terminal. `respond(session, caller_text) -> AgentReply(text, actions)`; actions (transfer,
hang-up) are for the caller's channel to carry out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from ai import context
from ai import session as sessions
from ai.brains import BrainTurn, get_brain
from ai.brains.phrases import line_words
from ai.brains.state import Pending
from ai.session import CallSession
from ai.tools import ToolContext, usual_lines
from stores.models import Customer, Store

log = logging.getLogger(__name__)

GREETINGS = {
    "fr": "Bonjour, {store}, que puis-je faire pour vous ?",
    "en": "Hello, {store}, how can I help you?",
}
WELCOME_BACK = {
    "fr": "Bonjour {name}, ravi de vous réentendre ! {store}, que puis-je faire pour vous ?",
    "en": "Hello {name}, nice to hear from you again! {store}, how can I help?",
}
USUAL_HINT = {
    "fr": " Comme d'habitude : {usual} ?",
    "en": " The usual, {usual}?",
}
CLOSED_LINE = {
    "fr": "Bonjour, {store}. Notre assistant est en pause ; je vous passe quelqu'un.",
    "en": "Hello, {store}. Our assistant is paused; let me put you through to someone.",
}


@dataclass
class AgentReply:
    text: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    cart: dict[str, Any] = field(default_factory=dict)
    brain: str = ""
    lang: str = ""
    latency_ms: float = 0.0
    ended: bool = False


def brain_name(session: CallSession, ctx: context.StoreContext) -> str:
    if session.brain:
        return session.brain
    if ctx.brain in ("local", "openai"):
        return ctx.brain
    return settings.AI_BRAIN


def _tool_context(session: CallSession) -> ToolContext:
    ctx = context.get_context(session.store_id)
    return ToolContext(session=session, ctx=ctx, store=context.store_for_tools(ctx))


def begin(
    store: Store,
    *,
    channel: str,
    caller_phone: str = "",
    sandbox: bool = True,
    brain: str = "",
    now: datetime | None = None,
    lang: str | None = None,
) -> tuple[CallSession, AgentReply]:
    """Open a conversation and say the greeting (the returning caller is greeted by name and,
    on a store that takes orders, offered their usual)."""
    ctx = context.get_context(store)
    session = sessions.start(
        store=store,
        channel=channel,
        lang=lang or ctx.language,
        caller_phone=caller_phone,
        sandbox=sandbox,
        brain=brain,
        now=now,
    )
    tc = ToolContext(session=session, ctx=ctx, store=store)
    lang = session.lang if session.lang in GREETINGS else "fr"
    customer = (
        Customer.objects.filter(business_id=ctx.business_id, phone=caller_phone).first()
        if caller_phone
        else None
    )
    actions: list[dict[str, Any]] = []
    if not ctx.ai_active:
        text = CLOSED_LINE[lang].format(store=ctx.store_name)
        actions.append({"action": "transfer", "reason": "assistant paused", "to": ctx.phone or None})
    elif customer is not None and customer.name:
        session.customer_id = customer.pk
        session.customer_name = customer.name
        text = WELCOME_BACK[lang].format(name=customer.name.split()[0], store=ctx.store_name)
    else:
        text = ctx.greeting or GREETINGS[lang].format(store=ctx.store_name)
    if customer is not None and ctx.has_products and ctx.ai_active:
        usual = usual_lines(tc)
        if usual:
            # sizes and extras named: the price is said later, at the read-back
            described = ", ".join(line_words(u, lang) for u in usual)
            text += USUAL_HINT[lang].format(usual=described)
            session.usual_offered = True
            Pending(session.pending).usual_offered = True
    session.messages.append({"role": "assistant", "content": text})
    sessions.save(session)
    return session, AgentReply(text=text, actions=actions, cart=session.cart_view(), lang=lang)


def respond(
    session: CallSession, caller_text: str, on_sentence: Callable[[str], None] | None = None
) -> AgentReply:
    """One caller turn. `on_sentence` receives each finished sentence as soon as the brain has it
    (the OpenAI brain streams), so a voice channel can start speaking before the turn ends."""
    started = time.perf_counter()
    tc = _tool_context(session)
    caller_text = (caller_text or "").strip()[:2000]
    session.messages.append({"role": "user", "content": caller_text})
    log_start = len(session.tool_log)
    name = brain_name(session, tc.ctx)
    try:
        if name == "openai" and on_sentence is not None:
            turn = get_brain(name).turn(tc, caller_text, on_sentence=on_sentence)  # type: ignore[call-arg]
        else:
            turn = get_brain(name).turn(tc, caller_text)
            if on_sentence is not None and turn.text:
                on_sentence(turn.text)
    except Exception as exc:  # a brain bug must not drop the caller: fall back to the local brain
        if name == "local":
            raise
        log.exception("brain %s failed; the local brain takes this turn", name)
        turn = get_brain("local").turn(tc, caller_text)
        turn.fallback_reason = f"{type(exc).__name__}: {exc}"
    return _finish_turn(session, turn, log_start, started, name)


def _finish_turn(
    session: CallSession, turn: BrainTurn, log_start: int, started: float, name: str
) -> AgentReply:
    tool_calls = session.tool_log[log_start:]
    actions = list(turn.actions)
    for entry in tool_calls:
        action = entry["result"].get("action") if entry["result"].get("ok") else None
        if action and not any(a.get("action") == action for a in actions):
            actions.append({k: v for k, v in entry["result"].items() if k != "ok"})
    session.messages.append({"role": "assistant", "content": turn.text})
    session.tokens_in += turn.tokens_in
    session.tokens_out += turn.tokens_out
    session.cost += turn.cost
    if turn.fallback_reason:
        session.fallbacks.append(turn.fallback_reason)
    latency = round((time.perf_counter() - started) * 1000, 2)
    session.turn_latencies_ms.append(latency)
    session.turns += 1
    ended = any(a.get("action") in ("hangup", "transfer") for a in actions)
    if ended:
        sessions.end(session)
    else:
        sessions.save(session)
        if session.turns % sessions.PERSIST_EVERY == 0:
            sessions.persist(session)
    return AgentReply(
        text=turn.text,
        actions=actions,
        tool_calls=tool_calls,
        cart=session.cart_view(),
        brain=turn.brain or name,
        lang=session.lang,
        latency_ms=latency,
        ended=ended,
    )


def finish(session: CallSession) -> None:
    """The caller hung up (or the chat closed): keep the record."""
    if not session.ended:
        sessions.end(session)
