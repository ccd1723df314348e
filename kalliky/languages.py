"""The languages the product speaks and writes: French first, then English. One rule for every
app that must turn a stored or detected code into one of them."""

from __future__ import annotations

SUPPORTED_LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def supported_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """`code` when it is exactly one we support ("fr", "en"), else `default` (French unless the
    caller says otherwise, e.g. Stripe's "auto"). Exact match: "en-GB" is not "en" here."""
    return code if code in SUPPORTED_LANGUAGES else default  # type: ignore[return-value]
