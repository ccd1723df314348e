"""Local fake of Telnyx (Call Control v2, numbers, messaging) with a scripted caller; see server.py.

Exports are resolved lazily so `python -m tests.fakes.telnyx.server` does not import the module twice
(runpy warns when a package's __init__ has already imported the module it is about to run)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.telnyx.calls import Command, FakeCall
    from tests.fakes.telnyx.delivery import Delivery
    from tests.fakes.telnyx.errors import ApiError
    from tests.fakes.telnyx.server import FakeTelnyx, RecordedRequest

_EXPORTS = {
    "ApiError": "tests.fakes.telnyx.errors",
    "Command": "tests.fakes.telnyx.calls",
    "Delivery": "tests.fakes.telnyx.delivery",
    "FakeCall": "tests.fakes.telnyx.calls",
    "FakeTelnyx": "tests.fakes.telnyx.server",
    "RecordedRequest": "tests.fakes.telnyx.server",
}

__all__ = ["ApiError", "Command", "Delivery", "FakeCall", "FakeTelnyx", "RecordedRequest"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
