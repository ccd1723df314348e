"""What an analyzer is given, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ai.analysis.schema import CallAnalysisResult
from ai.context import StoreContext


@dataclass(frozen=True)
class Line:
    role: str  # "caller" | "assistant" | "unknown" (a recording has no speaker labels)
    text: str


@dataclass
class Known:
    """What the call already produced through the tools, as plain views (no ORM in analyzers)."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
    service_bookings: list[dict[str, Any]] = field(default_factory=list)
    consultations: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)
    callback_requested: bool = False


@dataclass
class AnalysisInput:
    ctx: StoreContext
    lang: str
    lines: list[Line]
    known: Known
    state: dict[str, Any]  # the conversation's unfinished business (ai.session.end_state)
    call_status: str
    duration_seconds: int
    started_at: datetime | None
    handled_by_assistant: bool
    session_cost: Decimal = Decimal("0")


@dataclass
class AnalyzerOutput:
    result: CallAnalysisResult
    analyzer: str
    cost: Decimal = Decimal("0")
    tokens_in: int = 0
    tokens_out: int = 0
    fallback_reason: str = ""
    attempts: int = 1
    # The summary as parts (ai.analysis.summary) when our own phrases wrote it: shown to each
    # reader in their language. None for an LLM's free text.
    summary_parts: list[Any] | None = None


class Analyzer(Protocol):
    name: str

    def analyze(self, data: AnalysisInput) -> AnalyzerOutput: ...
