"""The tool catalogue every brain uses: one JSON schema per tool (OpenAI function / Realtime
tool definitions) and one implementation that calls the same `stores.services` the dashboard
uses. A tool never raises at the brain: a refusal comes back as
{"ok": false, "error": <code>, "message": ..., "alternatives": [...]} so the brain can offer
what is possible instead ("we close at 23:00, the last table is at 22:15").

registry.py holds the machinery (schemas, `call_tool`, shared helpers); the tools themselves
register on import, in the catalogue's order: catalog, cart, bookings, info."""

from __future__ import annotations

from ai.tools import bookings, cart, catalog, info  # noqa: F401  (importing registers the tools)
from ai.tools.bookings import CONSULTATION_MINUTES
from ai.tools.cart import CHECK_QUANTITY, MAX_QUANTITY, usual_lines
from ai.tools.registry import TOOLS, Tool, ToolContext, ToolError, call_tool, openai_tools, tool

__all__ = [
    "CHECK_QUANTITY",
    "CONSULTATION_MINUTES",
    "MAX_QUANTITY",
    "TOOLS",
    "Tool",
    "ToolContext",
    "ToolError",
    "call_tool",
    "openai_tools",
    "tool",
    "usual_lines",
]
