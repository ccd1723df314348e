"""API input/output schemas for stores. Input schemas carry every field rule, so a bad request
is refused (422, with the field) before any service runs."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

from kalliky.phones import to_e164
from stores.holidays import is_supported
from stores.models import (
    Consultation,
    Customer,
    CustomerExchange,
    Order,
    PreparationTicket,
    Product,
    ProductVariation,
    ServiceResource,
    Store,
    UniversalService,
)
from stores.models.dietary import ALLERGENS, DIETARY_TAGS, contradiction

# ISO 4217 codes a business may price in (the active codes; extend when a market opens).
CURRENCIES = frozenset(
    "AED AUD BGN BRL CAD CHF CLP CNY COP CZK DKK DZD EGP EUR GBP HKD HUF IDR ILS INR ISK JPY KRW MAD MXN "
    "MYR NGN NOK NZD PEN PHP PLN QAR RON RSD SAR SEK SGD THB TND TRY TWD UAH USD VND XAF XOF XPF ZAR".split()
)
Money = Decimal
_TIMEZONES = zoneinfo.available_timezones()


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return value if value is None else ""
    return to_e164(value)


def _future(value: datetime | None, what: str) -> datetime | None:
    if value is not None:
        if timezone.is_naive(value):
            raise ValueError(f"{what} needs a time zone offset, like 2026-12-01T19:30:00+01:00.")
        if value <= timezone.now():
            raise ValueError(f"{what} is in the past; choose a future date and time.")
    return value


# --- Stores ---------------------------------------------------------------------------------
class StoreFields(Schema):
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=30)
    timezone: str = "Europe/Paris"
    country: str = Field(default="FR", description="ISO 3166 code whose public holidays apply; empty: none.")
    currency: str = "EUR"
    tax_rate: Decimal = Field(default=Decimal("10.00"), ge=0, le=100, max_digits=5, decimal_places=2)
    language: Store.Language = Store.Language.FR
    has_products: bool = True
    has_reservations: bool = False
    has_consultations: bool = False
    delivery_enabled: bool = False
    is_active: bool = True
    record_calls: bool = Field(default=True, description="Record calls (the greeting announces it).")
    payment_links_enabled: bool = Field(
        default=False, description="Text callers a Stripe payment link for large orders and deposits."
    )
    payment_link_threshold: Decimal = Field(default=Decimal("50"), ge=0, max_digits=10, decimal_places=2)
    booking_deposit: Decimal = Field(default=Decimal("0"), ge=0, max_digits=10, decimal_places=2)

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        if value not in _TIMEZONES:
            raise ValueError(f"{value!r} is not a known time zone; use an IANA name like Europe/Paris.")
        return value

    @field_validator("country")
    @classmethod
    def known_country(cls, value: str) -> str:
        code = value.strip().upper()
        if code and not is_supported(code):
            raise ValueError(f"{value!r} is not a country with known public holidays; use a code like FR.")
        return code

    @field_validator("currency")
    @classmethod
    def known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in CURRENCIES:
            raise ValueError(f"{value!r} is not a supported ISO 4217 currency code, like EUR.")
        return code

    @field_validator("phone")
    @classmethod
    def phone_e164(cls, value: str) -> str:
        return _phone(value) or ""


class StoreIn(StoreFields):
    name: str = Field(min_length=1, max_length=200)
    business_id: int | None = None


class StoreUpdate(StoreFields):
    name: str = Field(min_length=1, max_length=200)


class StoreOut(Schema):
    id: int
    business_id: int
    name: str
    slug: str
    address: str
    phone: str
    timezone: str
    country: str
    currency: str
    tax_rate: Decimal
    language: str
    has_products: bool
    has_reservations: bool
    has_consultations: bool
    delivery_enabled: bool
    is_active: bool
    record_calls: bool
    payment_links_enabled: bool
    payment_link_threshold: Decimal
    booking_deposit: Decimal
    created_at: datetime


class IntervalSchema(Schema):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    opens: time
    closes: time = Field(description="Earlier than `opens` means the interval runs past midnight.")


class ClosedDateSchema(Schema):
    date: date
    reason: str = Field(default="", max_length=200)


class SpecialHoursSchema(Schema):
    date: date
    opens: time
    closes: time = Field(description="Earlier than `opens` means the interval runs past midnight.")
    reason: str = Field(default="", max_length=200)


class HoursSchema(Schema):
    """The whole week at once. Refused with 422, each problem naming its field ("intervals.3"),
    and nothing written: openings that overlap (an evening past midnight runs into the next
    morning, Sunday's into Monday's), an opening that closes when it opens, a closed date twice,
    special openings that overlap."""

    intervals: list[IntervalSchema]
    closed_dates: list[ClosedDateSchema] = []
    special_hours: list[SpecialHoursSchema] | None = Field(
        default=None, description="Hours of their own on a date; absent: left as they are."
    )


class SpanSchema(Schema):
    opens: time
    closes: time


class HolidayOut(Schema):
    date: date
    name: str
    decision: str = Field(description="closed | usual | special, or empty while undecided")
    hours: str


class HolidayDecisionIn(Schema):
    decision: Literal["closed", "usual", "special"]
    intervals: list[SpanSchema] = Field(default=[], description="The hours that day, for `special`.")


# --- Catalog --------------------------------------------------------------------------------
class CategoryIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    sort_order: int = Field(default=0, ge=0)


class CategoryOut(Schema):
    id: int
    name: str
    sort_order: int


class VariationIn(Schema):
    type: ProductVariation.Type
    name: str = Field(min_length=1, max_length=120)
    value: str = Field(min_length=1, max_length=120)
    price: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    price_delta: Decimal = Field(default=Decimal("0"), max_digits=10, decimal_places=2)
    is_default: bool = False
    is_available: bool = True
    sort_order: int = Field(default=0, ge=0)


class VariationOut(Schema):
    id: int
    type: str
    name: str
    value: str
    price: Decimal | None
    price_delta: Decimal
    is_default: bool
    is_available: bool
    sort_order: int


class _Facts(Schema):
    # A misspelt tag is refused (422 naming it), never stored nor silently dropped.
    model_config = ConfigDict(extra="forbid")


_FACT = (bool | None, Field(default=None, description="true: yes, false: no, null: unknown"))
DietaryIn = create_model("DietaryIn", __base__=_Facts, **dict.fromkeys(DIETARY_TAGS, _FACT))  # type: ignore[call-overload]
AllergensIn = create_model("AllergensIn", __base__=_Facts, **dict.fromkeys(ALLERGENS, _FACT))  # type: ignore[call-overload]


class DietaryFields(Schema):
    """Omitted: left as they are (unknown for a new product). Each fact: true, false or null."""

    dietary: DietaryIn | None = None  # type: ignore[valid-type]
    allergens: AllergensIn | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _consistent(self) -> DietaryFields:
        tags = self.dietary.model_dump() if self.dietary else {}
        allergens = self.allergens.model_dump() if self.allergens else {}
        problem = contradiction(tags, allergens)
        if problem:
            raise ValueError(f"dietary: {problem}")
        return self


class ProductIn(DietaryFields):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    category_id: int | None = None
    category: str | None = Field(default=None, max_length=120, description="Category name, created if new")
    status: Product.Status = Product.Status.AVAILABLE
    ai_keywords: list[str] = []
    sort_order: int = Field(default=0, ge=0)
    variations: list[VariationIn] = []


class ProductUpdate(DietaryFields):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    category_id: int | None = None
    category: str | None = Field(default=None, max_length=120)
    status: Product.Status = Product.Status.AVAILABLE
    ai_keywords: list[str] = []
    sort_order: int = Field(default=0, ge=0)


class ProductOut(Schema):
    id: int
    name: str
    description: str
    price: Decimal
    category_id: int | None
    category_name: str | None = None
    status: str
    ai_keywords: list[str]
    sort_order: int
    variations: list[VariationOut]
    dietary: dict[str, bool | None]
    allergens: dict[str, bool | None]

    @staticmethod
    def resolve_dietary(obj: Product) -> dict[str, bool | None]:
        return obj.dietary_tags()

    @staticmethod
    def resolve_allergens(obj: Product) -> dict[str, bool | None]:
        return obj.allergens()

    @staticmethod
    def resolve_category_name(obj: Product) -> str | None:
        return obj.category.name if obj.category_id else None

    @staticmethod
    def resolve_variations(obj: Product) -> list[ProductVariation]:
        return list(obj.variations.all())


class ServiceIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    pattern: UniversalService.Pattern = UniversalService.Pattern.FIXED_SLOTS
    duration_minutes: int = Field(default=30, ge=1, le=24 * 60)
    price: Decimal = Field(default=Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    schedule_config: dict[str, Any] = {}
    custom_fields: list[dict[str, Any]] = []
    is_active: bool = True
    sort_order: int = Field(default=0, ge=0)

    @field_validator("custom_fields")
    @classmethod
    def fields_have_names(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for n, field in enumerate(value):
            if not str(field.get("name", "")).strip():
                raise ValueError(f"custom field #{n + 1} needs a name.")
            field.setdefault("type", "text")
            field.setdefault("required", False)
        return value


class ServiceOut(Schema):
    id: int
    name: str
    description: str
    pattern: str
    duration_minutes: int
    price: Decimal
    schedule_config: dict[str, Any]
    custom_fields: list[dict[str, Any]]
    is_active: bool
    sort_order: int


class ResourceIn(Schema):
    type: ServiceResource.Type
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(default=1, ge=1)
    specifications: dict[str, Any] = {}
    service_ids: list[int] = []
    is_active: bool = True


class ResourceOut(Schema):
    id: int
    type: str
    name: str
    capacity: int
    specifications: dict[str, Any]
    service_ids: list[int]
    is_active: bool

    @staticmethod
    def resolve_service_ids(obj: ServiceResource) -> list[int]:
        return [s.pk for s in obj.services.all()]


# --- Customers ------------------------------------------------------------------------------
class CustomerOut(Schema):
    id: int
    phone: str
    name: str
    email: str
    status: str
    total_spent: Decimal
    order_count: int
    first_seen: datetime
    last_seen: datetime


class ExchangeOut(Schema):
    id: int
    type: str
    description: str
    category: str
    severity: str
    follow_up_required: bool
    created_at: datetime


class CustomerDetailOut(CustomerOut):
    notes: str
    exchanges: list[ExchangeOut]

    @staticmethod
    def resolve_exchanges(obj: Customer) -> list[CustomerExchange]:
        return list(obj.exchanges.all()[:100])


# --- Orders and tickets ---------------------------------------------------------------------
class OrderLineIn(Schema):
    product_id: int
    quantity: int = Field(default=1, ge=1, le=999)
    variation_ids: list[int] = []
    notes: str = Field(default="", max_length=500)


class OrderIn(Schema):
    items: list[OrderLineIn] = Field(min_length=1)
    customer_phone: str = ""
    customer_name: str = Field(default="", max_length=200)
    delivery_type: Order.DeliveryType = Order.DeliveryType.TAKEAWAY
    delivery_address: str = Field(default="", max_length=500)
    urgency: Order.Urgency = Order.Urgency.NORMAL
    notes: str = ""

    @field_validator("customer_phone")
    @classmethod
    def phone_e164(cls, value: str) -> str:
        return _phone(value) or ""

    @model_validator(mode="after")
    def address_for_delivery(self) -> OrderIn:
        if self.delivery_type == Order.DeliveryType.DELIVERY and not self.delivery_address.strip():
            raise ValueError("delivery_address: a delivery order needs an address.")
        return self


class OrderItemOut(Schema):
    id: int
    product_id: int | None
    name: str
    quantity: int
    unit_price: Decimal
    variations: list[dict[str, Any]]
    line_total: Decimal
    notes: str


class OrderOut(Schema):
    id: int
    number: int
    status: str
    delivery_type: str
    urgency: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    source: str
    customer_id: int | None
    customer_name: str | None = None
    customer_phone: str | None = None
    created_at: datetime

    @staticmethod
    def resolve_customer_name(obj: Order) -> str | None:
        if obj.customer_id and obj.customer.name:
            return obj.customer.name
        return obj.customer_name or None

    @staticmethod
    def resolve_customer_phone(obj: Order) -> str | None:
        return obj.customer.phone if obj.customer_id else None


class OrderDetailOut(OrderOut):
    delivery_address: str
    notes: str
    confirmed_at: datetime | None
    items: list[OrderItemOut]

    @staticmethod
    def resolve_items(obj: Order) -> list[Any]:
        return list(obj.items.all())


class OrderStatusIn(Schema):
    status: Order.Status


class TicketOut(Schema):
    id: int
    order_id: int
    order_number: int
    items: list[dict[str, Any]]
    status: str
    priority: int
    created_at: datetime
    started_at: datetime | None
    ready_at: datetime | None

    @staticmethod
    def resolve_order_number(obj: PreparationTicket) -> int:
        return obj.order.number


class TicketStatusIn(Schema):
    status: PreparationTicket.Status


# --- Bookings -------------------------------------------------------------------------------
class BookingPersonIn(Schema):
    customer_name: str = Field(default="", max_length=200)
    customer_phone: str = ""
    notes: str = ""

    @field_validator("customer_phone")
    @classmethod
    def phone_e164(cls, value: str) -> str:
        return _phone(value) or ""


class ReservationIn(BookingPersonIn):
    party_size: int = Field(ge=1, le=500)
    starts_at: datetime
    duration_minutes: int = Field(default=90, ge=1, le=24 * 60)
    resource_id: int | None = None

    @field_validator("starts_at")
    @classmethod
    def in_future(cls, value: datetime) -> datetime:
        return _future(value, "starts_at")


class ReservationOut(Schema):
    id: int
    customer_id: int | None
    customer_name: str
    customer_phone: str
    party_size: int
    starts_at: datetime
    duration_minutes: int
    resource_id: int | None
    status: str
    source: str
    notes: str


class ServiceBookingIn(BookingPersonIn):
    service_id: int
    resource_id: int | None = None
    starts_at: datetime
    ends_at: datetime | None = Field(default=None, description="Defaults to start + the service duration")
    custom_field_values: dict[str, Any] = {}

    @field_validator("starts_at")
    @classmethod
    def in_future(cls, value: datetime) -> datetime:
        return _future(value, "starts_at")

    @model_validator(mode="after")
    def end_after_start(self) -> ServiceBookingIn:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at: the end must be after the start.")
        return self


class ServiceBookingOut(Schema):
    id: int
    service_id: int
    resource_id: int | None
    customer_id: int | None
    customer_name: str
    customer_phone: str
    starts_at: datetime
    ends_at: datetime
    status: str
    price: Decimal
    custom_field_values: dict[str, Any]
    source: str
    notes: str


class ConsultationIn(BookingPersonIn):
    problem: str = Field(min_length=1)
    urgency: Consultation.Urgency = Consultation.Urgency.NORMAL
    expertise_required: str = Field(default="", max_length=200)
    preferred_at: datetime | None = None
    scheduled_at: datetime | None = None
    duration_minutes: int = Field(default=30, ge=1, le=24 * 60)
    resource_id: int | None = None

    @field_validator("preferred_at", "scheduled_at")
    @classmethod
    def in_future(cls, value: datetime | None) -> datetime | None:
        return _future(value, "the time")


class ConsultationOut(Schema):
    id: int
    customer_id: int | None
    customer_name: str
    customer_phone: str
    problem: str
    urgency: str
    expertise_required: str
    recommendation: str
    preferred_at: datetime | None
    scheduled_at: datetime | None
    duration_minutes: int
    resource_id: int | None
    status: str
    source: str
    notes: str
