"""Email through Django's mail backend (SMTP in production, `EMAIL_URL`): text and HTML parts."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives

from notifications.channels import ChannelError, NotificationChannel, message_for
from notifications.models import NotificationQueueItem


class EmailChannel(NotificationChannel):
    def send(self, item: NotificationQueueItem) -> None:
        message = message_for(item)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[item.recipient],
            # Lets support find the queue item from a bounce or a forwarded message.
            headers={"X-Kalliky-Notification": str(item.pk)},
        )
        email.attach_alternative(message.html, "text/html")
        try:
            email.send(fail_silently=False)
        except BadHeaderError as exc:
            raise ChannelError(f"Invalid email header: {exc}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from None
