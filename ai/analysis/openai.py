"""The OpenAI analyzer: structured outputs with a strict JSON schema (the one CallAnalysisResult
derives), the store's context as the system prompt, our own retries, and the local analyzer as the
fallback with the reason recorded. Only this module and ai.brains.openai import the SDK."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from functools import cache

import openai
from django.conf import settings
from pydantic import ValidationError

from ai.analysis.base import AnalysisInput, AnalyzerOutput
from ai.analysis.local import LocalAnalyzer
from ai.analysis.schema import CallAnalysisResult, strict_json_schema
from ai.context import StoreContext

log = logging.getLogger(__name__)

SCHEMA_NAME = "call_analysis"

INSTRUCTIONS = {
    "fr": (
        "Vous analysez un appel téléphonique terminé, reçu par {store} ({business}). "
        "Rendez uniquement ce que l'appel contient : commandes (articles, quantités, personnalisations, "
        "prix de la ligne d'après la carte, total, type de remise, urgence), prestations et réservations "
        "demandées (date ISO dans le fuseau {tz}), demandes de consultation, réclamations (catégorie, "
        "description, gravité, actions demandées), et la conversation (sentiment, satisfaction de 1 à 10, "
        "résumé en français de deux phrases au plus, suivi nécessaire). N'inventez rien : une liste vide "
        "vaut mieux qu'une supposition. Les lignes « Assistant » sont celles de la réceptionniste, "
        "« Client » celles de l'appelant ; « ? » quand on ne sait pas qui parle."
    ),
    "en": (
        "You analyse a finished phone call received by {store} ({business}). Return only what the call "
        "contains: orders (items, quantities, customisations, line price from the menu, total, delivery "
        "type, urgency), services and table reservations asked for (ISO date in the {tz} time zone), "
        "consultation requests, complaints (category, description, severity, requested actions), and the "
        "conversation (sentiment, satisfaction 1 to 10, an English summary of at most two sentences, "
        "follow-up needed). Invent nothing: an empty list beats a guess. 'Assistant' lines are the "
        "receptionist's, 'Client' lines the caller's; '?' when the speaker is unknown."
    ),
}


def system_prompt(ctx: StoreContext, lang: str) -> str:
    """The seed's store-context prompt: business, store, personality, catalog and services."""
    lang = lang if lang in INSTRUCTIONS else "en"
    parts = [
        INSTRUCTIONS[lang].format(store=ctx.store_name, business=ctx.business_name, tz=ctx.timezone),
        f"Personality: {ctx.personality}. Currency: {ctx.currency}.",
    ]
    if ctx.items:
        parts.append("Menu (price incl. tax; sizes replace the price, extras add to it):")
        for item in ctx.items:
            options = "; ".join(
                f"{v.type} {v.value}" + (f" {v.price}" if v.price is not None else f" +{v.price_delta}")
                for v in item.variations
            )
            parts.append(
                f"- {item.name} [{item.category}] {item.price}" + (f" ({options})" if options else "")
            )
    if ctx.services:
        parts.append("Services:")
        parts += [f"- {s.name}: {s.duration_minutes} min, {s.price}" for s in ctx.services]
    if ctx.has_reservations:
        parts.append("The store takes table reservations (report them as services named 'Table for N').")
    if ctx.has_consultations:
        parts.append("The store takes consultation requests.")
    return "\n".join(parts)


def transcript_text(data: AnalysisInput) -> str:
    names = {"assistant": "Assistant", "caller": "Client", "unknown": "?"}
    return "\n".join(f"{names.get(line.role, '?')}: {line.text}" for line in data.lines if line.text.strip())


@cache
def _client(api_key: str, base_url: str, timeout: float) -> openai.OpenAI:
    # Our own retry loop decides (and counts) retries; the SDK's would hide them.
    return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


def _cost(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    price_in, price_out = settings.OPENAI_PRICES.get(model, (0.0, 0.0))
    return Decimal(str(round((tokens_in * price_in + tokens_out * price_out) / 1_000_000, 6)))


class OpenAIAnalyzer:
    name = "openai"

    def analyze(self, data: AnalysisInput) -> AnalyzerOutput:
        if not settings.OPENAI_API_KEY:
            return self._fallback(data, "OPENAI_API_KEY is not set", attempts=0)
        model = settings.OPENAI_ANALYSIS_MODEL
        client = _client(settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL, settings.OPENAI_ANALYSIS_TIMEOUT)
        messages = [
            {"role": "system", "content": system_prompt(data.ctx, data.lang)},
            {"role": "user", "content": transcript_text(data) or "(silence)"},
        ]
        tokens_in = tokens_out = 0
        reason = ""
        attempts = 0
        for attempts in range(1, settings.OPENAI_ANALYSIS_ATTEMPTS + 1):  # noqa: B007 - reported below
            try:
                completion = client.chat.completions.create(
                    model=model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=0,
                    response_format={
                        "type": "json_schema",
                        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": strict_json_schema()},
                    },
                )
            except openai.OpenAIError as exc:
                reason = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("analysis attempt %s failed: %s", attempts, reason)
                continue
            if completion.usage is not None:
                tokens_in += completion.usage.prompt_tokens
                tokens_out += completion.usage.completion_tokens
            message = completion.choices[0].message if completion.choices else None
            if message is None or getattr(message, "refusal", None):
                reason = f"the model refused: {getattr(message, 'refusal', '') or 'no choice'}"[:300]
                continue
            try:
                result = CallAnalysisResult.model_validate(json.loads(message.content or ""))
            except (json.JSONDecodeError, ValidationError) as exc:
                reason = f"invalid analysis from the model: {str(exc).splitlines()[0]}"[:300]
                log.warning("analysis attempt %s: %s", attempts, reason)
                continue
            return AnalyzerOutput(
                result=result,
                analyzer=self.name,
                cost=_cost(model, tokens_in, tokens_out),
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                attempts=attempts,
            )
        out = self._fallback(data, reason or "no answer", attempts=attempts)
        out.cost, out.tokens_in, out.tokens_out = _cost(model, tokens_in, tokens_out), tokens_in, tokens_out
        return out

    @staticmethod
    def _fallback(data: AnalysisInput, reason: str, *, attempts: int) -> AnalyzerOutput:
        out = LocalAnalyzer().analyze(data)
        out.fallback_reason = reason
        out.attempts = attempts
        return out
