"""API schemas for notifications. Shapes and bounds live here; the rules that need the action
or the channel (recipients, template variables) are checked by the services, with the field."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from notifications.models import ActionType, Channel, NotificationQueueItem, Severity

Language = Literal["fr", "en"]


class ConfigUpdate(Schema):
    recipients: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Email addresses, E.164 numbers or https URLs (by channel); "
        "empty for messages to the caller.",
    )
    is_active: bool = True
    min_severity: Severity = Field(
        default=Severity.LOW, description="Complaints only: the least severe complaint that is notified."
    )


class ConfigIn(ConfigUpdate):
    store_id: int
    action_type: ActionType
    channel: Channel


class ConfigOut(Schema):
    id: int
    store_id: int | None
    action_type: str
    channel: str
    recipients: list[str]
    is_active: bool
    min_severity: str
    created_at: datetime
    updated_at: datetime


class TemplateUpdate(Schema):
    action_type: ActionType
    channel: Channel
    language: Language = "fr"
    subject: str = Field(default="", max_length=300)
    body: str = Field(max_length=5000)


class TemplateIn(TemplateUpdate):
    business_id: int


class TemplateOut(Schema):
    id: int
    business_id: int
    action_type: str
    channel: str
    language: str
    subject: str
    body: str
    variables: list[str]
    updated_at: datetime


class PreviewIn(TemplateUpdate):
    store_id: int | None = Field(
        default=None, description="Use this store's name and currency in the sample."
    )


class PreviewOut(Schema):
    subject: str
    text: str
    html: str


class QueueItemOut(Schema):
    id: int
    store_id: int | None
    action_type: str
    channel: str
    recipient: str
    status: str
    scheduled_at: datetime
    next_attempt_at: datetime | None
    attempts: int
    last_error: str
    sent_at: datetime | None
    created_at: datetime


class QueueFilters(Schema):
    store_id: int | None = None
    status: NotificationQueueItem.Status | None = None
    action_type: ActionType | None = None


class TriggerIn(Schema):
    store_id: int
    action_type: ActionType
    config_id: int | None = Field(default=None, description="Only this configuration, even if it is off.")
    to: str = Field(default="", max_length=500, description="Send to this address or number instead.")
    data: dict[str, str] = Field(default_factory=dict, description="Values replacing the sample ones.")

    @field_validator("data")
    @classmethod
    def bounded(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50 or any(len(v) > 2000 for v in value.values()):
            raise ValueError(_("At most 50 values of at most 2000 characters each."))
        return value


class SettingsIn(Schema):
    digest_hour: int = Field(ge=0, le=23, description="Local hour (store time zone) of the daily digest.")


class SettingsOut(Schema):
    store_id: int
    digest_hour: int
    webhook_secret: str


class VariableOut(Schema):
    name: str
    description: str


class DefaultTextOut(Schema):
    channel: str
    language: str
    subject: str
    body: str


class ActionOut(Schema):
    action_type: str
    label: str
    audience: str
    channels: list[str]
    variables: list[VariableOut]
    defaults: list[DefaultTextOut]
