"""Text messages through Telnyx (the telephony provider), sent from the store's active number."""

from __future__ import annotations

from notifications import selectors
from notifications.channels import ChannelError, NotificationChannel, message_for
from notifications.models import NotificationQueueItem
from telephony.providers import TelnyxNotConfigured, get_provider

# Telnyx answers these when it may work later; other 4xx (a bad number) will not.
_RETRYABLE = {408, 409, 429}


class SmsChannel(NotificationChannel):
    def send(self, item: NotificationQueueItem) -> None:
        sender = selectors.sender_number(item.store_id)
        if not sender:
            raise ChannelError("The store has no active phone number to send texts from.", permanent=True)
        text = message_for(item).text
        try:
            provider = get_provider()
        except TelnyxNotConfigured as exc:
            raise ChannelError(str(exc), permanent=True) from None
        try:
            provider.send_sms(from_=sender, to=item.recipient, text=text)
        except Exception as exc:  # noqa: BLE001 - the SDK's errors stay inside the provider's world
            status = getattr(exc, "status_code", None)
            permanent = isinstance(status, int) and 400 <= status < 500 and status not in _RETRYABLE
            raise ChannelError(
                f"Telnyx refused the text ({type(exc).__name__}): {exc}", permanent=permanent
            ) from None
