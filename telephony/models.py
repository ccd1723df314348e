from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ai.analysis.summary import render as render_summary
from kalliky.inbox import WebhookEvent
from kalliky.models import TimeStamped


class PhoneNumber(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        ACTIVE = "ACTIVE", _("Active")
        SUSPENDED = "SUSPENDED", _("Suspended")
        CANCELLED = "CANCELLED", _("Cancelled")
        ERROR = "ERROR", _("Error")

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="phone_numbers")
    store = models.ForeignKey(
        "stores.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="phone_numbers"
    )
    number = models.CharField(_("number (E.164)"), max_length=20, unique=True)
    telnyx_id = models.CharField(_("Telnyx number id"), max_length=100, blank=True, db_index=True)
    telnyx_order_id = models.CharField(_("Telnyx order id"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    monthly_price = models.DecimalField(
        _("monthly price"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    telnyx_config = models.JSONField(_("Telnyx configuration"), default=dict, blank=True)
    forward_to = models.CharField(_("forward to (E.164)"), max_length=20, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ("number",)

    def __str__(self) -> str:
        return self.number


class Call(TimeStamped):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Status(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("In progress")
        TRANSFERRED = "transferred", _("Transferred")
        COMPLETED = "completed", _("Completed")
        MISSED = "missed", _("Missed")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    class AnalysisStatus(models.TextChoices):
        NONE = "none", _("Not requested")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="calls")
    store = models.ForeignKey(
        "stores.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    # Every webhook is routed by this id, so it is unique and indexed.
    call_control_id = models.CharField(_("Telnyx call control id"), max_length=255, unique=True)
    call_session_id = models.CharField(_("call session id"), max_length=255, blank=True, db_index=True)
    call_leg_id = models.CharField(_("call leg id"), max_length=255, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    from_number = models.CharField(_("from"), max_length=32)
    to_number = models.CharField(_("to"), max_length=32)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RINGING, db_index=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), default=0)
    hangup_cause = models.CharField(_("hang-up cause"), max_length=64, blank=True)
    hangup_source = models.CharField(_("hang-up source"), max_length=32, blank=True)
    recording_file = models.FileField(_("recording"), upload_to="recordings/%Y/%m/", blank=True)
    transcript = models.TextField(_("transcript"), blank=True)
    ai_summary = models.TextField(_("AI summary"), blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-10)"), null=True, blank=True)
    analysis = models.JSONField(_("analysis"), default=dict, blank=True)
    analysis_status = models.CharField(
        _("analysis status"), max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.NONE
    )
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=4, default=Decimal("0"))
    # The assistant's conversation (ai.session id) and the call loop's own state (speaking,
    # silence reprompts, escalation step…), changed only under the Call row lock.
    session_key = models.CharField(_("conversation id"), max_length=64, blank=True)
    # The assistant's durable record of the conversation this call carried (and through it what
    # the call produced: ai.ConversationOutcome); and the customer-history line about the call.
    conversation = models.OneToOneField(
        "ai.AIConversationSession", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    exchange = models.OneToOneField(
        "stores.CustomerExchange", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    control = models.JSONField(_("call-control state"), default=dict, blank=True)
    recording_expected = models.BooleanField(_("recording expected"), default=False)
    recording_url = models.URLField(_("recording source URL"), max_length=2000, blank=True)
    # Set once, when everything the post-call analysis needs is on the row.
    analysis_ready_at = models.DateTimeField(_("ready for analysis at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ("-started_at", "-id")
        indexes = [
            models.Index(fields=["business", "-started_at"], name="call_business_recent"),
            # The dashboard's calls list, recent calls and period figures are per store.
            models.Index(fields=["store", "-started_at", "-id"], name="call_store_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=10),
                name="call_satisfaction_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_number} → {self.to_number} ({self.status})"

    @property
    def caller_label(self) -> str:
        """Who called, as the pages say it. A caller who hides their number arrives as
        "anonymous" (or nothing): no customer, and nothing worth showing as a number."""
        if self.customer is not None and self.customer.name:
            return self.customer.name
        if self.from_number.startswith("+"):
            return self.from_number
        return str(_("Hidden number"))

    @property
    def summary(self) -> str:
        """The summary in the reader's language (the active one) when our own phrases wrote it
        (kept as parts); else as written (an LLM's text, in `summary_language`)."""
        parts = (self.analysis or {}).get("summary", {}).get("parts")
        if parts:
            return render_summary(parts, (get_language() or "fr")[:2])
        return self.ai_summary

    @property
    def summary_language(self) -> str:
        """The language a summary written as free text is in ("" when it follows the reader)."""
        written = (self.analysis or {}).get("summary") or {}
        if written.get("parts") or not self.ai_summary:
            return ""
        return written.get("lang", "")


class TelnyxEvent(WebhookEvent):
    call_control_id = models.CharField(_("call control id"), max_length=255, blank=True, db_index=True)
    # The commands this event caused, saved with its effects: a retry re-sends the unsent ones
    # with the same command_id instead of computing (and acting) again.
    commands = models.JSONField(_("commands"), default=list, blank=True)

    PROCESS_FIELDS = ("commands",)

    class Meta(WebhookEvent.Meta):
        verbose_name = _("Telnyx event")
        verbose_name_plural = _("Telnyx events")


class PhoneNumberEvent(models.Model):
    """The audit trail of a number: every state change, who made it and why."""

    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, blank=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(_("detail"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("phone number event")
        verbose_name_plural = _("phone number events")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.phone_number} {self.action} {self.from_status}→{self.to_status}"


class EscalationStep(models.Model):
    """One step of a store's transfer-to-a-human chain, tried in `position` order.

    A step applies on its weekdays (0 = Monday) and, when set, between `starts` and `ends` in
    the store's time zone. After the last step that applies, the caller is promised a call-back."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="escalation_steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=100)
    phone = models.CharField(_("phone (E.164)"), max_length=20)
    timeout_secs = models.PositiveSmallIntegerField(_("ring for (s)"), default=25)
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)  # [] = every day
    starts = models.TimeField(_("from"), null=True, blank=True)
    ends = models.TimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ("store", "position", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(timeout_secs__gte=5, timeout_secs__lte=600),
                name="escalation_timeout_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.store} #{self.position} {self.label}"


class CallbackTicket(TimeStamped):
    """'We'll call you back': the end of an escalation chain nobody answered."""

    class Status(models.TextChoices):
        OPEN = "open", _("To call back")
        DONE = "done", _("Called back")
        CANCELLED = "cancelled", _("Cancelled")

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="callbacks")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="callbacks")
    call = models.OneToOneField(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="callback_ticket"
    )
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="callbacks"
    )
    phone = models.CharField(_("caller's phone"), max_length=32)
    summary = models.TextField(_("summary so far"), blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    sms_sent_at = models.DateTimeField(_("owner texted at"), null=True, blank=True)
    sms_error = models.TextField(_("SMS error"), blank=True)

    class Meta:
        verbose_name = _("call-back ticket")
        verbose_name_plural = _("call-back tickets")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.phone} ({self.get_status_display()})"
