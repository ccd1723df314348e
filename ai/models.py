from __future__ import annotations

import operator
from decimal import Decimal
from functools import reduce

from django.db import models
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped


class IntelligentAIConfig(TimeStamped):
    class Personality(models.TextChoices):
        PROFESSIONNEL = "professionnel", _("Professional")
        AMICAL = "amical", _("Friendly")
        COOL = "cool", _("Relaxed")

    class AutomationLevel(models.TextChoices):
        ASSIST = "assist", _("Take messages only")
        STANDARD = "standard", _("Take orders and bookings")
        FULL = "full", _("Full automation")

    class TurnDetection(models.TextChoices):
        SERVER_VAD = "server_vad", _("Pause in speech")
        SEMANTIC_VAD = "semantic_vad", _("End of a thought (semantic)")

    class Brain(models.TextChoices):
        DEFAULT = "default", _("Platform default")
        LOCAL = "local", _("Local (offline)")
        OPENAI = "openai", _("OpenAI")

    store = models.OneToOneField("stores.Store", on_delete=models.CASCADE, related_name="ai_config")
    personality = models.CharField(
        _("personality"), max_length=20, choices=Personality.choices, default=Personality.PROFESSIONNEL
    )
    voice_type = models.CharField(_("voice type"), max_length=20, default="female")
    voice_style = models.CharField(_("voice style"), max_length=50, default="marin")
    language = models.CharField(_("language"), max_length=8, default="fr")
    custom_instructions = models.TextField(_("custom instructions"), blank=True)
    automation_level = models.CharField(
        _("automation level"),
        max_length=10,
        choices=AutomationLevel.choices,
        default=AutomationLevel.STANDARD,
    )
    upsell_enabled = models.BooleanField(_("upsell"), default=False)
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    brain = models.CharField(_("brain"), max_length=10, choices=Brain.choices, default=Brain.DEFAULT)
    # Realtime voice: how the end of the caller's turn is detected (OpenAI's server VAD, silence
    # based, or its semantic VAD, which waits for a finished thought).
    turn_detection = models.CharField(
        _("turn detection"), max_length=16, choices=TurnDetection.choices, default=TurnDetection.SERVER_VAD
    )
    voice_onboarding = models.JSONField(_("voice onboarding data"), default=dict, blank=True)
    is_active = models.BooleanField(_("assistant answers calls"), default=True)

    class Meta:
        verbose_name = _("AI configuration")
        verbose_name_plural = _("AI configurations")

    def __str__(self) -> str:
        return f"AI config of {self.store}"


class AIConversationSession(TimeStamped):
    """One conversation with the assistant. Which phone call carried it is telephony's to know
    (Call.conversation); what it produced is in ConversationOutcome."""

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="ai_sessions")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="ai_sessions")
    channel = models.CharField(_("channel"), max_length=10, default="phone")  # phone | chat | cli
    messages = models.JSONField(_("messages"), default=list, blank=True)
    tool_calls = models.JSONField(_("tool calls"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    tokens_in = models.PositiveIntegerField(_("tokens in"), default=0)
    tokens_out = models.PositiveIntegerField(_("tokens out"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=6, default=Decimal("0"))
    turn_latencies_ms = models.JSONField(_("per-turn latencies (ms)"), default=list, blank=True)
    # Realtime voice calls: per turn, end of caller speech → first audio sent, split into its
    # parts; and the call's counters (interruptions, false ones, backchannels, bad frames).
    voice_turns = models.JSONField(_("voice turns"), default=list, blank=True)
    voice_stats = models.JSONField(_("voice figures"), default=dict, blank=True)
    # What was left unfinished when the conversation ended (cart, booking in progress): the
    # post-call analysis turns it into suggestions for the owner.
    state = models.JSONField(_("state at the end"), default=dict, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Who the assistant talked to (the customer is found by it): what an accepted suggestion is
    # made out to.
    caller_phone = models.CharField(_("caller's phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("AI conversation session")
        verbose_name_plural = _("AI conversation sessions")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["store", "is_active"], name="aisession_store_active")]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.store})"


OUTCOME_ROWS = ("order", "reservation", "service_booking", "consultation", "exchange")


class ConversationOutcome(models.Model):
    """One row a conversation produced: an order, a booking or a customer exchange (exactly one
    of the five is set). Owned here, above stores, so stores rows never point at who made them;
    telephony reaches them through Call.conversation."""

    conversation = models.ForeignKey(AIConversationSession, on_delete=models.CASCADE, related_name="outcomes")
    order = models.OneToOneField(
        "stores.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="conversation_outcome"
    )
    reservation = models.OneToOneField(
        "stores.Reservation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation_outcome",
    )
    service_booking = models.OneToOneField(
        "stores.ServiceBooking",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation_outcome",
    )
    consultation = models.OneToOneField(
        "stores.Consultation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation_outcome",
    )
    exchange = models.OneToOneField(
        "stores.CustomerExchange",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation_outcome",
    )

    class Meta:
        verbose_name = _("conversation outcome")
        verbose_name_plural = _("conversation outcomes")
        constraints = [
            models.CheckConstraint(
                condition=reduce(
                    operator.or_,
                    (models.Q(**{f"{f}__isnull": f != one for f in OUTCOME_ROWS}) for one in OUTCOME_ROWS),
                ),
                name="outcome_exactly_one_row",
            )
        ]

    def __str__(self) -> str:
        return f"Outcome of conversation {self.conversation_id}"


class WeatherRecommendation(models.Model):
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="weather_recommendations"
    )
    date = models.DateField(_("date"))
    condition = models.CharField(_("condition"), max_length=50)
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    recommendation = models.TextField(_("recommendation"))
    products = models.JSONField(_("suggested products"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("weather recommendation")
        verbose_name_plural = _("weather recommendations")
        ordering = ("-date",)
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="weather_unique_per_store_day")]

    def __str__(self) -> str:
        return f"{self.store} {self.date}: {self.condition}"


class AssistantSelfTest(models.Model):
    """One run of the scenarios generated from a store's own catalog, hours and services."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PASSED = "passed", _("All passed")
        FAILED = "failed", _("Some failed")
        ERROR = "error", _("Could not run")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Asked from the dashboard")
        CHANGE = "change", _("Catalog or hours changed")
        COMMAND = "command", _("Management command")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="assistant_selftests")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    total = models.PositiveIntegerField(_("scenarios"), default=0)
    passed = models.PositiveIntegerField(_("passed"), default=0)
    results = models.JSONField(_("results"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assistant self-test")
        verbose_name_plural = _("assistant self-tests")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["store", "-created_at"], name="selftest_store_recent")]

    def __str__(self) -> str:
        return f"Self-test {self.store} {self.created_at:%Y-%m-%d %H:%M} {self.passed}/{self.total}"


class AnalysisSuggestion(TimeStamped):
    """Something the post-call analysis found that the call did not confirm: an order never
    confirmed, a booking left half-way. The owner accepts it in one click (then it becomes real)
    or dismisses it; it is never silently turned into an order."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        RESERVATION = "reservation", _("Table reservation")
        SERVICE = "service", _("Service booking")
        CONSULTATION = "consultation", _("Consultation request")

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    conversation = models.ForeignKey(
        AIConversationSession, on_delete=models.CASCADE, related_name="suggestions"
    )
    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="suggestions")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    # Position among the analysis' findings of this kind: with the conversation, the idempotency key.
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    payload = models.JSONField(_("what was found"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_ref = models.CharField(_("created as"), max_length=40, blank=True)  # "order:12"
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("analysis suggestion")
        verbose_name_plural = _("analysis suggestions")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind", "position"], name="suggestion_unique_per_conversation"
            )
        ]
        indexes = [models.Index(fields=["store", "status"], name="suggestion_store_status")]

    def __str__(self) -> str:
        kind, status = self.get_kind_display(), self.get_status_display()
        return f"{kind} ({status}) — conversation {self.conversation_id}"


class MenuUpload(TimeStamped):
    """A menu file the owner sent, read by the ai.extract_menu task into rows to review; nothing
    reaches the catalog until the reviewed rows are posted back (ai/menu_upload.py)."""

    class Kind(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel workbook")
        PDF = "pdf", _("PDF")
        IMAGE = "image", _("Photo")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Reading")
        DONE = "done", _("Ready to review")
        FAILED = "failed", _("Could not be read")
        IMPORTED = "imported", _("Imported")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="menu_uploads")
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    # The file itself, in the database rather than under MEDIA_ROOT: the worker that reads it may
    # run on another machine than the web process that received it, and the database is the one
    # store both reach (docker-compose shares no media volume). Uploads are capped at 5 MB, and
    # the content is emptied once the menu is imported.
    content = models.BinaryField(_("content"), editable=False, default=b"")
    # Language of the page that sent the file: the worker writes its messages in it.
    language = models.CharField(_("language"), max_length=8, default="fr")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.JSONField(_("rows found"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("import counts"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("menu upload")
        verbose_name_plural = _("menu uploads")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="menu_upload_progress_max_100")
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()}) — {self.store_id}"
