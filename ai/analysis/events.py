"""Domain events of the post-call analysis. The analysis is below notifications: it publishes,
notifications subscribe (NotificationsConfig.ready) and tell the owner about the calls.

Sent on commit with `stores.events.publish`, once per batch of analysed calls, so a subscriber can
read them all at once."""

from __future__ import annotations

from django.dispatch import Signal

# call_ids=<list[int]>: calls whose analysis has just committed (summary, sentiment, status).
calls_analysed = Signal()
