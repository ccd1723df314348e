from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kalliky.models import TimeStamped
from stores.models.dietary import DietaryFacts, dietary_constraints

_NON_NEGATIVE = Decimal("0")


class Category(models.Model):
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ("sort_order", "name")
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="category_unique_name_per_store")
        ]

    def __str__(self) -> str:
        return self.name


class Product(DietaryFacts, TimeStamped):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        UNAVAILABLE = "unavailable", _("Unavailable")
        OUT_OF_STOCK = "out_of_stock", _("Out of stock")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="products")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    ai_keywords = models.JSONField(_("AI keywords"), default=list, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    # Put there by a sector template (stores/sectors.py), not typed or imported by the owner: a
    # menu import offers to remove such items when the real menu does not have them.
    from_template = models.BooleanField(_("from a sector template"), default=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ("sort_order", "name")
        indexes = [models.Index(fields=["store", "status"], name="product_store_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_non_negative"),
            *dietary_constraints("product"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductVariation(models.Model):
    """A size, an option or an extra. `price` replaces the product price when set (sizes);
    otherwise `price_delta` is added to it (extras)."""

    class Type(models.TextChoices):
        SIZE = "size", _("Size")
        OPTION = "option", _("Option")
        EXTRA = "extra", _("Extra")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variations")
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    name = models.CharField(_("name"), max_length=120)
    value = models.CharField(_("value"), max_length=120)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    price_delta = models.DecimalField(
        _("price delta"), max_digits=10, decimal_places=2, default=_NON_NEGATIVE
    )
    is_default = models.BooleanField(_("default"), default=False)
    is_available = models.BooleanField(_("available"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("product variation")
        verbose_name_plural = _("product variations")
        ordering = ("sort_order", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0),
                name="variation_price_non_negative",
            ),
            models.UniqueConstraint(fields=["product", "type", "value"], name="variation_unique_value"),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.name} {self.value}"

    def unit_price(self, base: Decimal) -> Decimal:
        return self.price if self.price is not None else base + self.price_delta


class UniversalService(TimeStamped):
    """A bookable service. `schedule_config` holds {working_hours, slot_config, booking_rules};
    `custom_fields` is a list of {name, type, required, config} asked when booking."""

    class Pattern(models.TextChoices):
        FLEXIBLE_BOOKING = "FLEXIBLE_BOOKING", _("Flexible booking")
        FIXED_SLOTS = "FIXED_SLOTS", _("Fixed slots")
        AVAILABILITY = "AVAILABILITY", _("Availability request")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    pattern = models.CharField(
        _("pattern"), max_length=20, choices=Pattern.choices, default=Pattern.FIXED_SLOTS
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=30)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=_NON_NEGATIVE)
    schedule_config = models.JSONField(_("schedule configuration"), default=dict, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ("sort_order", "name")
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="service_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceResource(TimeStamped):
    class Type(models.TextChoices):
        STAFF = "staff", _("Staff member")
        ROOM = "room", _("Room")
        TABLE = "table", _("Table")
        EQUIPMENT = "equipment", _("Equipment")

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="resources")
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), default=1)
    specifications = models.JSONField(_("specifications"), default=dict, blank=True)
    services = models.ManyToManyField(UniversalService, related_name="resources", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ("type", "name")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="resource_capacity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"
