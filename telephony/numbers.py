"""Phone numbers: buy, suspend, reactivate, release. The only code that changes a number's status.

Every change writes a PhoneNumberEvent (who, from, to, why). Our status is the truth the call
loop reads (it refuses calls on a number that is not ACTIVE); the Telnyx side follows it: a
suspended number is unassigned from our Call Control application, a released one is deleted.

A purchase is a resumable job (`purchase_advance`, run by a Celery task): every step saves its
result on the row before the next one, so a retry resumes where the last attempt stopped and
never orders a second number when the first order went through. See
docs/decisions/0009-number-lifecycle.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import businesses_for, managed_business_ids
from billing import gateway
from billing.events import Standing
from billing.models import Subscription
from kalliky.errors import AppError, Conflict, PermissionDenied, ValidationFailed
from stores.access import stores_for
from stores.models import Store
from telephony.models import PhoneNumber, PhoneNumberEvent
from telephony.providers import (
    NumberOrder,
    TelnyxCommandError,
    TelnyxNotConfigured,
    TelnyxProvider,
    get_provider,
)

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)
T = TypeVar("T")
Status = PhoneNumber.Status

# `number` is unique and required, but a number is only known once Telnyx offers one: until
# then the row holds a placeholder that can never match a caller's E.164 `to`.
PLACEHOLDER_PREFIX = "pending-"
DEFAULT_FEATURES = ("voice", "sms")
APPLICATION_CACHE_SECONDS = 24 * 3600
PURCHASE_LOCK_SECONDS = 120


class Outcome(StrEnum):
    DONE = "done"  # ACTIVE now, or nothing left for this worker to do
    WAIT = "wait"  # Telnyx is still processing the order: look again later
    FAILED = "failed"  # ERROR, with the reason in `error`


class SuspendedBy(StrEnum):
    OWNER = "owner"
    BILLING = "billing"


class TelnyxUnavailable(AppError):
    """Telnyx refused or did not answer; nothing changed on our side."""

    status_code = 502
    code = "telnyx_unavailable"


class PurchaseFailed(Exception):
    """A purchase step failed; `reason` tells the owner what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- reads ----------------------------------------------------------------------------------
def numbers_for(user: User) -> QuerySet[PhoneNumber]:
    return PhoneNumber.objects.filter(business_id__in=businesses_for(user).values("pk"))


def access_number(user: User, number_id: int, *, manage: bool = False) -> PhoneNumber:
    """The number if the user is a member of its business (404 otherwise); `manage` asks for
    the owner or manager role."""
    number = numbers_for(user).select_related("store", "business").filter(pk=number_id).first()
    if number is None:
        raise Http404("Phone number not found.")
    if manage and number.business_id not in managed_business_ids(user):
        raise PermissionDenied(_("Only an owner or a manager of this business can change its numbers."))
    return number


def has_number(number: PhoneNumber) -> bool:
    return not number.number.startswith(PLACEHOLDER_PREFIX)


def price_for(country: str) -> Decimal:
    return Decimal(settings.NUMBER_PRICES.get(country.upper(), settings.NUMBER_PRICE_DEFAULT))


# --- purchase -------------------------------------------------------------------------------
def number_purchase(
    store: Store,
    country_code: str,
    *,
    actor: User | None = None,
    features: tuple[str, ...] = DEFAULT_FEATURES,
    locality: str = "",
) -> PhoneNumber:
    """Create the number PENDING at once (the owner sees progress) and queue the purchase."""
    _require_good_standing(store)
    country = country_code.strip().upper()
    wanted = list(dict.fromkeys(("voice", *features)))  # a receptionist needs voice; keep order
    with transaction.atomic():
        number = PhoneNumber.objects.create(
            business_id=store.business_id,
            store=store,
            number=_placeholder(),
            country=country,
            status=Status.PENDING,
            monthly_price=price_for(country),
            telnyx_config={"search": {"features": wanted, "locality": locality}},
        )
        _record(number, "purchase_requested", "", actor, f"{country} {'+'.join(wanted)} {locality}".strip())
        # The worker must find the row: queue only once it is committed.
        transaction.on_commit(lambda: _queue_purchase(number.pk))
    number.refresh_from_db()  # in eager mode the purchase already ran
    return number


def retry_purchase(number: PhoneNumber, *, actor: User | None = None) -> PhoneNumber:
    """Run an ERROR purchase again, from the step that failed (an order that went through is
    checked, not placed again)."""
    if number.store is not None:
        _require_good_standing(number.store)
    with transaction.atomic():
        number = _locked(number)
        if number.status == Status.PENDING:
            if number.updated_at > timezone.now() - _stale_after():
                return number  # already running
            detail = "requeued a stalled purchase"  # the worker died or the queue lost the task
        elif number.status == Status.ERROR:
            detail = number.error
        else:
            raise Conflict(_refusal(number, "retry"))
        before = number.status
        number.status = Status.PENDING
        number.error = ""
        number.save(update_fields=["status", "error", "updated_at"])
        _record(number, "purchase_retried", before, actor, detail)
        transaction.on_commit(lambda: _queue_purchase(number.pk))
    number.refresh_from_db()
    return number


def purchase_advance(*, number_id: int, polls: int = 0) -> Outcome:
    """Take a PENDING purchase as far as it goes now. `polls` counts the order checks so far."""
    lock = f"telephony:number:{number_id}:purchase"
    if not cache.add(lock, "1", timeout=PURCHASE_LOCK_SECONDS):
        return Outcome.DONE  # another worker is advancing it and schedules its own next look
    try:
        number = PhoneNumber.objects.select_related("store").filter(pk=number_id).first()
        if number is None or number.status != Status.PENDING:
            return Outcome.DONE
        # The error is stored and read later by the owner: write it in the store's language.
        with translation.override(number.store.language):
            return _advance_or_fail(number, polls=polls)
    finally:
        cache.delete(lock)


def _advance_or_fail(number: PhoneNumber, *, polls: int) -> Outcome:
    try:
        return _advance(number, polls=polls)
    except PurchaseFailed as exc:
        _fail(number, exc.reason)
    except Exception as exc:  # recorded on the row: a PENDING left forever helps nobody
        log.exception("number purchase %s crashed", number.pk)
        _fail(
            number,
            _("Unexpected error while buying the number (%(error)s). Retry, or contact support.")
            % {"error": exc},
        )
    return Outcome.FAILED


def _advance(number: PhoneNumber, *, polls: int) -> Outcome:
    provider = _telnyx(get_provider)
    connection_id = _connection_id(number, provider)
    order: NumberOrder | None = None
    if not number.telnyx_order_id:
        order = _place_order(number, provider, connection_id)
    elif not number.telnyx_id:
        order = _telnyx(lambda: provider.get_order(number.telnyx_order_id), _("check the order"))
    if order is not None:
        status = order.status
        if status == "failure":
            _order_refused(number, order)
        if status != "success":
            if polls >= settings.NUMBER_ORDER_MAX_POLLS:
                raise PurchaseFailed(
                    _(
                        "Telnyx has not completed order %(order)s after %(polls)s checks. Retry later: "
                        "the same order is checked again, no second number is bought."
                    )
                    % {"order": number.telnyx_order_id, "polls": polls}
                )
            return Outcome.WAIT
        _take_ordered_number(number, provider, order)
    _assign_and_verify(number, provider, connection_id)
    _activate(number)
    return Outcome.DONE


def _connection_id(number: PhoneNumber, provider: TelnyxProvider) -> str:
    connection_id = str(number.telnyx_config.get("connection_id") or "")
    if not connection_id:
        connection_id = application_id(provider)
        number.telnyx_config["connection_id"] = connection_id
        number.save(update_fields=["telnyx_config", "updated_at"])
    return connection_id


def application_id(provider: TelnyxProvider | None = None) -> str:
    """The id of our Call Control application (Telnyx's connection_id), found by name or
    created once, then remembered. Two first purchases at once may both create one: both work,
    and the one found first by name is used from then on."""
    name = settings.TELNYX_APPLICATION_NAME
    key = f"telephony:application:{name}"
    cached = cache.get(key)
    if cached:
        return str(cached)
    provider = provider or _telnyx(get_provider)
    found = _telnyx(lambda: provider.find_application(name), _("look up our Call Control application"))
    if found is None:
        found = _telnyx(
            lambda: provider.create_application(
                name=name,
                webhook_url=settings.TELNYX_WEBHOOK_URL,
                failover_url=settings.TELNYX_WEBHOOK_FAILOVER_URL,
            ),
            _("create our Call Control application"),
        )
    app_id = found.id
    if not app_id:
        raise PurchaseFailed(_("Telnyx returned our Call Control application without an id. Retry later."))
    cache.set(key, app_id, APPLICATION_CACHE_SECONDS)
    return app_id


def _place_order(number: PhoneNumber, provider: TelnyxProvider, connection_id: str) -> NumberOrder:
    search = number.telnyx_config.get("search") or {}
    features = tuple(search.get("features") or DEFAULT_FEATURES)
    locality = str(search.get("locality") or "")
    offers = _telnyx(
        lambda: provider.search_numbers(number.country, features=features, locality=locality),
        _("search for available numbers"),
    )
    candidates = [o.phone_number for o in offers if o.phone_number and _offers_voice(o.features)]
    # A number we held before (released or failed) keeps its row: skip it, the name is unique.
    held = set(PhoneNumber.objects.filter(number__in=candidates).values_list("number", flat=True))
    for candidate in candidates:
        if candidate in held:
            continue
        try:
            with transaction.atomic():
                # Claim it before ordering, so two purchases never order the same number.
                number.number = candidate
                number.save(update_fields=["number", "updated_at"])
            break
        except IntegrityError:
            continue
    else:
        where = f"{locality}, {number.country}" if locality else number.country
        raise PurchaseFailed(
            _(
                "Telnyx has no number with %(features)s available in %(where)s right now. "
                "Try another country or town, or retry later."
            )
            % {"features": " + ".join(features), "where": where}
        )
    order = _telnyx(
        lambda: provider.order_number(number.number, connection_id=connection_id),
        _("order %(number)s") % {"number": number.number},
    )
    order_id = order.id
    if not order_id:
        raise PurchaseFailed(
            _("Telnyx accepted the order without an id. Check the Telnyx portal before retrying.")
        )
    number.telnyx_order_id = order_id
    number.save(update_fields=["telnyx_order_id", "updated_at"])
    _record(number, "order_placed", Status.PENDING, None, f"{number.number} order {order_id}")
    return order


def _offers_voice(features: tuple[str, ...]) -> bool:
    return not features or "voice" in features  # no feature list: trust the search filter


def _order_refused(number: PhoneNumber, order: NumberOrder) -> None:
    """The order failed, so the number was never ours: forget it and let a retry order anew."""
    order_id, ordered = number.telnyx_order_id, number.number
    failed = number.telnyx_config.setdefault("failed_orders", [])
    failed.append(order_id)
    number.telnyx_order_id = ""
    number.save(update_fields=["telnyx_order_id", "telnyx_config", "updated_at"])
    raise PurchaseFailed(
        _(
            "Telnyx refused order %(order)s for %(number)s. Retry to order another number; if it fails "
            "again, check the Telnyx account (balance, documents required in %(country)s)."
        )
        % {"order": order_id, "number": ordered, "country": number.country}
    )


def _take_ordered_number(number: PhoneNumber, provider: TelnyxProvider, order: NumberOrder) -> None:
    ordered = order.phone_numbers
    if ordered and number.number not in ordered:
        raise PurchaseFailed(
            _("Telnyx order %(order)s holds %(ordered)s, not %(number)s. Check the Telnyx portal; retry.")
            % {
                "order": number.telnyx_order_id,
                "ordered": ", ".join(map(str, ordered)),
                "number": number.number,
            }
        )
    # The order's lines have ids of their own; the number's id comes from the account.
    found = _telnyx(lambda: provider.find_number(number.number), _("find the bought number"))
    if found is None or not found.id:
        raise PurchaseFailed(
            _(
                "Telnyx completed order %(order)s but %(number)s is not in the account yet. "
                "Retry in a few minutes: the same order is used."
            )
            % {"order": number.telnyx_order_id, "number": number.number}
        )
    number.telnyx_id = found.id
    number.save(update_fields=["telnyx_id", "updated_at"])


def _assign_and_verify(number: PhoneNumber, provider: TelnyxProvider, connection_id: str) -> None:
    _telnyx(
        lambda: provider.assign_number(number.telnyx_id, connection_id=connection_id),
        _("connect %(number)s to our application") % {"number": number.number},
    )
    # Read it back: an order or a PATCH can succeed and still leave the number elsewhere.
    got = _telnyx(
        lambda: provider.get_number(number.telnyx_id), _("read %(number)s back") % {"number": number.number}
    )
    actual = got.connection_id or ""
    shown = got.phone_number or number.number
    if actual != connection_id or shown != number.number:
        raise PurchaseFailed(
            _(
                "Telnyx shows %(shown)s on connection “%(actual)s”, not on our application %(ours)s: "
                "calls would not reach us. Retry to connect it again."
            )
            % {"shown": shown, "actual": actual or "-", "ours": connection_id}
        )


def _activate(number: PhoneNumber) -> None:
    number.status = Status.ACTIVE
    number.activated_at = timezone.now()
    number.monthly_price = price_for(number.country)
    number.error = ""
    number.save(update_fields=["status", "activated_at", "monthly_price", "error", "updated_at"])
    _record(number, "activated", Status.PENDING, None, number.number)


def _fail(number: PhoneNumber, reason: str) -> None:
    number.refresh_from_db()
    if not number.telnyx_order_id and not number.telnyx_id:
        number.number = _placeholder()  # nothing was bought: do not hold the offered number
    number.status = Status.ERROR
    number.error = reason
    number.save(update_fields=["number", "status", "error", "updated_at"])
    _record(number, "purchase_failed", Status.PENDING, None, reason)


def _queue_purchase(number_id: int) -> None:
    # telephony.tasks (a Celery task module) imports this one: number_purchase_advance runs purchase_advance
    from telephony import tasks

    tasks.number_purchase_advance.delay(number_id)


def _stale_after() -> timedelta:
    window = settings.NUMBER_ORDER_POLL_SECONDS * (settings.NUMBER_ORDER_MAX_POLLS + 1)
    return timedelta(seconds=window + PURCHASE_LOCK_SECONDS + 300)


# --- suspend, reactivate, release ----------------------------------------------------------
def suspend(
    number: PhoneNumber, *, actor: User | None = None, reason: str = "", by: SuspendedBy = SuspendedBy.OWNER
) -> PhoneNumber:
    """Our side first: once SUSPENDED the call loop refuses calls even if Telnyx still routes
    them to us, so a Telnyx failure here is recorded, not fatal."""
    with transaction.atomic():
        number = _locked(number)
        if number.status == Status.SUSPENDED:
            return number
        if number.status != Status.ACTIVE:
            raise Conflict(_refusal(number, "suspend"))
        detail = reason
        try:
            if number.telnyx_id:
                _unassign(number.telnyx_id)
        except PurchaseFailed as exc:
            detail = _("%(reason)s Telnyx still routes calls to us; they are refused. %(error)s") % {
                "reason": reason,
                "error": exc.reason,
            }
        number.status = Status.SUSPENDED
        number.suspended_at = timezone.now()
        number.telnyx_config["suspended_by"] = str(by)
        number.save(update_fields=["status", "suspended_at", "telnyx_config", "updated_at"])
        _record(number, "suspended", Status.ACTIVE, actor, detail)
    return number


def reactivate(number: PhoneNumber, *, actor: User | None = None) -> PhoneNumber:
    if number.store is not None:
        _require_good_standing(number.store)
    return _reactivate(number, actor=actor)


def _reactivate(number: PhoneNumber, *, actor: User | None) -> PhoneNumber:
    with transaction.atomic():
        number = _locked(number)
        if number.status == Status.ACTIVE:
            return number
        if number.status != Status.SUSPENDED:
            raise Conflict(_refusal(number, "reactivate"))
        # A number Telnyx never gave us an id for (the demo's) was not unassigned by suspend().
        if number.telnyx_id:
            try:
                provider = _telnyx(get_provider)
                connection_id = str(number.telnyx_config.get("connection_id") or "") or application_id(
                    provider
                )
                got = _telnyx(
                    lambda: provider.assign_number(number.telnyx_id, connection_id=connection_id),
                    _("reconnect %(number)s") % {"number": number.number},
                )
            except PurchaseFailed as exc:
                raise TelnyxUnavailable(exc.reason) from None
            if got.connection_id not in (None, connection_id):
                raise TelnyxUnavailable(
                    _("Telnyx did not reconnect %(number)s. Try again.") % {"number": number.number}
                )
            number.telnyx_config["connection_id"] = connection_id
        number.status = Status.ACTIVE
        number.suspended_at = None
        number.error = ""
        number.telnyx_config.pop("suspended_by", None)
        number.save(update_fields=["status", "suspended_at", "error", "telnyx_config", "updated_at"])
        _record(number, "reactivated", Status.SUSPENDED, actor, "")
    return number


def release(number: PhoneNumber, *, actor: User | None = None) -> PhoneNumber:
    """Give the number back to Telnyx (it stops being billed) and mark it CANCELLED."""
    with transaction.atomic():
        number = _locked(number)
        if number.status == Status.CANCELLED:
            return number
        if number.status == Status.PENDING:
            raise Conflict(_refusal(number, "release"))
        before = number.status
        try:
            telnyx_id = number.telnyx_id or _ordered_number_id(number)
            if telnyx_id:
                _telnyx(lambda: get_provider().release_number(telnyx_id), _("release the number"))
        except PurchaseFailed as exc:
            raise TelnyxUnavailable(exc.reason) from None
        number.status = Status.CANCELLED
        number.cancelled_at = timezone.now()
        number.save(update_fields=["status", "cancelled_at", "updated_at"])
        _record(number, "released", before, actor, number.number if has_number(number) else "")
    return number


def _ordered_number_id(number: PhoneNumber) -> str:
    """A purchase in error may still hold an order that went through: release that number too,
    or it stays billed with nobody knowing."""
    if not number.telnyx_order_id:
        return ""
    order = _telnyx(lambda: get_provider().get_order(number.telnyx_order_id), _("check the order"))
    if order.status == "pending":
        raise Conflict(
            _("Telnyx is still processing order %(order)s: release again in a few minutes.")
            % {"order": number.telnyx_order_id}
        )
    if order.status != "success":
        return ""
    found = _telnyx(lambda: get_provider().find_number(number.number), _("find the bought number"))
    return found.id if found else ""


def _unassign(telnyx_id: str) -> None:
    # Telnyx has no "suspended" state; a number on no connection rings nowhere. The SDK types
    # connection_id as a string, so "" (not null) unassigns.
    provider = _telnyx(get_provider)
    _telnyx(lambda: provider.assign_number(telnyx_id, connection_id=""), _("disconnect the number"))


# --- billing's events (connected in TelephonyConfig.ready) ----------------------------------
def on_subscription_state_changed(
    *, store_id: int, old_standing: Standing, new_standing: Standing, **kwargs: Any
) -> None:
    """Unpaid → suspend the store's numbers (after BILLING_SUSPEND_GRACE_SECONDS), cancelled →
    suspend now (released later by `release_cancelled_numbers`), good again → reactivate."""
    if new_standing == Standing.GOOD:
        _for_store(store_id, reactivate_for_store, "reactivated")
    elif new_standing == Standing.CANCELLED:
        _for_store(store_id, suspend_for_store, "suspended for billing")
    elif old_standing == Standing.GOOD:
        grace = settings.BILLING_SUSPEND_GRACE_SECONDS
        if grace > 0:
            from telephony import tasks  # the tasks module imports this one

            tasks.suspend_if_still_unpaid.apply_async((store_id,), countdown=grace)
        else:
            _for_store(store_id, suspend_for_store, "suspended for billing")


def on_signup_completed(*, store_id: int, phone: str, **kwargs: Any) -> None:
    """A new paying (or trial) store gets its first number, in the owner's country. A failure
    shows as ERROR on the numbers page, with a retry button; it does not stop the signup.
    Nothing waits for the number: the signup has answered already and the welcome email says
    the number appears on the dashboard in a minute."""
    store = Store.objects.select_related("business").get(pk=store_id)
    number_purchase(store, _number_country(phone))


def _number_country(phone: str) -> str:
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        region = None
    return region or settings.SIGNUP_NUMBER_COUNTRY


def _for_store(store_id: int, change: Callable[[Store], list[PhoneNumber]], what: str) -> None:
    store = Store.objects.filter(pk=store_id).first()
    if store is not None:
        changed = change(store)
        log.info("store %s: %s number(s) %s", store_id, len(changed), what)


def suspend_if_still_unpaid(store_id: int) -> bool:
    """The grace period is over: suspend unless the subscription was paid meanwhile."""
    sub = Subscription.objects.filter(store_id=store_id).first()
    if sub is None or sub.in_good_standing:
        return False
    _for_store(store_id, suspend_for_store, "suspended for billing")
    return True


def release_cancelled_numbers(now: datetime | None = None) -> int:
    """Numbers of subscriptions cancelled more than BILLING_RELEASE_GRACE_DAYS ago go back to
    Telnyx (run hourly by beat). Returns how many were released."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.BILLING_RELEASE_GRACE_DAYS)
    stores = Subscription.objects.filter(
        status=Subscription.Status.CANCELED, stripe_state_at__lte=cutoff
    ).values("store_id")
    released = 0
    numbers = PhoneNumber.objects.filter(store_id__in=stores, status__in=(Status.ACTIVE, Status.SUSPENDED))
    for number in numbers:
        release(number)
        released += 1
    return released


def suspend_for_store(store: Store) -> list[PhoneNumber]:
    """The store's subscription stopped being in good standing: suspend its active numbers."""
    done = []
    with translation.override(store.language):  # billing jobs have no request language
        reason = _("The subscription is not in good standing.")
        for number in PhoneNumber.objects.filter(store=store, status=Status.ACTIVE):
            try:
                done.append(suspend(number, reason=reason, by=SuspendedBy.BILLING))
            except Conflict:
                continue  # changed meanwhile (released): nothing to suspend
    return done


def reactivate_for_store(store: Store) -> list[PhoneNumber]:
    """Good standing is back: reactivate what billing suspended (not what the owner did).
    A Telnyx failure leaves that number SUSPENDED with the reason shown to the owner, who can
    press Reactivate; the others go on."""
    done = []
    with translation.override(store.language):
        for number in PhoneNumber.objects.filter(store=store, status=Status.SUSPENDED):
            if number.telnyx_config.get("suspended_by") != SuspendedBy.BILLING:
                continue
            try:
                done.append(_reactivate(number, actor=None))
            except (TelnyxUnavailable, Conflict) as exc:
                number.error = exc.detail
                number.save(update_fields=["error", "updated_at"])
                _record(number, "reactivate_failed", number.status, None, exc.detail)
    return done


# --- settings of a number -------------------------------------------------------------------
def number_update(
    number: PhoneNumber, *, actor: User, forward_to: str | None = None, store_id: int | None = None
) -> PhoneNumber:
    """Change where calls are forwarded and which store answers; None leaves a field as is."""
    if number.status == Status.CANCELLED:
        raise Conflict(_refusal(number, "update"))
    changes = []
    if store_id is not None and store_id != number.store_id:
        store = stores_for(actor).filter(pk=store_id, business_id=number.business_id).first()
        if store is None:
            raise ValidationFailed(_("Choose one of this business's stores."), field="store_id")
        number.store = store
        changes.append(f"store → {store.name}")
    if forward_to is not None and forward_to != number.forward_to:
        number.forward_to = forward_to
        changes.append(f"forward_to → {forward_to or '-'}")
    if changes:
        number.save(update_fields=["store", "forward_to", "updated_at"])
        _record(number, "updated", number.status, actor, "; ".join(changes))
    return number


# --- helpers --------------------------------------------------------------------------------
def _placeholder() -> str:
    return f"{PLACEHOLDER_PREFIX}{uuid.uuid4().hex[:12]}"


def _locked(number: PhoneNumber) -> PhoneNumber:
    """The row again, locked: two clicks on Suspend make one Telnyx call, not two."""
    return PhoneNumber.objects.select_for_update(of=("self",)).select_related("store").get(pk=number.pk)


def _record(number: PhoneNumber, action: str, from_status: str, actor: User | None, detail: str) -> None:
    PhoneNumberEvent.objects.create(
        phone_number=number,
        action=action,
        from_status=from_status,
        to_status=number.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail=detail,
    )


def _telnyx(call: Callable[[], T], what: str = "") -> T:
    """Run one Telnyx call (the SDK has already retried); turn its failure into a reason a
    person can act on."""
    try:
        return call()
    except TelnyxNotConfigured:
        raise PurchaseFailed(
            _("Telnyx is not configured on this server (TELNYX_API_KEY is empty). Ask the administrator.")
        ) from None
    except TelnyxCommandError as exc:
        if exc.status in (401, 403):
            advice = _("Telnyx refused our API key: the administrator must check TELNYX_API_KEY.")
        elif exc.retryable:
            advice = _("Telnyx is not answering properly; retry in a few minutes.")
        else:
            advice = _("Check the Telnyx account, then retry.")
        raise PurchaseFailed(
            _("Could not %(what)s (%(error)s). %(advice)s") % {"what": what, "error": exc, "advice": advice}
        ) from None


def _require_good_standing(store: Store) -> None:
    subscription = Subscription.objects.filter(store=store).only("status").first()
    if subscription is None and gateway.configured():
        # With billing on, a number is sold only to a store with a plan.
        raise Conflict(
            _("This store has no plan yet: choose one in billing first."), code="subscription_missing"
        )
    if subscription is not None and not subscription.in_good_standing:
        raise Conflict(
            _("This store's subscription is not in good standing: settle it in billing first."),
            code="subscription_inactive",
        )


def _refusal(number: PhoneNumber, action: str) -> str:
    if number.status == Status.CANCELLED:
        return _("This number was released; buy a new one.")
    if number.status == Status.PENDING:
        return _("This number is still being bought; wait until it is active or in error.")
    return {
        "suspend": _("Only an active number can be suspended."),
        "reactivate": _("Only a suspended number can be reactivated; retry the purchase instead."),
        "retry": _("Only a purchase in error can be retried."),
        "release": _("This number cannot be released now."),
        "update": _("This number cannot be changed now."),
    }[action]
