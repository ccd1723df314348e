"""Local fake of Stripe (checkout, subscriptions, portal, meter events, signed webhooks); see server.py.

Exports resolve lazily so `python -m tests.fakes.stripe.server` does not import the module twice."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.stripe.server import FakeStripe, RecordedRequest

__all__ = ["FakeStripe", "RecordedRequest"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("tests.fakes.stripe.server"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
