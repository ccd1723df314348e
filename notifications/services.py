"""Write paths for the owner's side: defaults, configurations, templates, store settings, retry
and test sends. Each runs in one transaction and refuses bad input with the field at fault."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, User
from kalliky.errors import Conflict, ValidationFailed
from notifications import actions, outbox, selectors, templating, variables
from notifications.defaults import DEFAULT_CONFIGS
from notifications.models import (
    NotificationConfig,
    NotificationQueueItem,
    NotificationTemplate,
    StoreNotificationSettings,
    new_webhook_secret,
)
from stores.models import Store

Status = NotificationQueueItem.Status


# --- defaults ----------------------------------------------------------------------------------
def defaults_ensure(*, store: Store) -> int:
    """Give a store its settings and the default configurations it lacks; returns how many
    configurations were added. Safe to run again (and concurrently)."""
    with transaction.atomic():
        StoreNotificationSettings.objects.get_or_create(store=store)
        have = set(NotificationConfig.objects.filter(store=store).values_list("action_type", "channel"))
        owner = (
            User.objects.filter(owned_businesses=store.business_id).values_list("email", flat=True).first()
        )
        rows = []
        for default in DEFAULT_CONFIGS:
            if (default.action_type, default.channel) in have:
                continue
            recipients = [owner] if default.to == "owner" and owner else []
            rows.append(
                NotificationConfig(
                    business_id=store.business_id,
                    store=store,
                    action_type=default.action_type,
                    channel=default.channel,
                    recipients=recipients,
                    # An owner's notification without an address to go to waits to be set up.
                    is_active=default.is_active and (bool(recipients) or default.to != "owner"),
                    min_severity=default.min_severity,
                )
            )
        NotificationConfig.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- configurations ----------------------------------------------------------------------------
def _recipients(action: str, channel: str, recipients: list[str], active: bool) -> list[str]:
    try:
        return actions.clean_recipients(action, channel, recipients, active=active)
    except actions.RecipientError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from None


def config_create(
    *,
    store: Store,
    action_type: str,
    channel: str,
    recipients: list[str],
    is_active: bool = True,
    min_severity: str = "low",
) -> NotificationConfig:
    cleaned = _recipients(action_type, channel, recipients, is_active)
    existing = NotificationConfig.objects.filter(
        store=store, action_type=action_type, channel=channel
    ).first()
    if existing is not None:
        raise _config_conflict(existing)
    try:
        with transaction.atomic():
            return NotificationConfig.objects.create(
                business_id=store.business_id,
                store=store,
                action_type=action_type,
                channel=channel,
                recipients=cleaned,
                is_active=is_active,
                min_severity=min_severity,
            )
    except IntegrityError:  # created by someone else in the meantime
        raise _config_conflict(
            NotificationConfig.objects.get(store=store, action_type=action_type, channel=channel)
        ) from None


def _config_conflict(existing: NotificationConfig) -> Conflict:
    return Conflict(
        _("This store already has a %(action)s notification by %(channel)s (id %(id)s): change it with PUT.")
        % {"action": existing.action_type, "channel": existing.channel, "id": existing.pk},
        field="channel",
    )


def config_update(
    *, config: NotificationConfig, recipients: list[str], is_active: bool, min_severity: str
) -> NotificationConfig:
    config.recipients = _recipients(config.action_type, config.channel, recipients, is_active)
    config.is_active = is_active
    config.min_severity = min_severity
    config.save(update_fields=["recipients", "is_active", "min_severity", "updated_at"])
    return config


def config_delete(*, config: NotificationConfig) -> None:
    config.delete()


# --- templates -----------------------------------------------------------------------------------
def _checked(action_type: str, channel: str, language: str, subject: str, body: str) -> None:
    try:
        templating.check_template(action_type, channel, language, subject, body)
    except templating.TemplateProblem as exc:
        raise ValidationFailed(exc.message, field=exc.field) from None


def template_save(
    *,
    business: Business,
    action_type: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    template: NotificationTemplate | None = None,
) -> NotificationTemplate:
    """Create (template=None) or replace the business's own template; the variables it may use
    are checked here, so a saved template always renders whole."""
    _checked(action_type, channel, language, subject, body)
    clash = NotificationTemplate.objects.filter(
        business=business, action_type=action_type, channel=channel, language=language
    ).exclude(pk=template.pk if template else None)
    if clash.exists():
        raise Conflict(
            _(
                "You already have a %(action)s template by %(channel)s in %(language)s (id %(id)s): "
                "change it with PUT."
            )
            % {"action": action_type, "channel": channel, "language": language, "id": clash.first().pk},
            field="language",
        )
    template = template or NotificationTemplate(business=business)
    template.action_type = action_type
    template.channel = channel
    template.language = language
    template.subject = subject
    template.body = body
    template.variables = list(actions.variables_of(action_type))
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise Conflict(
            _("This template was just created by someone else: reload and change it."), field="language"
        ) from None
    return template


def template_delete(*, template: NotificationTemplate) -> None:
    template.delete()


def template_preview(
    *, action_type: str, channel: str, language: str, subject: str, body: str, store: Store | None
) -> templating.Message:
    """The template rendered with sample data (checked first, as a save would)."""
    _checked(action_type, channel, language, subject, body)
    values = variables.sample(action_type, store, language).for_action(action_type)
    return templating.render_message(channel, subject, body, values)


# --- store settings ------------------------------------------------------------------------------
def settings_update(*, store: Store, digest_hour: int) -> StoreNotificationSettings:
    found = selectors.store_settings(store)
    found.digest_hour = digest_hour
    found.save(update_fields=["digest_hour", "updated_at"])
    return found


def secret_rotate(*, store: Store) -> StoreNotificationSettings:
    """A new signing secret; webhooks sent from now on use it (receivers must be told)."""
    found = selectors.store_settings(store)
    found.webhook_secret = new_webhook_secret()
    found.save(update_fields=["webhook_secret", "updated_at"])
    return found


# --- queue ---------------------------------------------------------------------------------------
def queue_retry(*, item: NotificationQueueItem) -> NotificationQueueItem:
    """Send a failed, dead or waiting item again now, with fresh attempts."""
    if item.status == Status.SENT:
        raise Conflict(_("This notification was already sent: trigger a new one instead."), field="status")
    if item.status == Status.SENDING:
        raise Conflict(_("This notification is being sent right now."), field="status")
    outbox.replay([item])
    item.refresh_from_db()
    return item


def trigger(
    *,
    store: Store,
    action_type: str,
    config_id: int | None = None,
    to: str = "",
    data: dict[str, str] | None = None,
) -> list[NotificationQueueItem]:
    """Send an action now with sample values (overridden by `data`), to the store's active
    configurations for it, or to one configuration even if it is off (to try a webhook)."""
    spec = actions.spec_of(action_type)
    if spec is None:
        raise ValidationFailed(_("This action cannot be triggered."), field="action_type")
    unknown = sorted(set(data or {}) - set(spec.variables))
    if unknown:
        raise ValidationFailed(
            _("Unknown variable(s): %(unknown)s. This action offers: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(spec.variables)},
            field="data",
        )
    if config_id is not None:
        configs = list(NotificationConfig.objects.filter(pk=config_id, store=store, action_type=action_type))
        if not configs:
            raise ValidationFailed(
                _("Configuration %(id)s is not a %(action)s notification of this store.")
                % {"id": config_id, "action": action_type},
                field="config_id",
            )
    else:
        configs = selectors.active_configs(store, store.business_id, action_type)
    if not configs:
        raise ValidationFailed(
            _("This store has no active %(action)s notification: add one with POST /configs.")
            % {"action": action_type},
            field="action_type",
        )
    context = variables.sample(action_type, store, store.language)
    values = {**context.for_action(action_type), **(data or {})}
    payload: dict[str, Any] = {
        "language": store.language,
        "vars": values,
        "data": {"sample": True},
        "test": True,
    }
    entity = f"trigger:{uuid.uuid4().hex}"
    now = timezone.now()
    messages = []
    for config in configs:
        if spec.audience == "customer":
            if not to:
                raise ValidationFailed(_("Say who receives the test with `to`."), field="to")
            recipients = [_recipient(config.channel, to)]
        else:
            recipients = [_recipient(config.channel, to)] if to else config.recipients
        messages += [
            outbox.Outgoing(action_type, config.channel, r, entity, now, payload, config)
            for r in recipients
        ]
    with transaction.atomic():
        items = outbox.enqueue(business_id=store.business_id, store_id=store.pk, messages=messages)
        outbox.dispatch_on_commit(items, now=now)
    return items


def _recipient(channel: str, value: str) -> str:
    try:
        return actions.clean_recipient(channel, value)
    except actions.RecipientError as exc:
        raise ValidationFailed(exc.message, field="to") from None
