"""Stores API: thin routes — validate (schemas), reach data through the tenant helpers,
call a service, return. Another tenant's ids are 404 at every level."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from kalliky.errors import ValidationFailed
from stores import selectors
from stores.access import access_store, stores_for
from stores.models import (
    Category,
    Customer,
    Order,
    PreparationTicket,
    Product,
    ProductVariation,
    ServiceResource,
    Store,
    UniversalService,
)
from stores.models.dietary import ALLERGENS, DIETARY_TAGS, known_to_be
from stores.schemas import (
    CategoryIn,
    CategoryOut,
    ConsultationIn,
    ConsultationOut,
    CustomerDetailOut,
    CustomerOut,
    HolidayDecisionIn,
    HolidayOut,
    HoursSchema,
    OrderDetailOut,
    OrderIn,
    OrderOut,
    OrderStatusIn,
    ProductIn,
    ProductOut,
    ProductUpdate,
    ReservationIn,
    ReservationOut,
    ResourceIn,
    ResourceOut,
    ServiceBookingIn,
    ServiceBookingOut,
    ServiceIn,
    ServiceOut,
    StoreIn,
    StoreOut,
    StoreUpdate,
    TicketOut,
    TicketStatusIn,
    VariationIn,
    VariationOut,
)
from stores.services import bookings, catalog, orders
from stores.services import store as store_services

router = Router(tags=["stores"], auth=django_auth)


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = 50
        offset: int = 0

    def paginate_queryset(self, queryset: QuerySet, pagination: Any, **params: Any) -> Any:
        pagination.limit = max(1, min(pagination.limit, 200))
        pagination.offset = max(0, pagination.offset)
        return super().paginate_queryset(queryset, pagination, **params)


def _day_start(store: Store, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=store.zone)


# --- Stores ---------------------------------------------------------------------------------
@router.get("", response=list[StoreOut], summary="Stores I can act on")
@paginate(Page)
def store_list(request: HttpRequest, q: str = "", is_active: bool | None = None) -> QuerySet[Store]:
    qs = stores_for(request.user).order_by("name", "id")
    if q:
        qs = qs.filter(name__icontains=q)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs


@router.post("", response={201: StoreOut}, summary="Create a store in a business I manage")
def store_create(request: HttpRequest, payload: StoreIn) -> Status:
    data = payload.dict()
    business = store_services.business_for_new_store(user=request.user, business_id=data.pop("business_id"))
    return Status(201, store_services.store_create(business=business, **data))


@router.get("/{store_id}", response=StoreOut)
def store_detail(request: HttpRequest, store_id: int) -> Store:
    return access_store(request.user, store_id)


@router.put("/{store_id}", response=StoreOut)
def store_update(request: HttpRequest, store_id: int, payload: StoreUpdate) -> Store:
    store = access_store(request.user, store_id, manage=True)
    return store_services.store_update(store=store, **payload.dict())


@router.delete("/{store_id}", response={204: None})
def store_delete(request: HttpRequest, store_id: int) -> Status:
    store_services.store_delete(store=access_store(request.user, store_id, manage=True))
    return Status(204, None)


@router.get("/{store_id}/hours", response=HoursSchema)
def hours_get(request: HttpRequest, store_id: int) -> dict:
    store = access_store(request.user, store_id)
    return {
        "intervals": list(store.opening_intervals.all()),
        "closed_dates": list(store.closed_dates.all()),
        "special_hours": list(store.special_hours.all()),
    }


@router.put("/{store_id}/hours", response=HoursSchema, summary="Replace weekly hours and closed dates")
def hours_set(request: HttpRequest, store_id: int, payload: HoursSchema) -> dict:
    store = access_store(request.user, store_id, manage=True)
    data = payload.dict()
    store_services.hours_set(
        store=store,
        intervals=data["intervals"],
        closed_dates=data["closed_dates"],
        special_hours=data["special_hours"],
    )
    return hours_get(request, store_id)


@router.get("/{store_id}/holidays", response=list[HolidayOut], summary="Public holidays ahead and decisions")
def holiday_list(request: HttpRequest, store_id: int) -> list[dict[str, Any]]:
    store = access_store(request.user, store_id)
    return [_holiday_view(h) for h in selectors.holidays_ahead(store, selectors.local_today(store))]


@router.put(
    "/{store_id}/holidays/{day}", response=HolidayOut, summary="Decide what the store does on a holiday"
)
def holiday_decide(
    request: HttpRequest, store_id: int, day: date, payload: HolidayDecisionIn
) -> dict[str, Any]:
    store = access_store(request.user, store_id, manage=True)
    store_services.holiday_decide(
        store=store,
        day=day,
        decision=payload.decision,
        intervals=[(span.opens, span.closes) for span in payload.intervals],
    )
    return _holiday_view(selectors.holidays_ahead(store, day, days=0)[0])  # the service refused a non-holiday


def _holiday_view(found: selectors.HolidayAhead) -> dict[str, Any]:
    return {"date": found.day, "name": found.name, "decision": found.decision, "hours": found.hours}


# --- Catalog --------------------------------------------------------------------------------
@router.get("/{store_id}/categories", response=list[CategoryOut])
@paginate(Page)
def category_list(request: HttpRequest, store_id: int) -> QuerySet[Category]:
    return access_store(request.user, store_id).categories.all()


@router.post("/{store_id}/categories", response={201: CategoryOut})
def category_create(request: HttpRequest, store_id: int, payload: CategoryIn) -> Status:
    store = access_store(request.user, store_id, manage=True)
    return Status(201, catalog.category_create(store=store, **payload.dict()))


def _product(request: HttpRequest, store_id: int, product_id: int, *, manage: bool = False) -> Product:
    store = access_store(request.user, store_id, manage=manage)
    return get_object_or_404(
        Product.objects.select_related("category", "store__business").prefetch_related("variations"),
        pk=product_id,
        store=store,
    )


def _keys(value: str, allowed: tuple[str, ...], field: str) -> list[str]:
    keys = [k.strip().lower() for k in value.split(",") if k.strip()]
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        raise ValidationFailed(
            f"Unknown {field} value {unknown[0]!r}; use one of: {', '.join(allowed)}.", field=field
        )
    return keys


@router.get("/{store_id}/products", response=list[ProductOut])
@paginate(Page)
def product_list(
    request: HttpRequest,
    store_id: int,
    q: str = "",
    category_id: int | None = None,
    status: str = "",
    diet: str = "",
    free_of: str = "",
) -> QuerySet[Product]:
    """`diet=vegetarian,halal` keeps the products known to be all of these; `free_of=gluten,nuts`
    the ones known to contain none of these. Unknown facts never match: a filter promises."""
    store = access_store(request.user, store_id)
    known = known_to_be(_keys(diet, DIETARY_TAGS, "diet"), _keys(free_of, ALLERGENS, "free_of"))
    qs = (
        store.products.select_related("category")
        .prefetch_related("variations")
        .order_by("sort_order", "name", "id")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    if status:
        qs = qs.filter(status=status)
    return qs.filter(known)


@router.post("/{store_id}/products", response={201: ProductOut})
def product_create(request: HttpRequest, store_id: int, payload: ProductIn) -> Status:
    store = access_store(request.user, store_id, manage=True)
    product = catalog.product_create(store=store, **payload.dict())
    return Status(201, _product(request, store_id, product.pk))


@router.get("/{store_id}/products/{product_id}", response=ProductOut)
def product_detail(request: HttpRequest, store_id: int, product_id: int) -> Product:
    return _product(request, store_id, product_id)


@router.put("/{store_id}/products/{product_id}", response=ProductOut)
def product_update(request: HttpRequest, store_id: int, product_id: int, payload: ProductUpdate) -> Product:
    catalog.product_update(product=_product(request, store_id, product_id, manage=True), **payload.dict())
    return _product(request, store_id, product_id)


@router.delete("/{store_id}/products/{product_id}", response={204: None})
def product_delete(request: HttpRequest, store_id: int, product_id: int) -> Status:
    catalog.product_delete(product=_product(request, store_id, product_id, manage=True))
    return Status(204, None)


@router.get("/{store_id}/products/{product_id}/variations", response=list[VariationOut])
def variation_list(request: HttpRequest, store_id: int, product_id: int) -> list[ProductVariation]:
    return list(_product(request, store_id, product_id).variations.all())


@router.post("/{store_id}/products/{product_id}/variations", response={201: VariationOut})
def variation_create(request: HttpRequest, store_id: int, product_id: int, payload: VariationIn) -> Status:
    product = _product(request, store_id, product_id, manage=True)
    return Status(201, catalog.variation_save(product=product, **payload.dict()))


def _variation(request: HttpRequest, store_id: int, product_id: int, variation_id: int) -> ProductVariation:
    product = _product(request, store_id, product_id, manage=True)
    return get_object_or_404(ProductVariation, pk=variation_id, product=product)


@router.put("/{store_id}/products/{product_id}/variations/{variation_id}", response=VariationOut)
def variation_update(
    request: HttpRequest, store_id: int, product_id: int, variation_id: int, payload: VariationIn
) -> ProductVariation:
    variation = _variation(request, store_id, product_id, variation_id)
    return catalog.variation_save(product=variation.product, variation=variation, **payload.dict())


@router.delete("/{store_id}/products/{product_id}/variations/{variation_id}", response={204: None})
def variation_delete(request: HttpRequest, store_id: int, product_id: int, variation_id: int) -> Status:
    _variation(request, store_id, product_id, variation_id).delete()
    return Status(204, None)


# --- Services and resources -----------------------------------------------------------------
@router.get("/{store_id}/services", response=list[ServiceOut])
@paginate(Page)
def service_list(request: HttpRequest, store_id: int, is_active: bool | None = None) -> QuerySet:
    qs = access_store(request.user, store_id).services.order_by("sort_order", "name", "id")
    return qs if is_active is None else qs.filter(is_active=is_active)


@router.post("/{store_id}/services", response={201: ServiceOut})
def service_create(request: HttpRequest, store_id: int, payload: ServiceIn) -> Status:
    store = access_store(request.user, store_id, manage=True)
    return Status(201, catalog.service_save(store=store, **payload.dict()))


def _service(
    request: HttpRequest, store_id: int, service_id: int, *, manage: bool = False
) -> UniversalService:
    store = access_store(request.user, store_id, manage=manage)
    return get_object_or_404(UniversalService, pk=service_id, store=store)


@router.get("/{store_id}/services/{service_id}", response=ServiceOut)
def service_detail(request: HttpRequest, store_id: int, service_id: int) -> UniversalService:
    return _service(request, store_id, service_id)


@router.put("/{store_id}/services/{service_id}", response=ServiceOut)
def service_update(
    request: HttpRequest, store_id: int, service_id: int, payload: ServiceIn
) -> UniversalService:
    service = _service(request, store_id, service_id, manage=True)
    return catalog.service_save(store=service.store, service=service, **payload.dict())


@router.delete("/{store_id}/services/{service_id}", response={204: None})
def service_delete(request: HttpRequest, store_id: int, service_id: int) -> Status:
    service = _service(request, store_id, service_id, manage=True)
    if service.bookings.exists():
        # Bookings keep their service; deactivating keeps history readable.
        service.is_active = False
        service.save(update_fields=["is_active", "updated_at"])
    else:
        service.delete()
    return Status(204, None)


@router.get("/{store_id}/resources", response=list[ResourceOut])
@paginate(Page)
def resource_list(request: HttpRequest, store_id: int, type: str = "") -> QuerySet[ServiceResource]:  # noqa: A002
    qs = (
        access_store(request.user, store_id)
        .resources.prefetch_related("services")
        .order_by("type", "name", "id")
    )
    return qs.filter(type=type) if type else qs


@router.post("/{store_id}/resources", response={201: ResourceOut})
def resource_create(request: HttpRequest, store_id: int, payload: ResourceIn) -> Status:
    store = access_store(request.user, store_id, manage=True)
    return Status(201, catalog.resource_save(store=store, **payload.dict()))


def _resource(
    request: HttpRequest, store_id: int, resource_id: int, *, manage: bool = False
) -> ServiceResource:
    store = access_store(request.user, store_id, manage=manage)
    return get_object_or_404(
        ServiceResource.objects.prefetch_related("services"), pk=resource_id, store=store
    )


@router.get("/{store_id}/resources/{resource_id}", response=ResourceOut)
def resource_detail(request: HttpRequest, store_id: int, resource_id: int) -> ServiceResource:
    return _resource(request, store_id, resource_id)


@router.put("/{store_id}/resources/{resource_id}", response=ResourceOut)
def resource_update(
    request: HttpRequest, store_id: int, resource_id: int, payload: ResourceIn
) -> ServiceResource:
    resource = _resource(request, store_id, resource_id, manage=True)
    catalog.resource_save(store=resource.store, resource=resource, **payload.dict())
    return _resource(request, store_id, resource_id)


@router.delete("/{store_id}/resources/{resource_id}", response={204: None})
def resource_delete(request: HttpRequest, store_id: int, resource_id: int) -> Status:
    _resource(request, store_id, resource_id, manage=True).delete()
    return Status(204, None)


# --- Customers ------------------------------------------------------------------------------
@router.get("/{store_id}/customers", response=list[CustomerOut])
@paginate(Page)
def customer_list(request: HttpRequest, store_id: int, q: str = "", status: str = "") -> QuerySet[Customer]:
    store = access_store(request.user, store_id)
    qs = Customer.objects.filter(business_id=store.business_id).order_by("-last_seen", "-id")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(phone__icontains=q.replace(" ", "")))
    if status:
        qs = qs.filter(status=status)
    return qs


@router.get("/{store_id}/customers/{customer_id}", response=CustomerDetailOut)
def customer_detail(request: HttpRequest, store_id: int, customer_id: int) -> Customer:
    store = access_store(request.user, store_id)
    return get_object_or_404(
        Customer.objects.prefetch_related("exchanges"), pk=customer_id, business_id=store.business_id
    )


# --- Orders and tickets ---------------------------------------------------------------------
class OrderFilters(Schema):
    status: Order.Status | None = None
    delivery_type: Order.DeliveryType | None = None
    date_from: date | None = None
    date_to: date | None = None
    tests: bool = Field(
        False, description="Include what was written while testing the assistant (source `test`)."
    )


@router.get("/{store_id}/orders", response=list[OrderOut], summary="Orders, newest first")
@paginate(Page)
def order_list(request: HttpRequest, store_id: int, filters: Query[OrderFilters]) -> QuerySet[Order]:
    store = access_store(request.user, store_id)
    qs = Order.objects.filter(store=store).select_related("customer").order_by("-created_at", "-id")
    if not filters.tests:
        qs = qs.real()  # assistant tests are not business unless asked for, as on the dashboard
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.delivery_type:
        qs = qs.filter(delivery_type=filters.delivery_type)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(store, filters.date_from))
    if filters.date_to:
        qs = qs.filter(
            created_at__lt=_day_start(store, filters.date_to).replace(hour=23, minute=59, second=59)
        )
    return qs


@router.post(
    "/{store_id}/orders", response={201: OrderDetailOut}, summary="Create an order priced from the catalog"
)
def order_create(request: HttpRequest, store_id: int, payload: OrderIn) -> Status:
    store = access_store(request.user, store_id)
    order = orders.order_create(store=store, **payload.dict())
    return Status(201, _order(request, store_id, order.pk))


def _order(request: HttpRequest, store_id: int, order_id: int) -> Order:
    store = access_store(request.user, store_id)
    return get_object_or_404(
        Order.objects.select_related("customer").prefetch_related("items"), pk=order_id, store=store
    )


@router.get("/{store_id}/orders/{order_id}", response=OrderDetailOut)
def order_detail(request: HttpRequest, store_id: int, order_id: int) -> Order:
    return _order(request, store_id, order_id)


@router.post("/{store_id}/orders/{order_id}/status", response=OrderDetailOut, summary="Move an order along")
def order_status(request: HttpRequest, store_id: int, order_id: int, payload: OrderStatusIn) -> Order:
    orders.order_set_status(order=_order(request, store_id, order_id), status=payload.status)
    return _order(request, store_id, order_id)


@router.get("/{store_id}/tickets", response=list[TicketOut], summary="Kitchen tickets")
@paginate(Page)
def ticket_list(
    request: HttpRequest, store_id: int, status: str = "", tests: bool = False
) -> QuerySet[PreparationTicket]:
    store = access_store(request.user, store_id)
    qs = (
        PreparationTicket.objects.filter(store=store)
        .select_related("order")
        .order_by("-priority", "created_at")
    )
    if not tests:
        qs = qs.real()  # the kitchen's tickets: a test order is not cooked
    return qs.filter(status=status) if status else qs


@router.post("/{store_id}/tickets/{ticket_id}/status", response=TicketOut)
def ticket_status(
    request: HttpRequest, store_id: int, ticket_id: int, payload: TicketStatusIn
) -> PreparationTicket:
    store = access_store(request.user, store_id)
    ticket = get_object_or_404(PreparationTicket, pk=ticket_id, store=store)
    orders.ticket_set_status(ticket=ticket, status=payload.status)
    return PreparationTicket.objects.select_related("order").get(pk=ticket.pk)


# --- Bookings -------------------------------------------------------------------------------
class RangeFilters(Schema):
    date_from: date | None = None
    date_to: date | None = None
    status: str = ""
    tests: bool = Field(
        False, description="Include what was written while testing the assistant (source `test`)."
    )


def _in_range(store: Store, qs: QuerySet, field: str, filters: RangeFilters) -> QuerySet:
    if filters.date_from:
        qs = qs.filter(**{f"{field}__gte": _day_start(store, filters.date_from)})
    if filters.date_to:
        qs = qs.filter(
            **{f"{field}__lte": _day_start(store, filters.date_to).replace(hour=23, minute=59, second=59)}
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs if filters.tests else qs.real()


def _mount_bookings(
    kind: bookings.BookingKind, path: str, payload_in: type[Schema], out: type[Schema]
) -> None:
    """List, create, get, update and cancel one kind of booking under /{store_id}/{path}; the
    operation ids stay those of the hand-written routes they replace (stores_api_<kind>_<verb>)."""
    many, one = f"/{{store_id}}/{path}", f"/{{store_id}}/{path}/{{booking_id}}"

    def named(verb: str) -> dict[str, Any]:
        title = kind.name.replace("_", " ").title()
        return {"operation_id": f"stores_api_{kind.name}_{verb}", "summary": f"{title} {verb.title()}"}

    def booking_of(request: HttpRequest, store_id: int, booking_id: int) -> Any:
        return get_object_or_404(kind.model, pk=booking_id, store=access_store(request.user, store_id))

    @router.get(many, response=list[out], **named("list"))
    @paginate(Page)
    def list_(request: HttpRequest, store_id: int, filters: Query[RangeFilters]) -> QuerySet:
        store = access_store(request.user, store_id)
        return _in_range(store, kind.rows(store), kind.day_field, filters)

    def create(request: HttpRequest, store_id: int, payload: Schema) -> Status:
        return Status(201, kind.create(access_store(request.user, store_id), **payload.dict()))

    def detail(request: HttpRequest, store_id: int, booking_id: int) -> Any:
        return booking_of(request, store_id, booking_id)

    def update(request: HttpRequest, store_id: int, booking_id: int, payload: Schema) -> Any:
        return kind.update(booking_of(request, store_id, booking_id), **payload.dict())

    def cancel(request: HttpRequest, store_id: int, booking_id: int) -> Any:
        booking = booking_of(request, store_id, booking_id)
        bookings.booking_cancel(booking=booking)
        return booking

    # Ninja reads the body's schema from the annotation: each kind's own.
    create.__annotations__["payload"] = update.__annotations__["payload"] = payload_in
    router.post(many, response={201: out}, **named("create"))(create)
    router.get(one, response=out, **named("detail"))(detail)
    router.put(one, response=out, **named("update"))(update)
    router.post(f"{one}/cancel", response=out, **named("cancel"))(cancel)


# One table: the kind (model, save function, related rows), its URL and its schemas.
for _kind, _path, _in, _out in (
    (bookings.RESERVATION, "reservations", ReservationIn, ReservationOut),
    (bookings.SERVICE_BOOKING, "service-bookings", ServiceBookingIn, ServiceBookingOut),
    (bookings.CONSULTATION, "consultations", ConsultationIn, ConsultationOut),
):
    _mount_bookings(_kind, _path, _in, _out)
