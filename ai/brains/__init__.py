"""Brains turn one caller line into one reply, using the shared tools. Each is a provider built
once and chosen by name: `local` (offline, deterministic) or `openai` (chat completions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ai.tools import ToolContext


@dataclass
class BrainTurn:
    text: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal("0")
    brain: str = ""
    fallback_reason: str = ""


class Brain(Protocol):
    name: str

    def turn(self, tc: ToolContext, text: str) -> BrainTurn: ...


_BRAINS: dict[str, Brain] = {}


def get_brain(name: str) -> Brain:
    if name not in _BRAINS:
        if name == "openai":
            # Each brain module imports BrainTurn from this package: a brain is built on first use.
            from ai.brains.openai import OpenAIBrain

            _BRAINS[name] = OpenAIBrain()
        elif name == "local":
            # Same cycle: ai.brains.local imports BrainTurn from this package.
            from ai.brains.local import LocalBrain

            _BRAINS[name] = LocalBrain()
        else:
            raise ValueError(f"Unknown brain {name!r}: local or openai.")
    return _BRAINS[name]


def reset() -> None:
    """Forget built brains (tests change settings such as the OpenAI base URL)."""
    _BRAINS.clear()
