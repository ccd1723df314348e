"""Notifications API (`/api/app/notifications/...`): thin routes. Validate (schemas), reach the
store or row through the tenant helpers (another tenant's id is a 404), call a service."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from accounts.access import access_business
from notifications import actions, selectors, services
from notifications.defaults import TEMPLATES
from notifications.models import (
    ActionType,
    NotificationConfig,
    NotificationQueueItem,
    NotificationTemplate,
    StoreNotificationSettings,
)
from notifications.schemas import (
    ActionOut,
    ConfigIn,
    ConfigOut,
    ConfigUpdate,
    PreviewIn,
    PreviewOut,
    QueueFilters,
    QueueItemOut,
    SettingsIn,
    SettingsOut,
    TemplateIn,
    TemplateOut,
    TemplateUpdate,
    TriggerIn,
)
from stores.access import access_store
from stores.api import Page

router = Router(tags=["notifications"], auth=django_auth)


# --- the catalogue --------------------------------------------------------------------------
@router.get("/actions", response=list[ActionOut], summary="Actions, their variables and default texts")
def action_list(request: HttpRequest) -> list[dict]:
    return [
        {
            "action_type": action,
            "label": str(ActionType(action).label),
            "audience": spec.audience,
            "channels": list(spec.channels),
            "variables": [{"name": n, "description": str(actions.VARIABLES[n])} for n in spec.variables],
            "defaults": [
                {"channel": ch, "language": lang, "subject": text.subject, "body": text.body}
                for (act, ch, lang), text in TEMPLATES.items()
                if act == action
            ],
        }
        for action, spec in actions.ACTIONS.items()
    ]


# --- configurations ---------------------------------------------------------------------------
@router.get("/configs", response=list[ConfigOut], summary="Who is told what, by store")
@paginate(Page)
def config_list(
    request: HttpRequest, store_id: int | None = None, action_type: ActionType | None = None
) -> QuerySet[NotificationConfig]:
    qs = selectors.configs_for(request.user).order_by("store_id", "action_type", "channel", "pk")
    if store_id is not None:
        qs = qs.filter(store=access_store(request.user, store_id))
    if action_type is not None:
        qs = qs.filter(action_type=action_type)
    return qs


@router.post("/configs", response={201: ConfigOut}, summary="Add a notification to a store")
def config_create(request: HttpRequest, payload: ConfigIn) -> Status:
    data = payload.dict()
    store = access_store(request.user, data.pop("store_id"), manage=True)
    return Status(201, services.config_create(store=store, **data))


@router.put("/configs/{config_id}", response=ConfigOut, summary="Recipients, on/off, minimum severity")
def config_update(request: HttpRequest, config_id: int, payload: ConfigUpdate) -> NotificationConfig:
    config = selectors.access_config(request.user, config_id, manage=True)
    return services.config_update(config=config, **payload.dict())


@router.delete("/configs/{config_id}", response={204: None})
def config_delete(request: HttpRequest, config_id: int) -> Status:
    services.config_delete(config=selectors.access_config(request.user, config_id, manage=True))
    return Status(204, None)


# --- templates --------------------------------------------------------------------------------
@router.get("/templates", response=list[TemplateOut], summary="The business's own templates")
@paginate(Page)
def template_list(
    request: HttpRequest, business_id: int | None = None, action_type: ActionType | None = None
) -> QuerySet[NotificationTemplate]:
    qs = selectors.templates_for(request.user).order_by("action_type", "channel", "language", "pk")
    if business_id is not None:
        qs = qs.filter(business=access_business(request.user, business_id))
    if action_type is not None:
        qs = qs.filter(action_type=action_type)
    return qs


@router.post("/templates", response={201: TemplateOut}, summary="Override a default text")
def template_create(request: HttpRequest, payload: TemplateIn) -> Status:
    data = payload.dict()
    business = access_business(request.user, data.pop("business_id"), manage=True)
    return Status(201, services.template_save(business=business, **data))


@router.post("/templates/preview", response=PreviewOut, summary="Render a template with sample data")
def template_preview(request: HttpRequest, payload: PreviewIn) -> dict:
    data = payload.dict()
    store_id = data.pop("store_id")
    store = access_store(request.user, store_id) if store_id is not None else None
    message = services.template_preview(store=store, **data)
    return {"subject": message.subject, "text": message.text, "html": message.html}


@router.put("/templates/{template_id}", response=TemplateOut)
def template_update(request: HttpRequest, template_id: int, payload: TemplateUpdate) -> NotificationTemplate:
    template = selectors.access_template(request.user, template_id, manage=True)
    return services.template_save(business=template.business, template=template, **payload.dict())


@router.delete("/templates/{template_id}", response={204: None}, summary="Back to the default text")
def template_delete(request: HttpRequest, template_id: int) -> Status:
    services.template_delete(template=selectors.access_template(request.user, template_id, manage=True))
    return Status(204, None)


# --- queue ------------------------------------------------------------------------------------
@router.get("/queue", response=list[QueueItemOut], summary="Notifications sent and to send, newest first")
@paginate(Page)
def queue_list(request: HttpRequest, filters: Query[QueueFilters]) -> QuerySet[NotificationQueueItem]:
    qs = selectors.queue_for(request.user).order_by("-scheduled_at", "-pk")
    if filters.store_id is not None:
        qs = qs.filter(store=access_store(request.user, filters.store_id))
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.action_type is not None:
        qs = qs.filter(action_type=filters.action_type)
    return qs


@router.post("/queue/{item_id}/retry", response=QueueItemOut, summary="Send a failed notification again")
def queue_retry(request: HttpRequest, item_id: int) -> NotificationQueueItem:
    item = selectors.access_item(request.user, item_id, manage=True)
    return services.queue_retry(item=item)


@router.post("/trigger", response={201: list[QueueItemOut]}, summary="Send an action now, with sample data")
def trigger(request: HttpRequest, payload: TriggerIn) -> Status:
    data = payload.dict()
    store = access_store(request.user, data.pop("store_id"), manage=True)
    return Status(201, services.trigger(store=store, **data))


# --- store settings ---------------------------------------------------------------------------
def _settings_out(store_id: int, found: StoreNotificationSettings) -> dict:
    return {"store_id": store_id, "digest_hour": found.digest_hour, "webhook_secret": found.webhook_secret}


@router.get("/stores/{store_id}/settings", response=SettingsOut, summary="Digest hour and webhook secret")
def settings_get(request: HttpRequest, store_id: int) -> dict:
    store = access_store(request.user, store_id, manage=True)
    return _settings_out(store.pk, selectors.store_settings(store))


@router.put("/stores/{store_id}/settings", response=SettingsOut)
def settings_update(request: HttpRequest, store_id: int, payload: SettingsIn) -> dict:
    store = access_store(request.user, store_id, manage=True)
    return _settings_out(store.pk, services.settings_update(store=store, digest_hour=payload.digest_hour))


@router.post(
    "/stores/{store_id}/settings/rotate-secret", response=SettingsOut, summary="A new webhook signing secret"
)
def settings_rotate_secret(request: HttpRequest, store_id: int) -> dict:
    store = access_store(request.user, store_id, manage=True)
    return _settings_out(store.pk, services.secret_rotate(store=store))
