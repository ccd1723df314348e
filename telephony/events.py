"""Domain events of calls. Telephony is below notifications: it publishes (on commit, with
`kalliky.events.publish`), notifications subscribe in NotificationsConfig.ready."""

from __future__ import annotations

from django.dispatch import Signal

# ticket=<CallbackTicket>: a caller was promised a call-back. Notifications (the one sender of
# texts) texts the owner and records sms_sent_at / sms_error on the ticket.
callback_requested = Signal()
# call_ids=<list[int]>: calls whose post-call analysis has just committed (summary, sentiment,
# status); one event per batch, so a subscriber reads them all at once.
calls_analysed = Signal()
