"""Account write paths: registration and authentication."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import ratelimit
from accounts.models import Business, Membership, User
from kalliky.errors import AppError, RateLimited, ValidationFailed
from kalliky.phones import to_e164


def phone_normalize(raw: str) -> str:
    """A phone number as people type it (French by default) in E.164; "" stays "".

    Raises ValueError with a message in the visitor's language."""
    if not raw.strip():
        return ""
    try:
        return to_e164(raw)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a phone number; write it like +33 6 12 34 56 78.") % {"value": raw}
        ) from None


def user_register(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    business_name: str,
    business_type: str = Business.Type.OTHER,
    language: str = "fr",
) -> User:
    """Create the owner, their business and the owner membership, all or nothing."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise _email_taken()
    candidate = User(email=email, first_name=first_name, last_name=last_name, phone=phone)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None
    try:
        with transaction.atomic():
            user = _create_owner(
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                language=language,
                business_name=business_name,
                business_type=business_type,
            )
    except IntegrityError:
        # Two sign-ups with the same email at once: the unique index decides, same answer.
        raise _email_taken() from None
    return user


def _email_taken() -> ValidationFailed:
    return ValidationFailed(_("An account with this email already exists."), field="email")


def _create_owner(*, business_name: str, business_type: str, **fields: str) -> User:
    user = User.objects.create_user(**fields, role=User.Role.OWNER)
    business = Business.objects.create(name=business_name, type=business_type, owner=user)
    Membership.objects.create(user=user, business=business, role=Membership.Role.OWNER)
    return user


def user_authenticate(*, request: HttpRequest, email: str, password: str) -> User:
    """Check credentials under brute-force protection; raises RateLimited or AppError(401)."""
    email = email.strip().lower()
    lock = ratelimit.lock_for(request, email)
    if lock:
        message = ngettext(
            "Too many failed attempts. Try again in %(minutes)d minute.",
            "Too many failed attempts. Try again in %(minutes)d minutes.",
            lock.minutes,
        ) % {"minutes": lock.minutes}
        raise RateLimited(message, retry_after=lock.retry_after)
    user = authenticate(request, username=email, password=password)
    if user is None:
        ratelimit.record_failure(request, email)
        raise AppError(_("Email or password is incorrect."), code="invalid_credentials", status=401)
    ratelimit.clear_account(email)
    return user
