from stores.models.bookings import BookingStatus, Consultation, Reservation, ServiceBooking, Source
from stores.models.catalog import Category, Product, ProductVariation, ServiceResource, UniversalService
from stores.models.customers import (
    COMPLAINT_CATEGORIES,
    ComplaintCategory,
    Customer,
    CustomerBehavior,
    CustomerExchange,
)
from stores.models.orders import Order, OrderItem, PreparationTicket
from stores.models.store import (
    ClosedDate,
    HolidayDecision,
    OnboardingProgress,
    OpeningInterval,
    SpecialHours,
    Store,
)

__all__ = [
    "COMPLAINT_CATEGORIES",
    "BookingStatus",
    "Category",
    "ClosedDate",
    "ComplaintCategory",
    "Consultation",
    "Customer",
    "CustomerBehavior",
    "CustomerExchange",
    "HolidayDecision",
    "OnboardingProgress",
    "OpeningInterval",
    "Order",
    "OrderItem",
    "PreparationTicket",
    "Product",
    "ProductVariation",
    "Reservation",
    "ServiceBooking",
    "ServiceResource",
    "SpecialHours",
    "Source",
    "Store",
    "UniversalService",
]
