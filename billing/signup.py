"""Signup and new subscriptions through Stripe Checkout — or, without STRIPE_SECRET_KEY, the
trial provider, which opens the account at once on a BILLING_TRIAL_DAYS trial.

Stripe path: `signup_start` validates everything, keeps a PendingSignup (the password hashed,
never sent to Stripe) and opens a Checkout Session pointing at it. The account exists only once
Stripe says the checkout is complete (`on_checkout_completed`, from the webhook inbox, in the
event's transaction, so a repeated or reordered delivery creates one account). After commit
`billing.events.signup_completed` is published: telephony buys the first number, ai creates its
config and warms the assistant's cache, notifications welcomes the owner. The browser that
started the signup holds a one-time login token (only its hash is stored) that opens a session
once, within SIGNUP_LOGIN_TOKEN_MINUTES of the account being created.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import managed_business_ids
from accounts.models import Business, Membership, User
from billing import events, gateway
from billing.models import PendingSignup, Subscription
from billing.plans import Plan, get_plan
from kalliky.errors import AppError, Conflict, ValidationFailed
from kalliky.inbox import Ignored
from kalliky.languages import supported_language
from stores.models import OnboardingProgress, Store
from stores.services.store import store_create

log = logging.getLogger(__name__)
Status = Subscription.Status


@dataclass(frozen=True)
class CheckoutStarted:
    checkout_url: str
    provider: str  # "stripe" or "trial"
    signup_id: int
    signup_token: str = ""  # only for a new account: the one-time login
    store_id: int | None = None  # set when the trial provider created the store at once


class BillingUnavailable(AppError):
    status_code = 502
    code = "billing_unavailable"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def success_url(*, stripe: bool) -> str:
    base = f"{settings.PUBLIC_BASE_URL}/billing/signup/success/"
    # Stripe replaces the placeholder with the session id when it redirects the payer.
    return f"{base}?session_id={{CHECKOUT_SESSION_ID}}" if stripe else base


def _sellable(plan: str) -> tuple[Plan, bool]:
    """The plan, and whether Stripe bills it (a quote-only plan cannot be bought online)."""
    chosen = get_plan(plan)
    billed = gateway.configured()
    if billed and not chosen.stripe_price_id:
        raise ValidationFailed(
            _("The %(plan)s plan is sold on quote: contact us, or choose Starter or Pro.")
            % {"plan": chosen.code.title()},
            field="plan",
        )
    return chosen, billed


# --- signup -----------------------------------------------------------------------------------
def signup_start(
    *,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    phone: str,
    business_name: str,
    business_type: str,
    store: dict[str, Any],
    plan: str,
    language: str,
) -> CheckoutStarted:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(_("An account with this email already exists."), field="userData.email")
    try:
        validate_password(password, user=User(email=email, first_name=first_name, last_name=last_name))
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="userData.password") from None
    chosen, billed = _sellable(plan)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        pending = PendingSignup.objects.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            password_hash=make_password(password),
            business_data={"name": business_name, "type": business_type},
            store_data=store,
            plan=chosen.code,
            language=language,
            login_token_hash=token_hash(token),
        )
        if not billed:
            store_obj = _provision(pending, status=Status.TRIALING, trial=True)
            return CheckoutStarted(success_url(stripe=False), "trial", pending.pk, token, store_obj.pk)
    session = _open_checkout(
        pending,
        params={"customer_email": email},
        idempotency_key=f"kalliky-signup-{pending.pk}",
    )
    return CheckoutStarted(session.url, "stripe", pending.pk, token)


def checkout_for_owner(
    *, user: User, business: Business, plan: str, store: Store | None = None, store_data: dict[str, Any]
) -> CheckoutStarted:
    """An existing owner adds a store (store_data) or puts a store without a Stripe subscription
    (trial, or from before billing) on a paid plan (store)."""
    chosen, billed = _sellable(plan)
    with transaction.atomic():
        pending = PendingSignup.objects.create(
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            phone=user.phone,
            password_hash="",
            business_data={"name": business.name, "type": business.type},
            store_data=store_data,
            plan=chosen.code,
            language=user.language or settings.LANGUAGE_CODE,
            user=user,
            business=business,
            store=store,
        )
        if not billed:
            store_obj = _provision(pending, status=Status.TRIALING, trial=True)
            return CheckoutStarted(
                f"{settings.PUBLIC_BASE_URL}/billing/?store={store_obj.pk}",
                "trial",
                pending.pk,
                store_id=store_obj.pk,
            )
    customer = (
        Subscription.objects.filter(business=business)
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    params: dict[str, Any] = {"customer": customer} if customer else {"customer_email": user.email}
    session = _open_checkout(pending, params=params, idempotency_key=f"kalliky-checkout-{pending.pk}")
    return CheckoutStarted(session.url, "stripe", pending.pk, store_id=store.pk if store else None)


def first_store_start(
    *, user: User, plan: str, store_data: dict[str, Any], business_name: str = "", business_type: str = ""
) -> CheckoutStarted:
    """A signed-in person without a store (an account opened through the API, a former staff
    member) opens their first one: in the business they manage, else in a new one they own."""
    business = Business.objects.filter(pk__in=managed_business_ids(user)).order_by("pk").first()
    with transaction.atomic():
        # The new business goes too if the payment page cannot be opened.
        if business is None:
            if not business_name.strip():
                raise ValidationFailed(_("Name your business."), field="businessData.name")
            if business_type not in Business.Type.values:
                business_type = Business.Type.OTHER
            business = Business.objects.create(name=business_name.strip(), type=business_type, owner=user)
            Membership.objects.create(user=user, business=business, role=Membership.Role.OWNER)
        return checkout_for_owner(user=user, business=business, plan=plan, store_data=store_data)


def owner_checkout_state(pending_id: int, user: User) -> tuple[str, int | None]:
    """For the success page after a signed-in owner's checkout: ("ready", store id) once the
    webhook has created the store, ("pending", None) before, ("unknown", None) if not theirs."""
    pending = PendingSignup.objects.filter(pk=pending_id, user=user).first()
    if pending is None:
        return "unknown", None
    if pending.status == PendingSignup.Status.COMPLETED:
        return "ready", pending.store_id
    return "pending", None


def _open_checkout(
    pending: PendingSignup, *, params: dict[str, Any], idempotency_key: str
) -> gateway.CheckoutSession:
    plan = get_plan(pending.plan)
    metadata = {"kalliky_pending_signup": str(pending.pk)}
    if pending.business_id:
        metadata["kalliky_business"] = str(pending.business_id)
    if pending.store_id:
        metadata["kalliky_store"] = str(pending.store_id)
    body = {
        "mode": "subscription",
        "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
        "client_reference_id": f"signup-{pending.pk}",
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "success_url": success_url(stripe=True),
        "cancel_url": f"{settings.PUBLIC_BASE_URL}/billing/signup/cancelled/",
        "locale": supported_language(pending.language, "auto"),
        **params,
    }
    try:
        session = gateway.checkout_session_create(body, idempotency_key=idempotency_key)
    except gateway.GatewayError as exc:
        # Nothing was bought: forget the attempt so the person can simply try again.
        pending.delete()
        log.warning("checkout session refused for signup %s: %s", pending.pk, exc)
        raise BillingUnavailable(
            _("The payment page could not be opened (%(error)s). Nothing was charged; try again in a minute.")
            % {"error": exc.problem}
        ) from None
    pending.checkout_session_id = session.id
    pending.save(update_fields=["checkout_session_id", "updated_at"])
    return session


# --- the webhook side -------------------------------------------------------------------------
def on_checkout_completed(session: dict[str, Any]) -> Ignored | None:
    """checkout.session.completed for a subscription checkout we opened (runs in the inbox's
    transaction; a second delivery finds the signup completed and changes nothing)."""
    ref = (session.get("metadata") or {}).get("kalliky_pending_signup") or ""
    if not ref:
        ref = (session.get("client_reference_id") or "").removeprefix("signup-")
    if not str(ref).isdigit():
        return Ignored("no pending signup in the checkout's metadata")
    pending = PendingSignup.objects.select_for_update().filter(pk=int(ref)).first()
    if pending is None:
        return Ignored(f"pending signup {ref} does not exist")
    if pending.status == PendingSignup.Status.COMPLETED:
        return Ignored("this checkout was already applied")
    if session.get("status") != "complete":
        return Ignored(f"checkout status is {session.get('status')!r}, not complete")
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    status, period_end = (Status.ACTIVE if paid else Status.INCOMPLETE), None
    subscription = str(session.get("subscription") or "") or None
    if subscription:
        # The session does not carry the subscription's state: ask Stripe (a failure retries).
        state = gateway.subscription_fetch(subscription)
        status = state.status if state.status in Status.values else status
        period_end = state.current_period_end
    _provision(
        pending,
        status=status,
        customer=str(session.get("customer") or ""),
        subscription=subscription,
        checkout_session_id=str(session.get("id") or "") or None,
        period_end=period_end,
    )
    return None


def _provision(
    pending: PendingSignup,
    *,
    status: str,
    trial: bool = False,
    customer: str = "",
    subscription: str | None = None,
    checkout_session_id: str | None = None,
    period_end: datetime | None = None,
) -> Store:
    """Everything billing gives a paying (or trialing) store, in the caller's transaction; what
    the other apps give it (a number, the assistant's config, notification defaults, the
    welcome) follows `signup_completed`, after commit."""
    now = timezone.now()
    new_account = pending.user_id is None
    if new_account:
        if User.objects.filter(email__iexact=pending.email).exists():
            # Paid, but the email was taken meanwhile (a second signup won the race): staff
            # attach or refund it from the dead-letter list; nothing is half-created.
            raise Conflict(f"{pending.email} has an account already; signup {pending.pk} needs staff")
        user = User(
            email=pending.email,
            first_name=pending.first_name,
            last_name=pending.last_name,
            phone=pending.phone,
            language=pending.language,
            role=User.Role.OWNER,
        )
        user.password = pending.password_hash
        user.save()
        business = Business.objects.create(
            name=pending.business_data.get("name") or pending.email,
            type=pending.business_data.get("type") or Business.Type.OTHER,
            owner=user,
        )
        Membership.objects.create(user=user, business=business, role=Membership.Role.OWNER)
    else:
        user = pending.user
        business = pending.business or Business.objects.filter(owner=user).order_by("pk").first()
    store = pending.store
    if store is None:
        data = pending.store_data
        store = store_create(
            business=business,
            name=data.get("name") or business.name,
            address=data.get("address", ""),
            phone=pending.phone,
            language=pending.language if pending.language in Store.Language.values else Store.Language.FR,
            has_products=bool(data.get("has_products", True)),
            has_reservations=bool(data.get("has_reservations", False)),
            has_consultations=bool(data.get("has_consultations", False)),
        )
    if trial:
        period_end = now + timedelta(days=settings.BILLING_TRIAL_DAYS)
    sub, _created = Subscription.objects.update_or_create(
        store=store,
        defaults={
            "business": business,
            "plan": pending.plan,
            "status": status,
            "stripe_customer_id": customer,
            "stripe_subscription_id": subscription,
            "current_period_end": period_end,
            # Any subscription event, even one sent before this checkout, may apply from now on.
            "stripe_state_at": None,
        },
    )
    # The success page lands the owner in the setup wizard; the row makes the dashboard nudge too.
    OnboardingProgress.objects.get_or_create(store=store)
    pending.status = PendingSignup.Status.COMPLETED
    pending.completed_at = now
    pending.user = user
    pending.business = business
    pending.store = store
    if checkout_session_id:
        pending.checkout_session_id = checkout_session_id
    if new_account:
        pending.login_token_expires_at = now + timedelta(minutes=settings.SIGNUP_LOGIN_TOKEN_MINUTES)
    pending.save()
    events.publish_signup_completed(
        store_id=store.pk,
        pending_id=pending.pk,
        new_account=new_account,
        trial=trial,
        phone=pending.phone,
        language=pending.language or settings.LANGUAGE_CODE,
        plan=pending.plan,
    )
    return store


# --- plan changes ------------------------------------------------------------------------------
def change_plan(sub: Subscription, plan: str) -> Subscription:
    """Move a Stripe-billed subscription to another plan at once (prorated by Stripe). The
    owner's billing page and the API both come here."""
    chosen = get_plan(plan)
    if not chosen.stripe_price_id:
        raise ValidationFailed(
            _("The %(plan)s plan is sold on quote: contact us.") % {"plan": chosen.code.title()}, field="plan"
        )
    try:
        gateway.subscription_change_price(sub.stripe_subscription_id, chosen.stripe_price_id)
    except gateway.GatewayError as exc:
        raise BillingUnavailable(
            _("Stripe did not accept the change (%(error)s); nothing changed.") % {"error": exc.problem}
        ) from None
    sub.plan = chosen.code
    sub.save(update_fields=["plan", "updated_at"])
    return sub


# --- the one-time login ------------------------------------------------------------------------
def consume_login_token(token: str, *, now: datetime | None = None) -> User:
    now = now or datetime.now(tz=UTC)
    if not token:
        raise AppError(_("This sign-in link is not valid."), code="invalid_token", status=401)
    with transaction.atomic():
        pending = (
            PendingSignup.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(login_token_hash=token_hash(token))
            .first()
        )
        if pending is None:
            raise AppError(_("This sign-in link is not valid."), code="invalid_token", status=401)
        if pending.status != PendingSignup.Status.COMPLETED or pending.user is None:
            raise AppError(
                _("Your payment is still being confirmed: try again in a few seconds."),
                code="signup_pending",
                status=409,
            )
        if pending.login_token_used_at is not None:
            raise AppError(
                _("This sign-in link was already used: log in with your email and password."),
                code="token_used",
                status=410,
            )
        if pending.login_token_expires_at is None or pending.login_token_expires_at < now:
            raise AppError(
                _("This sign-in link has expired: log in with your email and password."),
                code="token_expired",
                status=410,
            )
        pending.login_token_used_at = now
        pending.save(update_fields=["login_token_used_at", "updated_at"])
        return pending.user


def signup_state(token: str) -> str:
    """For the success page: "ready", "pending", "used" or "unknown"."""
    pending = PendingSignup.objects.filter(login_token_hash=token_hash(token)).first() if token else None
    if pending is None:
        return "unknown"
    if pending.login_token_used_at is not None:
        return "used"
    return "ready" if pending.status == PendingSignup.Status.COMPLETED else "pending"
