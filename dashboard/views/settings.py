"""The store settings page, one tab at a time: details and activities, hours and closed dates,
catalog (out of stock in one click), services and resources, the assistant, the escalation
chain and notifications (texts edited with a preview). Numbers and billing have their own pages.
Every change goes through the same services as the API; a refused change says why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ai import services as ai_services
from ai.models import AssistantSelfTest
from dashboard.forms.hours import editor_of, editor_read
from dashboard.forms.settings import AssistantForm, StoreDetailsForm, parse_spans
from dashboard.pages import managed_store
from kalliky.errors import AppError
from kalliky.phones import to_e164
from notifications import services as notification_services
from notifications.models import ActionType, Channel, NotificationConfig, NotificationTemplate
from notifications.templating import template_for
from stores.events import store_data_changed
from stores.models import (
    Category,
    HolidayDecision,
    Product,
    ProductVariation,
    ServiceResource,
    Store,
)
from stores.models.dietary import ALLERGENS, DIETARY_TAGS, allergen_field, label_of, tag_field
from stores.selectors import holidays_ahead, local_today
from stores.services.catalog import (
    category_delete,
    category_rename,
    product_create,
    product_delete,
    product_move,
    product_update,
    resource_save,
    service_save,
    variation_save,
    variation_set_available,
)
from stores.services.store import holiday_decide, hours_set, store_update
from telephony import escalation
from telephony.models import EscalationStep

TABS = {
    "details": gettext_lazy("Details"),
    "hours": gettext_lazy("Hours"),
    "catalog": gettext_lazy("Catalog"),
    "services": gettext_lazy("Services and resources"),
    "assistant": gettext_lazy("Assistant"),
    "escalation": gettext_lazy("Transfers"),
    "notifications": gettext_lazy("Notifications"),
}


@login_required
@require_http_methods(["GET", "POST"])
def store_settings(request: HttpRequest, store_id: int) -> HttpResponse:
    store = managed_store(request, store_id)
    tab = request.GET.get("tab", "details")
    if tab not in TABS:
        tab = "details"
    context: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        handler = ACTIONS.get(action)
        if handler is None:
            messages.error(request, _("Unknown change: reload the page."))
            return redirect(f"{request.path}?tab={tab}")
        try:
            outcome = handler(request, store)
        except (AppError, ValidationError) as exc:
            messages.error(request, _problem(exc))
            outcome = None
        if isinstance(outcome, dict) and "redirect_query" in outcome:  # saved: back to the same place
            query = f"&{outcome['redirect_query']}" if outcome["redirect_query"] else ""
            anchor = f"#{outcome['anchor']}" if outcome.get("anchor") else ""
            return redirect(f"{request.path}?tab={tab}{query}{anchor}")
        if isinstance(outcome, dict):  # a form with errors, or a preview: shown on this page
            context.update(outcome)
        else:
            return redirect(f"{request.path}?tab={tab}")
    context.update(_tab_context(store, tab, context))
    context["saved"] = request.method == "GET" and request.GET.get("saved") == "1"
    return render(
        request,
        "dashboard/settings.html",
        {"store": store, "current_store_id": store.pk, "tab": tab, "tabs": TABS, **context},
    )


def _problem(exc: AppError | ValidationError) -> str:
    if isinstance(exc, AppError):
        return exc.detail
    return " ".join(exc.messages)


def _tab_context(store: Store, tab: str, given: dict[str, Any]) -> dict[str, Any]:
    if tab == "details":
        return {"form": given.get("form") or StoreDetailsForm(instance=store)}
    if tab == "hours":
        return {
            "hours_editor": given.get("hours_editor") or editor_of(store),
            "holidays": holidays_ahead(store, local_today(store)),
        }
    if tab == "catalog":
        products = Product.objects.filter(store=store).order_by("sort_order", "name")
        categories = list(
            Category.objects.filter(store=store)
            .order_by("sort_order", "name")
            .prefetch_related(Prefetch("products", queryset=products.prefetch_related("variations")))
        )
        loose = list(products.filter(category__isnull=True).prefetch_related("variations"))
        return {"categories": categories, "loose": loose, "statuses": Product.Status}
    if tab == "services":
        return {
            "services": list(store.services.order_by("sort_order", "name")),
            "resources": list(store.resources.order_by("type", "name")),
            "resource_types": ServiceResource.Type.choices,
        }
    if tab == "assistant":
        return {
            "form": given.get("form") or AssistantForm(instance=ai_services.config_for(store)),
            "selftest": AssistantSelfTest.objects.filter(store=store).first(),
            "voice_preview_url": reverse("assistant:voice_preview", args=[store.pk]),
        }
    if tab == "escalation":
        return {"steps": list(EscalationStep.objects.filter(store=store).order_by("position", "id"))}
    configs = list(NotificationConfig.objects.filter(store=store).order_by("action_type", "channel"))
    action = given.get("edit_action") or ActionType.NEW_ORDER
    channel = given.get("edit_channel") or Channel.EMAIL
    subject, body = template_for(store.business_id, action, channel, store.language)
    return {
        "configs": configs,
        "actions": ActionType.choices,
        "channels": [(c, label) for c, label in Channel.choices if c in (Channel.EMAIL, Channel.SMS)],
        "edit_action": action,
        "edit_channel": channel,
        "edit_subject": given.get("edit_subject", subject),
        "edit_body": given.get("edit_body", body),
    }


# --- actions ------------------------------------------------------------------------------------
def _details(request: HttpRequest, store: Store) -> dict[str, Any] | None:
    form = StoreDetailsForm(request.POST, instance=Store.objects.get(pk=store.pk))
    if not form.is_valid():
        return {"form": form}
    data = dict(form.cleaned_data)
    store_update(store=store, name=data.pop("name"), **data)
    messages.success(request, _("Saved."))
    return None


def _hours(request: HttpRequest, store: Store) -> dict[str, Any] | None:
    """The whole week, closed dates and special hours at once; one wrong row saves nothing."""
    editor = editor_read(request.POST)
    if editor.errors:
        return {"hours_editor": editor}  # shown again as typed, each error next to its rows
    hours_set(store=store, **editor.cleaned)
    return {"redirect_query": "saved=1"}


def _holiday(request: HttpRequest, store: Store) -> None:
    """One tap on a public holiday (here or on the dashboard's nudge): closed, open as usual, or
    the special hours typed next to the button."""
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        raise AppError(_("Pick the holiday again: its date was not understood."), field="date") from None
    decision = request.POST.get("decision", "")
    spans: list[tuple[time, time]] = []
    if decision == HolidayDecision.Decision.SPECIAL:
        try:
            spans = [(i["opens"], i["closes"]) for i in parse_spans(request.POST.get("hours", ""), 0)]
        except forms.ValidationError as exc:
            raise AppError(" ".join(exc.messages), field="hours") from None
        if not spans:
            raise AppError(_("Type the hours of that day, like 10:00-14:00."), field="hours")
    found = holiday_decide(store=store, day=day, decision=decision, intervals=spans)
    messages.success(
        request,
        _("%(holiday)s: %(decision)s.") % {"holiday": found.name, "decision": found.get_decision_display()},
    )


def _price(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ".").replace("€", "").strip())
    except InvalidOperation:
        raise AppError(_("Write the price as a number, like 9.50.")) from None
    if value < 0 or value > Decimal("99999"):
        raise AppError(_("A price is between 0 and 99,999."))
    return value.quantize(Decimal("0.01"))


def _product(store: Store, request: HttpRequest) -> Product:
    found = Product.objects.filter(store=store, pk=request.POST.get("product_id") or 0).first()
    if found is None:
        raise Http404("Product not found.")
    return found


def _back_to(product_id: int) -> dict[str, Any]:
    """After a change to one item, the page opens again at that item (long menus)."""
    return {"redirect_query": "", "anchor": f"item-{product_id}"}


def _product_add(request: HttpRequest, store: Store) -> None:
    name = request.POST.get("name", "").strip()
    if not name:
        raise AppError(_("Give the item a name."))
    category = request.POST.get("category", "").strip() or None
    product_create(
        store=store, name=name[:200], price=_price(request.POST.get("price", "")), category=category
    )
    messages.success(request, _("%(name)s added.") % {"name": name})


def _product_edit(request: HttpRequest, store: Store) -> dict[str, Any]:
    """Name, description, price and category in one form; nothing is written if one is wrong."""
    product = _product(store, request)
    name = request.POST.get("name", "").strip()
    if not name:
        raise AppError(_("Give the item a name."), field="name")
    price = _price(request.POST.get("price", ""))
    raw_category = request.POST.get("category_id", "")
    category_id = None
    if raw_category:
        if not raw_category.isdigit() or not store.categories.filter(pk=raw_category).exists():
            raise Http404("Category not found.")
        category_id = int(raw_category)
    product_update(
        product=product,
        category_id=category_id,
        name=name[:200],
        description=request.POST.get("description", "").strip()[:2000],
        price=price,
        from_template=False,  # edited by the owner: theirs now, never offered for removal
    )
    messages.success(request, _("%(name)s saved.") % {"name": product.name})
    return _back_to(product.pk)


def _product_delete(request: HttpRequest, store: Store) -> None:
    product = _product(store, request)
    name = product.name
    product_delete(product=product)
    messages.success(
        request, _("%(name)s deleted. Past orders keep its name and price.") % {"name": name}
    )


def _product_move(request: HttpRequest, store: Store) -> dict[str, Any]:
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if step is None:
        raise AppError(_("Move the item up or down."))
    product = _product(store, request)
    product_move(product=product, step=step)
    return _back_to(product.pk)


def _product_stock(request: HttpRequest, store: Store) -> dict[str, Any]:
    """One click: out of stock ↔ available (the assistant stops offering it at once)."""
    product = _product(store, request)
    available = product.status != Product.Status.AVAILABLE
    status = Product.Status.AVAILABLE if available else Product.Status.OUT_OF_STOCK
    product_update(product=product, category_id=product.category_id, status=status)
    messages.success(request, _("%(name)s: %(status)s.") % {"name": product.name, "status": status.label})
    return _back_to(product.pk)


_FACT_VALUES: dict[str, bool | None] = {"": None, "yes": True, "no": False}


def _product_dietary(request: HttpRequest, store: Store) -> dict[str, Any]:
    """Each fact: yes, no or unknown ("" — the default, which the assistant never guesses)."""
    product = _product(store, request)
    facts: dict[str, dict[str, bool | None]] = {"tags": {}, "allergens": {}}
    for group, keys, field_of in (
        ("tags", DIETARY_TAGS, tag_field),
        ("allergens", ALLERGENS, allergen_field),
    ):
        for key in keys:
            raw = request.POST.get(field_of(key), "")
            if raw not in _FACT_VALUES:
                raise AppError(_("%(what)s: choose yes, no or unknown.") % {"what": label_of(key)})
            facts[group][key] = _FACT_VALUES[raw]
    product_update(
        product=product, category_id=product.category_id, dietary=facts["tags"], allergens=facts["allergens"]
    )
    messages.success(request, _("%(name)s: diet and allergens saved.") % {"name": product.name})
    return _back_to(product.pk)


def _variation(store: Store, request: HttpRequest) -> ProductVariation:
    variation = (
        ProductVariation.objects.filter(product__store=store, pk=request.POST.get("variation_id") or 0)
        .select_related("product")
        .first()
    )
    if variation is None:
        raise Http404("Variation not found.")
    return variation


def _variation_toggle(request: HttpRequest, store: Store) -> dict[str, Any]:
    variation = _variation(store, request)
    variation_set_available(variation=variation, available=not variation.is_available)
    return _back_to(variation.product_id)


def _variation_price_fields(kind: str, raw: str) -> dict[str, Any]:
    """A size has its own price; an extra adds to the item's; an option is free."""
    price = _price(raw or "0")
    if kind == ProductVariation.Type.SIZE:
        return {"price": price}
    return {"price_delta": price, "price": None}


def _variation_edit(request: HttpRequest, store: Store) -> dict[str, Any]:
    """Rename a size, option or extra and change its price in place (its id stays)."""
    variation = _variation(store, request)
    value = request.POST.get("value", "").strip()
    if not value:
        raise AppError(_("Give the size, option or extra a name, like Large."), field="value")
    fields = {"type": variation.type, "value": value[:120]}
    fields.update(_variation_price_fields(variation.type, request.POST.get("price", "")))
    variation_save(product=variation.product, variation=variation, **fields)
    store_data_changed.send(sender=ProductVariation, store_id=store.pk)
    messages.success(request, _("%(value)s saved.") % {"value": value})
    return _back_to(variation.product_id)


VARIATION_NAMES = {
    ProductVariation.Type.SIZE: gettext_lazy("Size"),
    ProductVariation.Type.OPTION: gettext_lazy("Option"),
    ProductVariation.Type.EXTRA: gettext_lazy("Extra"),
}


def _variation_add(request: HttpRequest, store: Store) -> dict[str, Any]:
    """A size replaces the item's price; an extra adds to it; an option is free."""
    product = _product(store, request)
    kind, value = request.POST.get("type", ""), request.POST.get("value", "").strip()
    if kind not in ProductVariation.Type.values or not value:
        raise AppError(_("Give the size, option or extra a name, like Large."))
    fields: dict[str, Any] = {"type": kind, "value": value[:120]}
    fields.update(_variation_price_fields(kind, request.POST.get("price", "")))
    with translation.override(store.language):
        fields["name"] = str(VARIATION_NAMES[ProductVariation.Type(kind)])
    variation_save(product=product, **fields)
    store_data_changed.send(sender=ProductVariation, store_id=store.pk)
    messages.success(request, _("%(value)s added to %(name)s.") % {"value": value, "name": product.name})
    return _back_to(product.pk)


def _category_rename(request: HttpRequest, store: Store) -> None:
    category = Category.objects.filter(store=store, pk=request.POST.get("id") or 0).first()
    if category is None:
        raise Http404("Category not found.")
    category_rename(category=category, name=request.POST.get("name", ""))


def _category_delete(request: HttpRequest, store: Store) -> None:
    """The items stay, without a category."""
    if not category_delete(store=store, category_id=int(request.POST.get("id") or 0)):
        raise Http404("Category not found.")
    messages.success(request, _("Category removed; its items are kept without a category."))


def _service_add(request: HttpRequest, store: Store) -> None:
    name = request.POST.get("name", "").strip()
    minutes = request.POST.get("duration", "")
    if not name or not minutes.isdigit() or not 5 <= int(minutes) <= 600:
        raise AppError(_("Give the service a name and a duration between 5 and 600 minutes."))
    service_save(
        store=store,
        name=name[:200],
        duration_minutes=int(minutes),
        price=_price(request.POST.get("price", "0")),
    )
    messages.success(request, _("%(name)s added.") % {"name": name})


def _resource_add(request: HttpRequest, store: Store) -> None:
    name, kind = request.POST.get("name", "").strip(), request.POST.get("type", "")
    capacity = request.POST.get("capacity", "1")
    if not name or kind not in ServiceResource.Type.values or not capacity.isdigit() or int(capacity) < 1:
        raise AppError(_("Give the resource a name, a kind and a capacity of 1 or more."))
    # A new resource provides every active service; the API narrows it (service_ids).
    service_ids = list(store.services.filter(is_active=True).values_list("pk", flat=True))
    resource_save(store=store, service_ids=service_ids, name=name[:200], type=kind, capacity=int(capacity))
    messages.success(request, _("%(name)s added.") % {"name": name})


def _assistant(request: HttpRequest, store: Store) -> dict[str, Any] | None:
    form = AssistantForm(request.POST, instance=ai_services.config_for(store))
    if not form.is_valid():
        return {"form": form}
    ai_services.config_save(form.save(commit=False))
    messages.success(request, _("The assistant's settings are saved; the next call uses them."))
    return None


def _step_add(request: HttpRequest, store: Store) -> None:
    label = request.POST.get("label", "").strip()
    timeout = request.POST.get("timeout", "25")
    try:
        phone = to_e164(request.POST.get("phone", ""))
    except ValueError:
        phone = ""
    if not label or not phone:
        raise AppError(_("Give the person's name and a phone number like +33 6 12 34 56 78."))
    if not timeout.isdigit() or not 5 <= int(timeout) <= 600:
        raise AppError(_("Ring between 5 and 600 seconds."))
    escalation.step_add(store=store, label=label, phone=phone, timeout_secs=int(timeout))
    messages.success(request, _("%(label)s added to the transfer chain.") % {"label": label})


def _step_delete(request: HttpRequest, store: Store) -> None:
    escalation.step_delete(store=store, step_id=int(request.POST.get("id") or 0))


def _notification_toggle(request: HttpRequest, store: Store) -> None:
    config = NotificationConfig.objects.filter(store=store, pk=request.POST.get("id") or 0).first()
    if config is None:
        raise Http404("Notification not found.")
    notification_services.config_update(
        config=config,
        recipients=config.recipients,
        is_active=not config.is_active,
        min_severity=config.min_severity,
    )


def _template(request: HttpRequest, store: Store) -> dict[str, Any] | None:
    """Preview (nothing saved) or save the business's own text for one action and channel."""
    typed = {
        "edit_action": request.POST.get("action_type", ""),
        "edit_channel": request.POST.get("channel", ""),
        "edit_subject": request.POST.get("subject", ""),
        "edit_body": request.POST.get("body", ""),
    }
    if typed["edit_action"] not in ActionType.values or typed["edit_channel"] not in Channel.values:
        raise AppError(_("Choose the notification and the channel."))
    fields = {
        "action_type": typed["edit_action"],
        "channel": typed["edit_channel"],
        "language": store.language,
        "subject": typed["edit_subject"],
        "body": typed["edit_body"],
    }
    if request.POST.get("preview"):
        message = notification_services.template_preview(store=store, **fields)
        return {**typed, "preview": message}
    mine = NotificationTemplate.objects.filter(
        business=store.business,
        action_type=fields["action_type"],
        channel=fields["channel"],
        language=store.language,
    ).first()
    notification_services.template_save(business=store.business, template=mine, **fields)
    messages.success(request, _("Text saved: the next notifications use it."))
    return typed


def _services_toggle(request: HttpRequest, store: Store) -> None:
    service = store.services.filter(pk=request.POST.get("id") or 0).first()
    if service is None:
        raise Http404("Service not found.")
    service_save(store=store, service=service, is_active=not service.is_active)


def _resources_toggle(request: HttpRequest, store: Store) -> None:
    resource = store.resources.filter(pk=request.POST.get("id") or 0).first()
    if resource is None:
        raise Http404("Resource not found.")
    service_ids = list(resource.services.values_list("pk", flat=True))
    resource_save(store=store, service_ids=service_ids, resource=resource, is_active=not resource.is_active)


ACTIONS: dict[str, Callable[[HttpRequest, Store], dict[str, Any] | None]] = {
    "details": _details,
    "hours": _hours,
    "holiday": _holiday,
    "product_add": _product_add,
    "product_edit": _product_edit,
    "product_delete": _product_delete,
    "product_move": _product_move,
    "product_stock": _product_stock,
    "product_dietary": _product_dietary,
    "variation_toggle": _variation_toggle,
    "variation_add": _variation_add,
    "variation_edit": _variation_edit,
    "category_rename": _category_rename,
    "category_delete": _category_delete,
    "service_add": _service_add,
    "service_toggle": _services_toggle,
    "resource_add": _resource_add,
    "resource_toggle": _resources_toggle,
    "assistant": _assistant,
    "step_add": _step_add,
    "step_delete": _step_delete,
    "notification_toggle": _notification_toggle,
    "template": _template,
}
