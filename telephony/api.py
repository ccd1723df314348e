"""Phone numbers API (`/api/telnyx/...`): thin routes. Validate (schemas), reach the number or
store through the tenant helpers (another tenant's id is a 404), call telephony.numbers."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from stores.access import access_store
from stores.api import Page
from telephony import numbers
from telephony.models import PhoneNumber
from telephony.schemas import NumberPurchaseIn, PhoneNumberDetailOut, PhoneNumberOut, PhoneNumberUpdate

router = Router(tags=["phone numbers"], auth=django_auth)


@router.post(
    "/numbers/auto-purchase",
    response={202: PhoneNumberOut},
    summary="Buy a number for a store (PENDING until Telnyx completes the order)",
)
def number_auto_purchase(request: HttpRequest, payload: NumberPurchaseIn) -> Status:
    store = access_store(request.user, payload.store_id, manage=True)
    number = numbers.number_purchase(
        store,
        payload.country_code,
        actor=request.user,
        features=tuple(payload.features),
        locality=payload.locality,
    )
    return Status(202, number)


@router.get("/phone-numbers", response=list[PhoneNumberOut], summary="Numbers of my businesses")
@paginate(Page)
def number_list(
    request: HttpRequest, store_id: int | None = None, status: PhoneNumber.Status | None = None
) -> QuerySet[PhoneNumber]:
    qs = numbers.numbers_for(request.user).select_related("store").order_by("-created_at", "-id")
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    if status is not None:
        qs = qs.filter(status=status)
    return qs


@router.get("/phone-numbers/{number_id}", response=PhoneNumberDetailOut, summary="A number and its history")
def number_detail(request: HttpRequest, number_id: int) -> PhoneNumber:
    return numbers.access_number(request.user, number_id)


@router.patch("/phone-numbers/{number_id}", response=PhoneNumberOut, summary="Forwarding and store")
def number_update(request: HttpRequest, number_id: int, payload: PhoneNumberUpdate) -> PhoneNumber:
    number = numbers.access_number(request.user, number_id, manage=True)
    return numbers.number_update(number, actor=request.user, **payload.dict(exclude_unset=True))


@router.post("/phone-numbers/{number_id}/suspend", response=PhoneNumberOut, summary="Stop taking calls")
def number_suspend(request: HttpRequest, number_id: int) -> PhoneNumber:
    number = numbers.access_number(request.user, number_id, manage=True)
    return numbers.suspend(number, actor=request.user, reason="suspended by the owner")


@router.post("/phone-numbers/{number_id}/reactivate", response=PhoneNumberOut, summary="Take calls again")
def number_reactivate(request: HttpRequest, number_id: int) -> PhoneNumber:
    number = numbers.access_number(request.user, number_id, manage=True)
    return numbers.reactivate(number, actor=request.user)


@router.post(
    "/phone-numbers/{number_id}/retry", response={202: PhoneNumberOut}, summary="Retry a failed purchase"
)
def number_retry(request: HttpRequest, number_id: int) -> Status:
    number = numbers.access_number(request.user, number_id, manage=True)
    return Status(202, numbers.retry_purchase(number, actor=request.user))


@router.delete("/phone-numbers/{number_id}", response=PhoneNumberOut, summary="Release the number")
def number_release(request: HttpRequest, number_id: int) -> PhoneNumber:
    number = numbers.access_number(request.user, number_id, manage=True)
    return numbers.release(number, actor=request.user)
