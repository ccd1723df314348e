from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.plans import PlanCode, get_plan
from kalliky.inbox import WebhookEvent
from kalliky.models import TimeStamped


class Subscription(TimeStamped):
    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Cancelled")
        INCOMPLETE = "incomplete", _("Incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
        PAUSED = "paused", _("Paused")

    GOOD_STANDING = ("trialing", "active")

    store = models.OneToOneField("stores.Store", on_delete=models.CASCADE, related_name="subscription")
    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.CharField(_("plan"), max_length=10, choices=PlanCode.choices, default=PlanCode.STARTER)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.TRIALING)
    stripe_customer_id = models.CharField(_("Stripe customer id"), max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(
        _("Stripe subscription id"), max_length=255, null=True, blank=True, unique=True
    )
    current_period_end = models.DateTimeField(_("current period end"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancels at period end"), default=False)
    # `created` of the newest Stripe event applied: older, late deliveries are not applied.
    stripe_state_at = models.DateTimeField(_("Stripe state as of"), null=True, blank=True)
    custom_max_concurrent_calls = models.PositiveIntegerField(
        _("concurrent calls (Business plan)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.store} {self.plan} ({self.status})"

    @property
    def in_good_standing(self) -> bool:
        return self.status in self.GOOD_STANDING

    @property
    def plan_info(self):  # noqa: ANN201 - billing.plans.Plan
        return get_plan(self.plan)


class PendingSignup(TimeStamped):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for payment")
        COMPLETED = "completed", _("Completed")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("email"), db_index=True)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20)
    # Hashed with the project's password hasher; the clear password is never stored or sent.
    password_hash = models.CharField(_("password hash"), max_length=255)
    business_data = models.JSONField(_("business data"), default=dict)
    store_data = models.JSONField(_("store data"), default=dict)
    plan = models.CharField(_("plan"), max_length=10, choices=PlanCode.choices)
    language = models.CharField(_("language"), max_length=8, default="fr")
    checkout_session_id = models.CharField(
        _("Checkout session id"), max_length=255, null=True, blank=True, unique=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="signups"
    )
    # An existing owner adding a store (business set) or moving a store to Stripe (store set).
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, null=True, blank=True, related_name="pending_checkouts"
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="pending_checkouts"
    )
    # One-time login after payment: only the SHA-256 of the token is kept; it opens a session
    # once, within SIGNUP_LOGIN_TOKEN_MINUTES of the account being created.
    login_token_hash = models.CharField(_("login token hash"), max_length=64, blank=True, db_index=True)
    login_token_expires_at = models.DateTimeField(_("login token expires at"), null=True, blank=True)
    login_token_used_at = models.DateTimeField(_("login token used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pending signup")
        verbose_name_plural = _("pending signups")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.email} ({self.plan}, {self.status})"


class StripeEvent(WebhookEvent):
    class Meta(WebhookEvent.Meta):
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")


class Commission(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REPORTED = "reported", _("Reported to Stripe")
        FAILED = "failed", _("Failed")
        WAIVED = "waived", _("Waived")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="commissions")
    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="commissions")
    # One commission per order, whatever retries happen.
    order = models.OneToOneField("stores.Order", on_delete=models.CASCADE, related_name="commission")
    plan = models.CharField(_("plan"), max_length=10, choices=PlanCode.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    meter_event_identifier = models.CharField(_("meter event identifier"), max_length=255, unique=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="commission_amount_non_negative")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.order}"


class PaymentLink(TimeStamped):
    """A Stripe Checkout link (mode payment) texted to a caller for an order or a booking's
    deposit. One per order/booking; card data only ever goes to Stripe's page."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order")
        RESERVATION = "reservation", _("Reservation")
        SERVICE_BOOKING = "service_booking", _("Service booking")
        CONSULTATION = "consultation", _("Consultation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being created")
        SENT = "sent", _("Sent by SMS")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="payment_links")
    kind = models.CharField(_("for"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("order or booking id"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    phone = models.CharField(_("caller's phone"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    checkout_session_id = models.CharField(
        _("Checkout session id"), max_length=255, null=True, blank=True, unique=True
    )
    url = models.URLField(_("payment page"), max_length=1000, blank=True)
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("payment link")
        verbose_name_plural = _("payment links")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="paymentlink_one_per_target"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="paymentlink_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.amount} {self.currency} ({self.status})"
