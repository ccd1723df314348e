from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from accounts.models import Business, Membership
from accounts.services import phone_normalize


def email_normalize(value: str) -> str:
    """An email as people type it, lower-cased; ValueError (shown per field) when it is not one."""
    value = value.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(_("Enter a valid email address, like name@example.com.")) from None
    return value


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)
    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(default="", max_length=150)
    phone: str = ""
    business_name: str = Field(min_length=1, max_length=200)
    business_type: Business.Type = Business.Type.OTHER
    language: str | None = Field(default=None, pattern="^(fr|en)$")  # default: the request's

    @field_validator("phone")
    @classmethod
    def phone_e164(cls, value: str) -> str:
        return phone_normalize(value)

    @field_validator("email")
    @classmethod
    def valid_email(cls, value: str) -> str:
        return email_normalize(value)


class LoginIn(Schema):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class MembershipOut(Schema):
    business_id: int
    business_name: str
    business_type: str
    role: Membership.Role


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    language: str
    businesses: list[MembershipOut]


class AutoLoginIn(Schema):
    token: str = Field(min_length=1, max_length=200)


class CsrfOut(Schema):
    csrfToken: str  # noqa: N815 - the name front-ends expect
