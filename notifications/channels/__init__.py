"""Notification channels: one small class per kind, behind one registry.

A channel's contract: `send(item)` delivers one queued notification and returns None, or raises
`ChannelError(message, permanent=...)`. Any other exception counts as a temporary failure. The
dispatcher records the error in one place and decides: retry later, or give up."""

from __future__ import annotations

import abc
import functools

from django.utils.module_loading import import_string

from notifications import templating
from notifications.models import Channel, NotificationQueueItem

# kind → class; the kinds and their labels are notifications.models.Channel.
CHANNELS: dict[str, str] = {
    Channel.EMAIL: "notifications.channels.email.EmailChannel",
    Channel.SMS: "notifications.channels.sms.SmsChannel",
    Channel.WEBHOOK: "notifications.channels.webhook.WebhookChannel",
}


class ChannelError(Exception):
    """A failed delivery. `permanent`: retrying cannot help (no number to send from…)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NotificationChannel(abc.ABC):
    @abc.abstractmethod
    def send(self, item: NotificationQueueItem) -> None:
        """Deliver the item or raise ChannelError."""


@functools.cache
def channel_for(kind: str) -> NotificationChannel:
    try:
        path = CHANNELS[kind]
    except KeyError:
        raise ChannelError(f"Unknown channel {kind!r}.", permanent=True) from None
    return import_string(path)()


def message_for(item: NotificationQueueItem) -> templating.Message:
    """The item's text, from its template and the values taken when it was queued."""
    try:
        return templating.compose(
            business_id=item.business_id,
            action=item.action_type,
            channel=item.channel,
            language=item.payload.get("language", "fr"),
            values=item.payload.get("vars", {}),
        )
    except LookupError as exc:
        raise ChannelError(str(exc), permanent=True) from None
