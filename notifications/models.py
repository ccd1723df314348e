from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


class ActionType(models.TextChoices):
    NEW_ORDER = "new_order", _("New order")
    NEW_RESERVATION = "new_reservation", _("New reservation")
    NEW_BOOKING = "new_booking", _("New service booking")
    NEW_CONSULTATION = "new_consultation", _("New consultation request")
    COMPLAINT = "complaint", _("Complaint")
    MISSED_CALL = "missed_call", _("Missed call")
    CALL_SUMMARY = "call_summary", _("Call summary")
    CUSTOMER_CONFIRMATION = "customer_confirmation", _("Confirmation to the caller")
    WELCOME = "welcome", _("Welcome")
    BILLING = "billing", _("Billing")


class NotificationConfig(TimeStamped):
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="notification_configs"
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="notification_configs"
    )
    action_type = models.CharField(_("action"), max_length=30, choices=ActionType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Email addresses, E.164 numbers or webhook URLs, depending on the channel.
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    config = models.JSONField(_("channel settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification configuration")
        verbose_name_plural = _("notification configurations")
        ordering = ("action_type", "channel")

    def __str__(self) -> str:
        return f"{self.get_action_type_display()} → {self.get_channel_display()}"


class NotificationTemplate(TimeStamped):
    """A message template; a business's own template overrides the default (business=None)."""

    business = models.ForeignKey(
        "accounts.Business",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_templates",
    )
    action_type = models.CharField(_("action"), max_length=30, choices=ActionType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, default="fr")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    variables = models.JSONField(_("available variables"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ("action_type", "channel", "language")
        constraints = [
            # Two partial constraints instead of nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["business", "action_type", "channel", "language"],
                condition=models.Q(business__isnull=False),
                name="template_unique_per_business",
            ),
            models.UniqueConstraint(
                fields=["action_type", "channel", "language"],
                condition=models.Q(business__isnull=True),
                name="template_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_type}/{self.channel}/{self.language}"


class NotificationQueueItem(TimeStamped):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="notifications")
    config = models.ForeignKey(
        NotificationConfig, on_delete=models.SET_NULL, null=True, blank=True, related_name="queue_items"
    )
    action_type = models.CharField(_("action"), max_length=30, choices=ActionType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    scheduled_at = models.DateTimeField(_("scheduled at"), db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The same event never notifies the same recipient twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("queued notification")
        verbose_name_plural = _("queued notifications")
        ordering = ("-scheduled_at",)

    def __str__(self) -> str:
        return f"{self.action_type} → {self.recipient} ({self.status})"
