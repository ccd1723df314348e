"""The registry of the tool catalogue: one JSON schema per tool (OpenAI function / Realtime
tool definitions), `call_tool` that runs one for a brain, and the helpers the tools share. A tool
never raises at the brain: a refusal comes back as {"ok": false, "error": <code>, ...}."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ai import outcomes
from ai.context import StoreContext, local_now
from ai.session import CallSession
from billing.models import PaymentLink
from kalliky.errors import AppError
from stores.models import Source, Store

log = logging.getLogger(__name__)


class ToolError(Exception):
    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass
class ToolContext:
    session: CallSession
    ctx: StoreContext
    store: Store

    @property
    def now(self) -> datetime:
        return local_now(self.ctx, self.session.now())

    @property
    def tz(self) -> ZoneInfo:
        return self.now.tzinfo  # type: ignore[return-value]

    @property
    def source(self) -> str:
        return Source.TEST if self.session.sandbox else Source.CALL


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[..., dict[str, Any]]

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def realtime_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
        }


TOOLS: dict[str, Tool] = {}


def tool(
    name: str, description: str, properties: dict[str, Any] | None = None, required: tuple[str, ...] = ()
):
    def register(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        TOOLS[name] = Tool(
            name=name,
            description=description,
            parameters={
                "type": "object",
                "properties": properties or {},
                "required": list(required),
                "additionalProperties": False,
            },
            run=fn,
        )
        return fn

    return register


def call_tool(tc: ToolContext, name: str, arguments: dict[str, Any] | str | None) -> dict[str, Any]:
    """Run one tool; always returns a JSON-serialisable dict and logs it on the session."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            arguments = None
        if not isinstance(arguments, dict):
            result = _error("bad_arguments", "Arguments must be a JSON object.")
            tc.session.tool_log.append({"tool": name, "arguments": {}, "result": result})
            return result
    arguments = dict(arguments or {})
    spec = TOOLS.get(name)
    if spec is None:
        result = _error("unknown_tool", f"There is no tool named {name!r}.")
    else:
        unknown = set(arguments) - set(spec.parameters["properties"])
        missing = [p for p in spec.parameters["required"] if arguments.get(p) in (None, "")]
        if unknown:
            result = _error("bad_arguments", f"Unknown argument(s): {', '.join(sorted(unknown))}.")
        elif missing:
            result = _error("missing_argument", f"Missing: {', '.join(missing)}.", missing=missing)
        else:
            try:
                result = {"ok": True, **spec.run(tc, **arguments)}
            except ToolError as exc:
                result = _error(exc.code, exc.message, **exc.details)
            except AppError as exc:  # a business rule of stores.services
                result = _error(exc.code, exc.detail)
            except (TypeError, ValueError) as exc:
                result = _error("bad_arguments", str(exc))
    tc.session.tool_log.append({"tool": name, "arguments": arguments, "result": result})
    return result


def _error(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message, **details}


def openai_tools() -> list[dict[str, Any]]:
    return [t.openai_schema() for t in TOOLS.values()]


# --- helpers --------------------------------------------------------------------------------
def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _when(tc: ToolContext, day: str | None, at: str | None) -> datetime:
    if not day or not at:
        raise ToolError("missing_argument", "A date (YYYY-MM-DD) and a time (HH:MM) are needed.")
    try:
        parsed = datetime.combine(date.fromisoformat(day), time.fromisoformat(at))
    except ValueError:
        raise ToolError("bad_arguments", "Dates are YYYY-MM-DD and times HH:MM.") from None
    return parsed.replace(tzinfo=tc.tz)


def _customer_name(tc: ToolContext, name: str | None) -> str:
    name = (name or tc.session.customer_name or "").strip()
    if name:
        tc.session.customer_name = name
    return name


def _produced(tc: ToolContext, row: Any) -> None:
    """Record that this conversation made `row` (in the row's transaction): the call, the
    analysis and the owner's pages find it through that record."""
    outcomes.record(tc.session.db_id, row)


def _payment_link_sent(kind: str, object_id: int) -> bool:
    """Whether the caller is texted a payment link for it (billing.deposits)."""
    return PaymentLink.objects.filter(kind=kind, object_id=object_id).exists()


_WHEN = {
    "date": {"type": "string", "description": "YYYY-MM-DD, in the store's time zone"},
    "time": {"type": "string", "description": "HH:MM, 24 h, in the store's time zone"},
}
