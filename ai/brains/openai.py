"""The OpenAI brain: Chat Completions with the shared tools, streamed.

Budgets are strict because a caller is waiting on the line: connect within
OPENAI_CONNECT_TIMEOUT, first byte within OPENAI_FIRST_TOKEN_TIMEOUT, the whole turn within
OPENAI_TURN_TIMEOUT. A failed request is retried once; then the local brain takes the turn,
after a short bridge phrase, and the reason is logged on the session. Each business has an
hourly budget of AI requests (sliding window in the cache); beyond it the caller is handed to
a person politely instead of the call failing."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openai
from django.conf import settings
from django.core.cache import cache

from ai.brains import BrainTurn, get_brain
from ai.tools import ToolContext, call_tool, openai_tools

log = logging.getLogger(__name__)

BRIDGE = {"fr": "Un instant, s'il vous plaît.", "en": "One moment, please."}
OVER_LIMIT = {
    "fr": "Je suis désolé, je ne peux pas traiter votre demande pour le moment. Je vous passe un collègue.",
    "en": "I'm sorry, I can't handle your request right now. Let me put you through to a colleague.",
}
SENTENCE_END = re.compile(r"[.!?…](\s|$)")
WINDOW = 3600


class BrainUnavailable(Exception):
    """The model could not answer within budget (after the retry)."""


def rate_limit_allows(business_id: int, plan: str, *, now: float | None = None) -> bool:
    """Sliding window over the last hour, from two fixed windows (this one and the previous,
    weighted by how much of it still overlaps): two cache keys, atomic increments."""
    limit = settings.AI_RATE_LIMITS_BY_PLAN.get(plan, settings.AI_RATE_LIMIT_PER_HOUR)
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    current_key = f"ai:rl:{business_id}:{window}"
    previous = cache.get(f"ai:rl:{business_id}:{window - 1}", 0)
    current = cache.get(current_key, 0)
    overlap = 1 - (now % WINDOW) / WINDOW
    if previous * overlap + current >= limit:
        return False
    if not cache.add(current_key, 1, timeout=2 * WINDOW):
        try:
            cache.incr(current_key)
        except ValueError:
            cache.set(current_key, 1, timeout=2 * WINDOW)
    return True


def cost_of(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    price_in, price_out = settings.OPENAI_PRICES.get(model, (0.0, 0.0))
    return (Decimal(str(price_in)) * tokens_in + Decimal(str(price_out)) * tokens_out) / Decimal(1_000_000)


class OpenAIBrain:
    name = "openai"

    def __init__(self) -> None:
        self.model = settings.OPENAI_MODEL
        self.client = openai.OpenAI(
            api_key=settings.OPENAI_API_KEY or "missing",
            base_url=settings.OPENAI_BASE_URL,
            max_retries=0,  # we retry once ourselves, within the caller's time budget
            timeout=openai.Timeout(
                settings.OPENAI_TURN_TIMEOUT,
                connect=settings.OPENAI_CONNECT_TIMEOUT,
                read=settings.OPENAI_FIRST_TOKEN_TIMEOUT,
            ),
        )
        self.tools = openai_tools()

    # --- one turn -----------------------------------------------------------------------
    def turn(self, tc: ToolContext, text: str, on_sentence: Callable[[str], None] | None = None) -> BrainTurn:
        session = tc.session
        lang = session.lang if session.lang in BRIDGE else "fr"
        if not rate_limit_allows(tc.ctx.business_id, tc.ctx.plan):
            log.warning("AI rate limit reached for business %s", tc.ctx.business_id)
            call_tool(tc, "transfer_to_human", {"reason": "AI request limit reached"})
            return BrainTurn(text=OVER_LIMIT[lang], brain=self.name, fallback_reason="rate limit")
        deadline = time.monotonic() + settings.OPENAI_TURN_TIMEOUT
        result = BrainTurn(text="", brain=self.name)
        try:
            for _ in range(settings.OPENAI_MAX_TOOL_ROUNDS):
                content, tool_calls = self._request(tc, result, deadline, on_sentence)
                if not tool_calls:
                    result.text = content.strip()
                    return result
                session.messages.append(
                    {"role": "assistant", "content": content or None, "tool_calls": tool_calls}
                )
                for call in tool_calls:
                    output = call_tool(tc, call["function"]["name"], call["function"]["arguments"])
                    session.messages.append(
                        {
                            "role": "tool",
                            "tool_call_id": call["id"],
                            "content": json.dumps(output, default=str),
                        }
                    )
            raise BrainUnavailable("too many tool rounds in one turn")
        except BrainUnavailable as exc:
            return self._fallback(tc, text, result, str(exc), lang)

    def _fallback(self, tc: ToolContext, text: str, partial: BrainTurn, reason: str, lang: str) -> BrainTurn:
        log.warning("OpenAI brain fell back to the local brain: %s", reason)
        local = get_brain("local").turn(tc, text)
        local.text = f"{BRIDGE[lang]} {local.text}"
        local.tokens_in, local.tokens_out, local.cost = partial.tokens_in, partial.tokens_out, partial.cost
        local.fallback_reason = reason
        local.brain = "openai→local"
        return local

    def _messages(self, tc: ToolContext) -> list[dict[str, Any]]:
        now = tc.now
        live = (
            f"Now: {now:%A %Y-%m-%d %H:%M} ({tc.ctx.timezone}). "
            f"Caller's number {'known' if tc.session.caller_phone else 'hidden'}. "
            f"Reply in {'French' if tc.session.lang == 'fr' else 'English'} unless the caller switches."
        )
        if tc.session.cart:
            live += f" Current order: {json.dumps(tc.session.cart_view())}."
        history = []
        for message in tc.session.messages:
            entry = {
                k: v for k, v in message.items() if k in ("role", "content", "tool_calls", "tool_call_id")
            }
            history.append(entry)
        return [{"role": "system", "content": tc.ctx.system_prompt + "\n\n" + live}, *history]

    def _request(
        self,
        tc: ToolContext,
        acc: BrainTurn,
        deadline: float,
        on_sentence: Callable[[str], None] | None,
    ) -> tuple[str, list[dict[str, Any]]]:
        last_error = ""
        for attempt in range(2):  # one retry
            if time.monotonic() >= deadline:
                break
            try:
                return self._stream(tc, acc, deadline, on_sentence)
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                last_error = f"{type(exc).__name__} (attempt {attempt + 1})"
            except openai.APIStatusError as exc:
                last_error = f"HTTP {exc.status_code}: {getattr(exc, 'message', exc)}"
                if exc.status_code in (400, 401, 403, 404):
                    break  # a retry cannot fix these
            except TimeoutError as exc:
                last_error = str(exc)
        raise BrainUnavailable(last_error or "turn budget exhausted")

    def _stream(
        self,
        tc: ToolContext,
        acc: BrainTurn,
        deadline: float,
        on_sentence: Callable[[str], None] | None,
    ) -> tuple[str, list[dict[str, Any]]]:
        stream = self.client.chat.completions.create(
            model=self.model,
            messages=self._messages(tc),
            tools=self.tools,
            stream=True,
            stream_options={"include_usage": True},
            temperature=0.3,
        )
        content: list[str] = []
        spoken = 0
        calls: dict[int, dict[str, Any]] = {}
        usage = None
        try:
            for chunk in stream:
                if time.monotonic() > deadline:
                    raise TimeoutError("turn budget exhausted while streaming")
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        content.append(delta.content)
                        if on_sentence is not None:
                            spoken = self._emit_sentences("".join(content), spoken, on_sentence)
                    for piece in delta.tool_calls or []:
                        slot = calls.setdefault(
                            piece.index,
                            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                        )
                        if piece.id:
                            slot["id"] = piece.id
                        if piece.function and piece.function.name:
                            slot["function"]["name"] += piece.function.name
                        if piece.function and piece.function.arguments:
                            slot["function"]["arguments"] += piece.function.arguments
        finally:
            stream.close()
        text = "".join(content)
        if on_sentence is not None and spoken < len(text) and text[spoken:].strip() and not calls:
            on_sentence(text[spoken:].strip())
        if usage is not None:
            acc.tokens_in += usage.prompt_tokens
            acc.tokens_out += usage.completion_tokens
            acc.cost += cost_of(self.model, usage.prompt_tokens, usage.completion_tokens)
        return text, [calls[i] for i in sorted(calls)]

    @staticmethod
    def _emit_sentences(text: str, spoken: int, on_sentence: Callable[[str], None]) -> int:
        """Hand each finished sentence to the voice as soon as it is complete."""
        for match in SENTENCE_END.finditer(text, spoken):
            sentence = text[spoken : match.end()].strip()
            if sentence:
                on_sentence(sentence)
            spoken = match.end()
        return spoken
