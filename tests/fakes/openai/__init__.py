"""Local fake of the OpenAI Chat Completions, audio (transcription, speech) and Realtime APIs; see
server.py for the REST wire details and realtime.py for the Realtime WebSocket.

Exports are resolved lazily so `python -m tests.fakes.openai.server` does not import the module twice
(runpy warns when a package's __init__ has already imported the module it is about to run)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.openai.realtime import (
        RealtimeRecord,
        RealtimeReply,
        RtError,
        RtFunctionCall,
        RtSay,
        pcmu_silence,
        pcmu_tone,
        rt_error,
        rt_function_call,
        rt_say,
    )
    from tests.fakes.openai.server import (
        Completion,
        Drop,
        ErrorReply,
        FakeOpenAI,
        Hang,
        RecordedRequest,
        Reply,
        ToolCall,
        Transcript,
        TranscriptionReply,
        UploadedFile,
        drop,
        error,
        hang,
        refusal,
        structured,
        text,
        tool_calls,
        transcript,
    )

__all__ = [
    "Completion",
    "Drop",
    "ErrorReply",
    "FakeOpenAI",
    "Hang",
    "RecordedRequest",
    "Reply",
    "ToolCall",
    "Transcript",
    "TranscriptionReply",
    "UploadedFile",
    "drop",
    "error",
    "hang",
    "refusal",
    "structured",
    "text",
    "tool_calls",
    "transcript",
    "RealtimeRecord",
    "RealtimeReply",
    "RtError",
    "RtFunctionCall",
    "RtSay",
    "pcmu_silence",
    "pcmu_tone",
    "rt_error",
    "rt_function_call",
    "rt_say",
]
# the names that live in realtime.py
_REALTIME = frozenset(
    {
        "RealtimeRecord", "RealtimeReply", "RtError", "RtFunctionCall", "RtSay",
        "pcmu_silence", "pcmu_tone", "rt_error", "rt_function_call", "rt_say",
    }
)  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _REALTIME:
        return getattr(import_module("tests.fakes.openai.realtime"), name)
    if name in __all__:
        return getattr(import_module("tests.fakes.openai.server"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
