from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kalliky.models import TimeStamped
from stores.models.bookings import Source, SourcedQuerySet


class Order(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        PREPARING = "preparing", _("Preparing")
        READY = "ready", _("Ready")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class DeliveryType(models.TextChoices):
        DINE_IN = "dine_in", _("Dine in")
        TAKEAWAY = "takeaway", _("Takeaway")
        DELIVERY = "delivery", _("Delivery")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        EMERGENCY = "emergency", _("Emergency")

    # Which status may follow which: the lifecycle the API and the kitchen board enforce.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        "pending": ("confirmed", "cancelled"),
        "confirmed": ("preparing", "ready", "completed", "cancelled"),
        "preparing": ("ready", "cancelled"),
        "ready": ("completed", "cancelled"),
        "completed": (),
        "cancelled": (),
    }

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="orders")
    customer = models.ForeignKey(
        "stores.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    # The name the caller or the API gave, kept even without a phone (no customer row then).
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("order number"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    delivery_type = models.CharField(
        _("delivery type"), max_length=10, choices=DeliveryType.choices, default=DeliveryType.TAKEAWAY
    )
    delivery_address = models.CharField(_("delivery address"), max_length=500, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2, default=Decimal("0"))
    tax = models.DecimalField(_("tax"), max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0"))
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid online at"), null=True, blank=True)

    SOURCE_PATH = "source"
    objects = SourcedQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="order_unique_number_per_store"),
            models.CheckConstraint(
                condition=models.Q(subtotal__gte=0) & models.Q(tax__gte=0) & models.Q(total__gte=0),
                name="order_amounts_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "-created_at", "-id"], name="order_store_recent"),
            models.Index(fields=["store", "status", "-created_at"], name="order_store_status_recent"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} ({self.store})"

    @property
    def customer_label(self) -> str:
        """Who ordered, as the pages say it. An order taken without a phone (the API allows it)
        has no customer row at all."""
        if self.customer is None:
            return self.customer_name or str(_("Unknown customer"))
        return self.customer.name or self.customer_name or self.customer.phone

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, ())

    @property
    def is_test(self) -> bool:
        return self.source == Source.TEST


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "stores.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="order_items"
    )
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    variations = models.JSONField(_("chosen variations"), default=list, blank=True)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orderitem_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0) & models.Q(line_total__gte=0),
                name="orderitem_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class PreparationTicket(TimeStamped):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        IN_PROGRESS = "in_progress", _("In progress")
        READY = "ready", pgettext_lazy("kitchen ticket", "Ready")  # a ticket: « prêt », not « prête »
        SERVED = "served", _("Served")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        HIGH = 1, _("High")
        URGENT = 2, _("Urgent")

    TRANSITIONS: dict[str, tuple[str, ...]] = {
        "queued": ("in_progress", "ready", "cancelled"),
        "in_progress": ("ready", "cancelled"),
        "ready": ("served", "cancelled"),
        "served": (),
        "cancelled": (),
    }

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="preparation_tickets")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="ticket")
    items = models.JSONField(_("items snapshot"), default=list)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)

    SOURCE_PATH = "order__source"  # a ticket is as real as its order
    objects = SourcedQuerySet.as_manager()

    class Meta:
        verbose_name = _("preparation ticket")
        verbose_name_plural = _("preparation tickets")
        ordering = ("-priority", "created_at")
        indexes = [models.Index(fields=["store", "status", "created_at"], name="ticket_store_status")]

    def __str__(self) -> str:
        return f"Ticket {self.order}"

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, ())

    # What the board's buttons say: the cook's action, not the status it leads to.
    ACTIONS: dict[str, Any] = {
        "in_progress": _("Start"),
        "ready": _("Mark ready"),
        "served": _("Mark served"),
        "cancelled": _("Cancel"),
    }

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        """(status, button label) the kitchen may move this ticket to, for the board's buttons."""
        return [(s, str(self.ACTIONS[s])) for s in self.TRANSITIONS.get(self.status, ())]
