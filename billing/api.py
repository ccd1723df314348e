"""Billing API under /api/stripe: signup through Checkout, checkout for an existing owner,
payment methods and the billing-portal link; and `auth_router`, mounted under /api/auth, with the
one-time login after signup (billing owns signups; accounts sits below and never imports it)."""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field, field_validator

from accounts.access import managed_business_ids
from accounts.api import _require_csrf, _user_out
from accounts.models import Business
from accounts.schemas import AutoLoginIn, UserOut, email_normalize
from accounts.services import phone_normalize
from billing import gateway, signup
from billing.models import Subscription
from billing.plans import PlanCode
from kalliky.errors import AppError, ValidationFailed
from kalliky.languages import supported_language
from stores.access import access_store

router = Router(tags=["billing"])
auth_router = Router(tags=["auth"])
PlanName = Literal["STARTER", "PRO", "BUSINESS"]


class UserData(Schema):
    firstName: str = Field(min_length=1, max_length=150)  # noqa: N815 - the signup form's names
    lastName: str = Field(default="", max_length=150)  # noqa: N815
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)
    phone: str = Field(min_length=1, max_length=40)

    @field_validator("email")
    @classmethod
    def valid_email(cls, value: str) -> str:
        return email_normalize(value)

    @field_validator("phone")
    @classmethod
    def e164(cls, value: str) -> str:
        return phone_normalize(value)


class BusinessData(Schema):
    name: str = Field(min_length=1, max_length=200)
    type: Business.Type = Business.Type.OTHER


class StoreData(Schema):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=500)
    hasProducts: bool = True  # noqa: N815
    hasReservations: bool = False  # noqa: N815
    hasConsultations: bool = False  # noqa: N815

    def as_fields(self) -> dict[str, object]:
        return {
            "name": self.name,
            "address": self.address,
            "has_products": self.hasProducts,
            "has_reservations": self.hasReservations,
            "has_consultations": self.hasConsultations,
        }


class SignupIn(Schema):
    userData: UserData  # noqa: N815
    businessData: BusinessData  # noqa: N815
    storeData: StoreData  # noqa: N815
    plan: PlanName
    language: Literal["fr", "en"] | None = None


class CheckoutOut(Schema):
    checkoutUrl: str  # noqa: N815
    provider: Literal["stripe", "trial"]
    signupToken: str = ""  # noqa: N815 - give it to POST /api/auth/auto-login-signup after payment
    storeId: int | None = None  # noqa: N815


class CheckoutIn(Schema):
    plan: PlanName
    storeId: int | None = None  # noqa: N815 - an existing store: change its plan or start paying
    store: StoreData | None = None  # a new store in the business
    businessId: int | None = None  # noqa: N815


class PlanChangeOut(Schema):
    storeId: int  # noqa: N815
    plan: str
    status: str


class PaymentMethodOut(Schema):
    id: str
    brand: str
    last4: str
    expMonth: int  # noqa: N815
    expYear: int  # noqa: N815


class PaymentMethodsOut(Schema):
    billingConfigured: bool  # noqa: N815
    items: list[PaymentMethodOut]


class PortalIn(Schema):
    storeId: int | None = None  # noqa: N815


class PortalOut(Schema):
    url: str


def _language(request: HttpRequest, chosen: str | None) -> str:
    if chosen:
        return chosen
    code = (getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE)[:2]
    return supported_language(code)


@router.post(
    "/checkout-signup",
    auth=None,
    response={201: CheckoutOut},
    summary="Sign up: validate, then open the Stripe Checkout page (or start the trial)",
    description="422 per field (userData.email taken, userData.password too weak, userData.phone "
    "not a phone number, plan unknown or sold on quote). With Stripe configured, send the person "
    "to `checkoutUrl`; the account exists once the payment is confirmed. Without it (trial "
    "provider) the account exists at once and `checkoutUrl` is the success page. Either way "
    "`signupToken` logs the new owner in once (POST /api/auth/auto-login-signup).",
)
def checkout_signup(request: HttpRequest, payload: SignupIn) -> tuple[int, dict]:
    _require_csrf(request)
    started = signup.signup_start(
        first_name=payload.userData.firstName,
        last_name=payload.userData.lastName,
        email=payload.userData.email,
        password=payload.userData.password,
        phone=payload.userData.phone,
        business_name=payload.businessData.name,
        business_type=payload.businessData.type,
        store=payload.storeData.as_fields(),
        plan=payload.plan,
        language=_language(request, payload.language),
    )
    # The browser that started the signup finishes it on the success page.
    request.session["kalliky_signup_token"] = started.signup_token
    return 201, _started_out(started)


def _started_out(started: signup.CheckoutStarted) -> dict:
    return {
        "checkoutUrl": started.checkout_url,
        "provider": started.provider,
        "signupToken": started.signup_token,
        "storeId": started.store_id,
    }


@router.post(
    "/checkout",
    auth=django_auth,
    response={201: CheckoutOut, 200: PlanChangeOut},
    summary="Add a store, put a store on a paid plan, or change a store's plan",
    description="`store` (+ `businessId` when you manage several): a new store → 201 with the "
    "Checkout page. `storeId` of a store without a Stripe subscription → 201 with the Checkout "
    "page. `storeId` of a subscribed store → 200: the subscription moves to `plan` at once "
    "(prorated by Stripe).",
)
def checkout(request: HttpRequest, payload: CheckoutIn) -> tuple[int, dict]:
    user = request.user
    if (payload.storeId is None) == (payload.store is None):
        raise ValidationFailed(
            _("Send either storeId (an existing store) or store (a new one)."), field="storeId"
        )
    if payload.storeId is not None:
        store = access_store(user, payload.storeId, manage=True)
        sub = Subscription.objects.filter(store=store).first()
        if sub is not None and sub.stripe_subscription_id and gateway.configured():
            sub = signup.change_plan(sub, payload.plan)
            return 200, {"storeId": sub.store_id, "plan": sub.plan, "status": sub.status}
        started = signup.checkout_for_owner(
            user=user, business=store.business, plan=payload.plan, store=store, store_data={}
        )
        return 201, _started_out(started)
    managed = managed_business_ids(user)
    if payload.businessId is None and len(managed) == 1:
        business_id = next(iter(managed))
    elif payload.businessId in managed:
        business_id = payload.businessId
    else:
        raise ValidationFailed(
            _("Say which of your businesses gets the store (businessId)."), field="businessId"
        )
    business = Business.objects.get(pk=business_id)
    started = signup.checkout_for_owner(
        user=user, business=business, plan=payload.plan, store_data=payload.store.as_fields()
    )
    return 201, _started_out(started)


def _customer_for(request: HttpRequest, store_id: int | None) -> str:
    user = request.user
    if store_id is not None:
        store = access_store(user, store_id, manage=True)
        subs = Subscription.objects.filter(store=store)
    else:
        subs = Subscription.objects.filter(business_id__in=managed_business_ids(user))
    return subs.exclude(stripe_customer_id="").values_list("stripe_customer_id", flat=True).first() or ""


@router.get(
    "/payment-methods",
    auth=django_auth,
    response=PaymentMethodsOut,
    summary="The cards on file (empty while billing is not configured)",
)
def payment_methods(request: HttpRequest, storeId: int | None = None) -> dict:  # noqa: N803
    if not gateway.configured():
        return {"billingConfigured": False, "items": []}
    customer = _customer_for(request, storeId)
    if not customer:
        return {"billingConfigured": True, "items": []}
    try:
        cards = gateway.cards(customer)
    except gateway.GatewayError as exc:
        raise _unavailable(exc) from None
    items = [
        {"id": c.id, "brand": c.brand, "last4": c.last4, "expMonth": c.exp_month, "expYear": c.exp_year}
        for c in cards
    ]
    return {"billingConfigured": True, "items": items}


@router.post(
    "/portal",
    auth=django_auth,
    response=PortalOut,
    summary="A Stripe billing-portal link (cards, invoices, cancellation)",
)
def portal(request: HttpRequest, payload: PortalIn) -> dict:
    if not gateway.configured():
        raise AppError(
            _("Billing is not configured on this installation: there is no portal to open."),
            code="billing_not_configured",
            status=409,
        )
    customer = _customer_for(request, payload.storeId)
    if not customer:
        raise AppError(
            _("This store has no Stripe subscription yet: choose a plan first."),
            code="no_customer",
            status=409,
        )
    try:
        url = gateway.portal_session_url(customer, return_url=f"{settings.PUBLIC_BASE_URL}/billing/")
    except gateway.GatewayError as exc:
        raise _unavailable(exc) from None
    return {"url": url}


def _unavailable(exc: gateway.GatewayError) -> signup.BillingUnavailable:
    return signup.BillingUnavailable(
        _("Stripe is not answering (%(error)s); try again in a minute.") % {"error": exc.problem}
    )


@auth_router.post(
    "/auto-login-signup",
    response=UserOut,
    summary="Log a new owner in once after signup, with the signupToken from checkout-signup",
    description="Single use, valid SIGNUP_LOGIN_TOKEN_MINUTES (15) after the account is created. "
    "409 while the payment is still being confirmed (retry in a few seconds); 410 used or expired; "
    "401 unknown.",
)
def auto_login_signup(request: HttpRequest, payload: AutoLoginIn) -> dict:
    _require_csrf(request)
    user = signup.consume_login_token(payload.token)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return _user_out(user)


__all__ = ["PlanCode", "auth_router", "router"]
