"""API schemas for phone numbers. Input schemas carry the field rules, so a bad request is
refused (422, naming the field) before any service runs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

import phonenumbers
from ninja import Schema
from pydantic import Field, field_validator

from kalliky.phones import to_e164
from telephony.models import PhoneNumber, PhoneNumberEvent
from telephony.numbers import has_number

EVENTS_SHOWN = 50
Feature = Literal["voice", "sms", "mms", "fax"]


def country_code(value: str) -> str:
    """An ISO 3166 alpha-2 code that has phone numbers (phonenumbers' regions), upper-cased."""
    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not a two-letter country code with phone numbers, like FR or GB.")
    return code


class NumberPurchaseIn(Schema):
    store_id: int
    country_code: str = Field(min_length=2, max_length=2)
    features: list[Feature] = Field(default_factory=lambda: ["voice", "sms"], max_length=4)
    locality: str = Field(default="", max_length=100)

    @field_validator("country_code")
    @classmethod
    def known_country(cls, value: str) -> str:
        return country_code(value)


class PhoneNumberUpdate(Schema):
    """Only the fields sent are changed; forward_to "" stops forwarding."""

    forward_to: str | None = Field(default=None, max_length=30)
    store_id: int | None = None

    @field_validator("forward_to")
    @classmethod
    def e164(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return value if value is None else ""
        return to_e164(value)


class PhoneNumberOut(Schema):
    id: int
    number: str | None  # null until Telnyx has offered one
    business_id: int
    store_id: int | None
    store_name: str | None
    country: str
    status: PhoneNumber.Status
    monthly_price: Decimal
    forward_to: str
    error: str
    activated_at: datetime | None
    suspended_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_number(obj: PhoneNumber) -> str | None:
        return obj.number if has_number(obj) else None

    @staticmethod
    def resolve_store_name(obj: PhoneNumber) -> str | None:
        return obj.store.name if obj.store_id else None


class PhoneNumberEventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_email: str | None
    detail: str
    created_at: datetime

    @staticmethod
    def resolve_actor_email(obj: PhoneNumberEvent) -> str | None:
        return obj.actor.email if obj.actor_id else None


class PhoneNumberDetailOut(PhoneNumberOut):
    events: list[PhoneNumberEventOut]  # the audit trail, newest first

    @staticmethod
    def resolve_events(obj: PhoneNumber) -> list[PhoneNumberEvent]:
        return list(obj.events.select_related("actor")[:EVENTS_SHOWN])
