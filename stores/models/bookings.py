from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


class Source(models.TextChoices):
    CALL = "call", _("Phone call")
    MANUAL = "manual", _("Manual")
    TEST = "test", _("Assistant test")


class SourcedQuerySet(models.QuerySet):
    """Orders and bookings know where they came from: those written while testing the assistant
    (the test chat, `manage.py chat`, scenarios) are not business. Every real view (board,
    calendar, lists, figures, availability) starts from `.real()`."""

    def real(self) -> SourcedQuerySet:
        return self.exclude(**{self.model.SOURCE_PATH: Source.TEST})

    def tests(self) -> SourcedQuerySet:
        return self.filter(**{self.model.SOURCE_PATH: Source.TEST})


class _Booking(TimeStamped):
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    deposit_paid_at = models.DateTimeField(_("deposit paid at"), null=True, blank=True)

    SOURCE_PATH = "source"
    objects = SourcedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_test(self) -> bool:
        return self.source == Source.TEST


class ServiceBooking(_Booking):
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="service_bookings")
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="service_bookings"
    )
    service = models.ForeignKey("stores.UniversalService", on_delete=models.PROTECT, related_name="bookings")
    resource = models.ForeignKey(
        "stores.ServiceResource", on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=Decimal("0"))
    custom_field_values = models.JSONField(_("custom field values"), default=dict, blank=True)

    class Meta:
        verbose_name = _("service booking")
        verbose_name_plural = _("service bookings")
        ordering = ("starts_at",)
        indexes = [models.Index(fields=["store", "starts_at"], name="servicebooking_store_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="servicebooking_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="servicebooking_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M}"


class Reservation(_Booking):
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="reservations")
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="reservations"
    )
    resource = models.ForeignKey(
        "stores.ServiceResource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    party_size = models.PositiveIntegerField(_("party size"))
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=90)
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ("starts_at",)
        indexes = [models.Index(fields=["store", "starts_at"], name="reservation_store_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(party_size__gte=1), name="reservation_party_size_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="reservation_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_name or '?'} × {self.party_size} {self.starts_at:%Y-%m-%d %H:%M}"


class Consultation(_Booking):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        EMERGENCY = "emergency", _("Emergency")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="consultations")
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="consultations"
    )
    resource = models.ForeignKey(
        "stores.ServiceResource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
    )
    problem = models.TextField(_("problem"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    expertise_required = models.CharField(_("expertise required"), max_length=200, blank=True)
    recommendation = models.TextField(_("recommendation"), blank=True)
    preferred_at = models.DateTimeField(_("preferred time"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("scheduled at"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["store", "scheduled_at"], name="consultation_store_sched")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="consultation_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_name or '?'}: {self.problem[:40]}"
