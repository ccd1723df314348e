from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped


def zone_named(name: str | None) -> ZoneInfo:
    """A zone by name. Empty or unknown falls back to the platform's zone (settings.TIME_ZONE)
    rather than failing a call, a page or a message: the one rule for every store's clock."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo(settings.TIME_ZONE)


class Store(TimeStamped):
    class Language(models.TextChoices):
        FR = "fr", _("French")
        EN = "en", _("English")

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220)
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone (E.164)"), max_length=20, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    # ISO 3166 code whose public holidays the store observes (stores/holidays.py); empty: none.
    country = models.CharField(_("country (public holidays)"), max_length=2, default="FR", blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.FR)
    has_products = models.BooleanField(_("takes orders"), default=True)
    has_reservations = models.BooleanField(_("takes reservations"), default=False)
    has_consultations = models.BooleanField(_("takes consultations"), default=False)
    delivery_enabled = models.BooleanField(_("delivers"), default=False)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    # Calls are recorded (and the greeting says so) unless the owner turns it off.
    record_calls = models.BooleanField(_("record calls"), default=True)
    # Payment links by SMS (Stripe Checkout): an order from a call at or above the threshold, or a
    # booking from a call when a deposit is set, gets a link texted to the caller.
    payment_links_enabled = models.BooleanField(_("send payment links by SMS"), default=False)
    payment_link_threshold = models.DecimalField(
        _("payment link from this order total"), max_digits=10, decimal_places=2, default=Decimal("50")
    )
    booking_deposit = models.DecimalField(
        _("deposit per booking (0: none)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=["business", "slug"], name="store_unique_slug_per_business"),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0) & models.Q(tax_rate__lte=100), name="store_tax_rate_range"
            ),
        ]

    @property
    def zone(self) -> ZoneInfo:
        """The store's clock (a bad name falls back to the platform's zone, see zone_named)."""
        return zone_named(self.timezone)

    def __str__(self) -> str:
        return self.name


class OpeningInterval(models.Model):
    """One opening interval on a weekday; a day may have several (lunch and dinner).

    `closes` earlier than `opens` means the interval runs past midnight (18:00 → 01:00).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="opening_intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening interval")
        verbose_name_plural = _("opening hours")
        ordering = ("weekday", "opens")
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_weekday_range"),
            models.CheckConstraint(condition=~models.Q(opens=models.F("closes")), name="opening_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDate(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        ordering = ("date",)
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="closed_date_unique_per_store")]

    def __str__(self) -> str:
        return f"{self.store} closed {self.date}"


class SpecialHours(models.Model):
    """Hours for one date that replace the weekday's (a short Christmas Eve, a holiday opened in the
    morning only); a date may have several intervals. A ClosedDate on the same date wins."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="special_hours")
    date = models.DateField(_("date"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("special hours")
        verbose_name_plural = _("special hours")
        ordering = ("date", "opens")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(opens=models.F("closes")), name="special_hours_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.opens:%H:%M}–{self.closes:%H:%M}"


class HolidayDecision(models.Model):
    """The owner's answer for one public holiday. Its effect lives in the ordinary rows (a
    ClosedDate, SpecialHours); this row says the question was answered, so the assistant stops
    saying "I will check" and the dashboard stops asking."""

    class Decision(models.TextChoices):
        CLOSED = "closed", _("Closed")
        USUAL = "usual", _("Open as usual")
        SPECIAL = "special", _("Special hours")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="holiday_decisions")
    date = models.DateField(_("date"))
    name = models.CharField(_("holiday"), max_length=200, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_at = models.DateTimeField(_("decided at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday decision")
        verbose_name_plural = _("holiday decisions")
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="holiday_decision_unique_per_store"),
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.date}: {self.decision}"


class OnboardingProgress(models.Model):
    """Where the owner is in the three-step setup after signup; saved at every step so a
    second visit resumes there."""

    class Step(models.IntegerChoices):
        SECTOR = 1, _("Your trade")
        CATALOG = 2, _("Your catalog")
        GO_LIVE = 3, _("Go live")

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="onboarding")
    step = models.PositiveSmallIntegerField(_("current step"), choices=Step.choices, default=Step.SECTOR)
    sector = models.CharField(_("sector template"), max_length=20, blank=True)
    catalog_source = models.CharField(_("catalog from"), max_length=20, blank=True)  # template|import|skip
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("onboarding progress")
        verbose_name_plural = _("onboarding progress")

    def __str__(self) -> str:
        return f"{self.store} onboarding step {self.step}"
