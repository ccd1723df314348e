from django.contrib import admin

from stores.models import (
    Category,
    ClosedDate,
    Consultation,
    Customer,
    CustomerBehavior,
    CustomerExchange,
    HolidayDecision,
    OnboardingProgress,
    OpeningInterval,
    Order,
    OrderItem,
    PreparationTicket,
    Product,
    ProductVariation,
    Reservation,
    ServiceBooking,
    ServiceResource,
    SpecialHours,
    Store,
    UniversalService,
)


class OpeningIntervalInline(admin.TabularInline):
    model = OpeningInterval
    extra = 0


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


class SpecialHoursInline(admin.TabularInline):
    model = SpecialHours
    extra = 0


class HolidayDecisionInline(admin.TabularInline):
    model = HolidayDecision
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "business", "language", "timezone", "currency", "is_active", "created_at")
    list_filter = ("is_active", "language", "has_products", "has_reservations", "has_consultations")
    search_fields = ("name", "slug", "business__name", "phone")
    list_select_related = ("business",)
    raw_id_fields = ("business",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (OpeningIntervalInline, ClosedDateInline, SpecialHoursInline, HolidayDecisionInline)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "sort_order")
    search_fields = ("name", "store__name")
    list_select_related = ("store",)
    raw_id_fields = ("store",)


class VariationInline(admin.TabularInline):
    model = ProductVariation
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "category", "price", "status", "sort_order")
    list_filter = ("status",)
    search_fields = ("name", "description", "store__name")
    list_select_related = ("store", "category")
    raw_id_fields = ("store", "category")
    readonly_fields = ("created_at", "updated_at")
    inlines = (VariationInline,)


@admin.register(ProductVariation)
class ProductVariationAdmin(admin.ModelAdmin):
    list_display = ("product", "type", "name", "value", "price", "price_delta", "is_available")
    list_filter = ("type", "is_available")
    search_fields = ("product__name", "value")
    list_select_related = ("product",)
    raw_id_fields = ("product",)


@admin.register(UniversalService)
class UniversalServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "store", "pattern", "duration_minutes", "price", "is_active")
    list_filter = ("pattern", "is_active")
    search_fields = ("name", "store__name")
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(ServiceResource)
class ServiceResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "store", "capacity", "is_active")
    list_filter = ("type", "is_active")
    search_fields = ("name", "store__name")
    list_select_related = ("store",)
    raw_id_fields = ("store",)
    filter_horizontal = ("services",)


class _BookingAdmin(admin.ModelAdmin):
    list_filter = ("status", "source")
    search_fields = ("customer_name", "customer_phone", "store__name")
    list_select_related = ("store", "customer")
    raw_id_fields = ("store", "customer", "resource")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Reservation)
class ReservationAdmin(_BookingAdmin):
    list_display = ("starts_at", "customer_name", "party_size", "store", "status", "source")
    date_hierarchy = "starts_at"


@admin.register(ServiceBooking)
class ServiceBookingAdmin(_BookingAdmin):
    list_display = ("starts_at", "service", "resource", "customer_name", "store", "status")
    list_select_related = ("store", "customer", "service", "resource")
    raw_id_fields = ("store", "customer", "resource", "service")
    date_hierarchy = "starts_at"


@admin.register(Consultation)
class ConsultationAdmin(_BookingAdmin):
    list_display = ("created_at", "customer_name", "urgency", "store", "status", "scheduled_at")
    list_filter = ("status", "urgency", "source")


class BehaviorInline(admin.StackedInline):
    model = CustomerBehavior
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("phone", "name", "business", "status", "order_count", "total_spent", "last_seen")
    list_filter = ("status",)
    search_fields = ("phone", "name", "email", "business__name")
    list_select_related = ("business",)
    raw_id_fields = ("business",)
    inlines = (BehaviorInline,)


@admin.register(CustomerBehavior)
class CustomerBehaviorAdmin(admin.ModelAdmin):
    list_display = ("customer", "loyalty_score", "average_basket", "last_order_at")
    search_fields = ("customer__phone", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)


@admin.register(CustomerExchange)
class CustomerExchangeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "type", "customer", "category", "severity", "follow_up_required")
    list_filter = ("type", "severity", "follow_up_required")
    search_fields = ("description", "customer__phone", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "store")


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    raw_id_fields = ("product",)


class TicketInline(admin.StackedInline):
    model = PreparationTicket
    extra = 0
    raw_id_fields = ("store",)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "store", "customer", "status", "delivery_type", "total", "source", "created_at")
    list_filter = ("status", "delivery_type", "source", "urgency")
    search_fields = ("=number", "customer__phone", "customer__name", "store__name")
    list_select_related = ("store", "customer")
    raw_id_fields = ("store", "customer")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = (OrderItemInline, TicketInline)


@admin.register(PreparationTicket)
class PreparationTicketAdmin(admin.ModelAdmin):
    list_display = ("order", "store", "status", "priority", "created_at", "ready_at")
    list_filter = ("status", "priority")
    search_fields = ("=order__number", "store__name")
    list_select_related = ("order__store", "store")
    raw_id_fields = ("order", "store")


@admin.register(OrderItem)
class OrderItemAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "quantity", "unit_price", "line_total")
    search_fields = ("name", "=order__number")
    list_select_related = ("order__store",)
    raw_id_fields = ("order", "product")


@admin.register(OpeningInterval)
class OpeningIntervalAdmin(admin.ModelAdmin):
    list_display = ("store", "weekday", "opens", "closes")
    list_filter = ("weekday",)
    search_fields = ("store__name",)
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(ClosedDate)
class ClosedDateAdmin(admin.ModelAdmin):
    list_display = ("store", "date", "reason")
    search_fields = ("store__name", "reason")
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(SpecialHours)
class SpecialHoursAdmin(admin.ModelAdmin):
    list_display = ("store", "date", "opens", "closes", "reason")
    search_fields = ("store__name", "reason")
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(HolidayDecision)
class HolidayDecisionAdmin(admin.ModelAdmin):
    list_display = ("store", "date", "name", "decision")
    list_filter = ("decision",)
    search_fields = ("store__name", "name")
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(OnboardingProgress)
class OnboardingProgressAdmin(admin.ModelAdmin):
    list_display = ("store", "step", "sector", "catalog_source", "completed_at", "updated_at")
    list_filter = ("step", "sector")
    search_fields = ("store__name",)
    list_select_related = ("store",)
    raw_id_fields = ("store",)
