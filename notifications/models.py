from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped
from stores.models import CustomerExchange


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
    CALLBACK_TICKET = "callback_ticket", _("Call-back ticket")
    BOOKING_REMINDER = "booking_reminder", _("Booking reminder")
    DAILY_DIGEST = "daily_digest", _("Daily digest")
    CUSTOMER_CONFIRMATION = "customer_confirmation", _("Confirmation to the caller")
    WELCOME = "welcome", _("Welcome")
    BILLING = "billing", _("Billing")
    # Sent by Kalliky itself (not configurable): the owner's text when a caller waits for a
    # call-back, and the payment link texted to a caller.
    CALLBACK_SMS = "callback_sms", _("Call-back text to the owner")
    PAYMENT_LINK = "payment_link", _("Payment link to the caller")


Severity = CustomerExchange.Severity


class NotificationConfig(TimeStamped):
    """Who hears about an action of a store, and how. One row per store, action and channel;
    a row without a store applies to every store of the business."""

    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="notification_configs"
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="notification_configs"
    )
    action_type = models.CharField(_("action"), max_length=30, choices=ActionType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Email addresses, E.164 numbers or webhook URLs, depending on the channel. Empty for the
    # messages to the caller (confirmation, reminder): those go to the caller's own phone.
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    config = models.JSONField(_("channel settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Complaints only: the least severe complaint that is notified.
    min_severity = models.CharField(
        _("minimum severity"), max_length=10, choices=Severity.choices, default=Severity.LOW
    )

    class Meta:
        verbose_name = _("notification configuration")
        verbose_name_plural = _("notification configurations")
        ordering = ("action_type", "channel")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "action_type", "channel"],
                condition=models.Q(store__isnull=False),
                name="notification_config_unique_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_type_display()} → {self.get_channel_display()}"

    def clean(self) -> None:
        # notifications.actions imports this module (ActionType, Channel): a real cycle
        from notifications.actions import RecipientError, clean_recipients

        try:
            self.recipients = clean_recipients(
                self.action_type, self.channel, list(self.recipients or []), active=self.is_active
            )
        except RecipientError as exc:
            raise ValidationError({exc.field: exc.message}) from None


class NotificationTemplate(TimeStamped):
    """A message template; a business's own template overrides the default (business=None),
    which overrides the texts shipped in notifications/defaults.py."""

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

    def clean(self) -> None:
        # notifications.actions imports this module (ActionType, Channel): a real cycle
        from notifications.actions import variables_of

        # notifications.templating imports this module (NotificationTemplate): a real cycle
        from notifications.templating import TemplateProblem, check_template

        try:
            check_template(self.action_type, self.channel, self.language, self.subject, self.body)
        except TemplateProblem as exc:
            raise ValidationError({exc.field: exc.message}) from None
        self.variables = list(variables_of(self.action_type))


def default_digest_hour() -> int:
    return settings.NOTIFICATIONS_DIGEST_HOUR


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class StoreNotificationSettings(TimeStamped):
    """A store's notification settings: the key its webhooks are signed with, and the local
    hour of its daily digest."""

    store = models.OneToOneField(
        "stores.Store", on_delete=models.CASCADE, related_name="notification_settings"
    )
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=128, default=new_webhook_secret)
    digest_hour = models.PositiveSmallIntegerField(
        _("daily digest hour (store time)"), default=default_digest_hour, validators=[MaxValueValidator(23)]
    )

    class Meta:
        verbose_name = _("store notification settings")
        verbose_name_plural = _("store notification settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23), name="notification_digest_hour_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.store)


class NotificationQueueItem(TimeStamped):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        # Retrying cannot help (no number to send from, a recipient refused for good).
        FAILED = "failed", _("Failed")
        # Every attempt failed: kept with its last error until someone replays it.
        DEAD = "dead", _("Dead")
        # No longer wanted (the booking was cancelled, the configuration turned off).
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses a dispatcher may pick up once next_attempt_at has come.
    DUE = (Status.QUEUED, Status.RETRYING)
    REPLAYABLE = (Status.DEAD, Status.FAILED, Status.CANCELLED, Status.QUEUED, Status.RETRYING)

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="notifications")
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    config = models.ForeignKey(
        NotificationConfig, on_delete=models.SET_NULL, null=True, blank=True, related_name="queue_items"
    )
    action_type = models.CharField(_("action"), max_length=30, choices=ActionType.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    # {"language", "vars" (template variables, strings), "data" (the webhook's JSON), "check"}
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    # When the message is meant to go out (a reminder: hours before the booking).
    scheduled_at = models.DateTimeField(_("scheduled at"), db_index=True)
    # When a dispatcher may next pick it up: scheduled_at, then the backoff after each failure,
    # and while SENDING the end of the sender's lease (a crashed worker's item comes back).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The same event never notifies the same recipient twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("queued notification")
        verbose_name_plural = _("queued notifications")
        ordering = ("-scheduled_at",)
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.action_type} → {self.recipient} ({self.status})"
