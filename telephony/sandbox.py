"""Sandbox calls: calls placed on the Telnyx simulator (`make run` without a Telnyx account).

Such a call may carry a "pretend it is" time, so a newcomer can try ordering from a demo store at
4 a.m. (`simulate_call --now`). It travels the way a real carrier carries caller data: a custom
SIP header, which Telnyx lists in call.initiated's `custom_headers` ([{"name", "value"}]). The
app honours it only when its settings say the phone network is the simulator; on real Telnyx the
header is ignored and the call runs on the real clock."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings

from ai import clock
from stores.availability import store_tz
from stores.models import Store

log = logging.getLogger(__name__)

PRETEND_NOW_HEADER = "X-Kalliky-Pretend-Now"


def on_simulator() -> bool:
    """The phone network is the simulator: it is configured, and the API calls go to it."""
    simulator = settings.TELNYX_SIMULATOR_URL.rstrip("/")
    return bool(simulator) and settings.TELNYX_BASE_URL.startswith(simulator + "/")


def header(payload: dict[str, Any], name: str) -> str | None:
    """A custom SIP header of call.initiated (names are case-insensitive, as in SIP)."""
    headers = payload.get("custom_headers")
    if not isinstance(headers, list):
        return None
    for item in headers:
        if isinstance(item, dict) and str(item.get("name") or "").lower() == name.lower():
            return str(item.get("value") or "")
    return None


def pretend_now(payload: dict[str, Any], store: Store) -> datetime | None:
    """The call's pretend time, or None for the real clock (no header, a bad one, or real Telnyx)."""
    value = header(payload, PRETEND_NOW_HEADER)
    if value is None or not on_simulator():
        return None
    try:
        return clock.parse_moment(value, store_tz(store))
    except ValueError as exc:
        log.warning("call.initiated: ignoring %s (%s)", PRETEND_NOW_HEADER, exc)
        return None
