"""CallAnalysisResult: what a finished call amounts to, in the shape the dashboard, the OpenAI
analyzer and the webhook consumers share. Field names are the seed's (camelCase) on purpose:
they are a published contract, not Python attributes we chose.

One pydantic model validates every analyzer's output; `strict_json_schema()` derives from it the
schema sent to OpenAI's structured outputs, so the two can never drift apart."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stores.models import ComplaintCategory

DeliveryType = Literal["dine-in", "takeaway", "delivery"]
Urgency = Literal["normal", "high", "emergency"]
Severity = Literal["low", "normal", "high", "emergency"]
Sentiment = Literal["positive", "neutral", "negative"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalysedItem(_Closed):
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=999)
    customizations: list[str]
    finalPrice: float = Field(ge=0, description="Price of the whole line (quantity included), tax included.")


class AnalysedOrder(_Closed):
    items: list[AnalysedItem] = Field(min_length=1)
    total: float = Field(ge=0)
    deliveryType: DeliveryType
    urgency: Urgency


class AnalysedService(_Closed):
    name: str = Field(min_length=1, max_length=200)
    requestedDate: str | None = Field(description="ISO 8601 date-time in the store's time zone, or null.")
    duration: int | None = Field(description="Minutes, or null when unknown.")
    price: float | None


class AnalysedConsultation(_Closed):
    problem: str = Field(min_length=1)
    urgency: Urgency
    recommendation: str
    expertiseRequired: str


class Signalement(_Closed):
    category: ComplaintCategory
    description: str = Field(min_length=1)
    urgency: Severity
    requestedActions: list[str]


class ConversationOutcome(_Closed):
    sentiment: Sentiment
    satisfaction: int = Field(ge=1, le=10)
    summary: str
    followUpRequired: bool


class CallAnalysisResult(_Closed):
    orders: list[AnalysedOrder]
    services: list[AnalysedService]
    consultations: list[AnalysedConsultation]
    signalements: list[Signalement]
    conversation: ConversationOutcome


# Keywords structured outputs do not need from us: bounds are checked by pydantic afterwards, so
# a model that slips gets a retry rather than a schema the API might refuse.
_DROP = {"title", "default", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"}


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if k not in _DROP}
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def strict_json_schema() -> dict[str, Any]:
    """The JSON schema for `response_format={"type": "json_schema", "strict": true, …}`: every
    object closed and every property required (nullable ones say so with a null branch)."""
    return _strict(CallAnalysisResult.model_json_schema())


def empty_result(summary: str = "") -> CallAnalysisResult:
    return CallAnalysisResult(
        orders=[],
        services=[],
        consultations=[],
        signalements=[],
        conversation=ConversationOutcome(
            sentiment="neutral", satisfaction=5, summary=summary, followUpRequired=False
        ),
    )
