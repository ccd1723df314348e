from __future__ import annotations

from decimal import Decimal
from typing import Literal, get_args

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped

# What a complaint is about (CustomerExchange.category of a complaint): the assistant's triage,
# its report_issue tool and the post-call analysis all speak this list; "other" when none fits.
ComplaintCategory = Literal[
    "quality", "delay", "missing_item", "wrong_order", "staff", "billing", "hygiene", "other"
]
COMPLAINT_CATEGORIES: tuple[str, ...] = get_args(ComplaintCategory)


class Customer(TimeStamped):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACTIVE = "active", _("Active")
        VIP = "vip", _("VIP")
        BLOCKED = "blocked", _("Blocked")

    business = models.ForeignKey("accounts.Business", on_delete=models.CASCADE, related_name="customers")
    phone = models.CharField(_("phone (E.164)"), max_length=20)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    total_spent = models.DecimalField(_("total spent"), max_digits=12, decimal_places=2, default=Decimal("0"))
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ("-last_seen",)
        constraints = [
            models.UniqueConstraint(fields=["business", "phone"], name="customer_unique_phone_per_business")
        ]
        indexes = [models.Index(fields=["business", "phone"], name="customer_business_phone")]

    def __str__(self) -> str:
        return self.name or self.phone


class CustomerBehavior(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="behavior")
    favorite_categories = models.JSONField(_("favourite categories"), default=list, blank=True)
    favorite_products = models.JSONField(_("favourite products"), default=list, blank=True)
    loyalty_score = models.PositiveSmallIntegerField(_("loyalty score (0-100)"), default=0)
    average_basket = models.DecimalField(
        _("average basket"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer behaviour")
        verbose_name_plural = _("customer behaviours")
        constraints = [
            models.CheckConstraint(condition=models.Q(loyalty_score__lte=100), name="behavior_loyalty_range")
        ]

    def __str__(self) -> str:
        return f"{self.customer} behaviour"


class CustomerExchange(TimeStamped):
    class Type(models.TextChoices):
        CALL = "call", _("Call")
        ORDER = "order", _("Order")
        COMPLAINT = "complaint", _("Complaint")
        NOTE = "note", _("Note")
        SMS = "sms", _("SMS")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        EMERGENCY = "emergency", _("Emergency")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="exchanges")
    store = models.ForeignKey(
        "stores.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="exchanges"
    )
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    description = models.CharField(_("description"), max_length=500)
    content = models.JSONField(_("content"), default=dict, blank=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    follow_up_required = models.BooleanField(_("follow-up required"), default=False)

    class Meta:
        verbose_name = _("customer exchange")
        verbose_name_plural = _("customer exchanges")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.description[:50]}"
