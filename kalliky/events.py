"""Publishing a domain event: the one way an app tells the apps above it what happened
(docs/decisions/0030). Each app defines its own signals in its `events.py`; all send them here."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)


def publish(signal: Signal, *, sender: type, **kwargs: Any) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction).

    Every subscriber runs, even when one fails: a failure is logged, the others still run, and
    the request that committed the business row is not turned into an error after the fact."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                log.error(
                    "subscriber %r of %s failed",
                    receiver,
                    sender.__name__,
                    exc_info=(type(result), result, result.__traceback__),
                )

    transaction.on_commit(send)
