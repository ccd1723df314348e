"""The store settings page through HTTP: each tab saves through the services, refuses bad input
with a message and nothing written, and is closed to staff and other tenants."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from ai.models import IntelligentAIConfig
from notifications.models import NotificationConfig, NotificationTemplate
from notifications.services import defaults_ensure
from stores.models import Product, ServiceResource, UniversalService
from telephony.models import EscalationStep
from tests.factories import ProductFactory, VariationFactory

pytestmark = pytest.mark.django_db


def _post(client, store, tab: str, data: dict, **extra):  # noqa: ANN001, ANN202
    return client.post(f"/stores/{store.pk}/settings/?tab={tab}", data, HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_every_tab_renders_for_the_owner(alice_client, pizzeria):
    for tab in ("details", "hours", "catalog", "services", "assistant", "escalation", "notifications"):
        response = alice_client.get(f"/stores/{pizzeria.pk}/settings/?tab={tab}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, tab
        assert response.context["tab"] == tab


def test_details_saved_and_bad_values_refused(alice_client, pizzeria):
    form = {
        "name": "Pizzeria Alice Centre",
        "address": "1 rue Haute",
        "phone": "",
        "timezone": "Europe/Paris",
        "language": "fr",
        "currency": "EUR",
        "tax_rate": "10",
        "has_products": "on",
        "record_calls": "on",
        "payment_link_threshold": "50",
        "booking_deposit": "0",
        "is_active": "on",
    }
    assert _post(alice_client, pizzeria, "details", {"action": "details", **form}).status_code == 302
    pizzeria.refresh_from_db()
    assert pizzeria.name == "Pizzeria Alice Centre" and not pizzeria.has_reservations

    bad = _post(alice_client, pizzeria, "details", {"action": "details", **form, "tax_rate": "250"})
    assert bad.status_code == 200 and "tax_rate" in bad.context["form"].errors
    pizzeria.refresh_from_db()
    assert pizzeria.tax_rate == Decimal("10.00")

    # The country decides the public holidays the assistant knows: a code we cannot use is refused.
    unknown = _post(alice_client, pizzeria, "details", {"action": "details", **form, "country": "XX"})
    assert unknown.status_code == 200 and "country" in unknown.context["form"].errors
    saved = _post(alice_client, pizzeria, "details", {"action": "details", **form, "country": "gb"})
    assert saved.status_code == 302
    pizzeria.refresh_from_db()
    assert pizzeria.country == "GB"


def test_hours_and_closed_dates(alice_client, pizzeria):
    data = {
        "action": "hours",
        "day1_opens": ["11:30", "18:30"],
        "day1_closes": ["14:30", "22:30"],
        "day5_opens": ["18:00"],
        "day5_closes": ["01:00"],
        "closed_date": ["2026-12-25"],
        "closed_reason": ["Noël"],
    }
    _post(alice_client, pizzeria, "hours", data)
    assert pizzeria.opening_intervals.count() == 3
    assert pizzeria.opening_intervals.filter(weekday=5, opens=time(18), closes=time(1)).exists()
    assert pizzeria.closed_dates.get().date == date(2026, 12, 25)

    typo = {"action": "hours", "day0_opens": ["lunch"], "day0_closes": [""]}
    bad = _post(alice_client, pizzeria, "hours", typo)
    assert "Give both the opening and the closing time" in bad.content.decode()
    assert bad.context["hours_editor"].days[0]["rows"][0]["opens"] == "lunch"  # shown again as typed
    assert pizzeria.opening_intervals.count() == 3  # nothing replaced


def test_catalog_add_price_and_out_of_stock_in_one_click(alice_client, pizzeria):
    _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "product_add", "name": "Calzone", "price": "12,50", "category": "Pizzas"},
    )
    calzone = Product.objects.get(store=pizzeria, name="Calzone")
    assert calzone.price == Decimal("12.50") and calzone.category.name == "Pizzas"
    _post(alice_client, pizzeria, "catalog", {"action": "product_stock", "product_id": calzone.pk})
    calzone.refresh_from_db()
    assert calzone.status == Product.Status.OUT_OF_STOCK
    _post(alice_client, pizzeria, "catalog", {"action": "product_stock", "product_id": calzone.pk})
    calzone.refresh_from_db()
    assert calzone.status == Product.Status.AVAILABLE
    _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "product_edit", "product_id": calzone.pk, "name": "Calzone", "price": "13"},
    )
    calzone.refresh_from_db()
    assert calzone.price == Decimal("13.00")
    refused = _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "product_edit", "product_id": calzone.pk, "name": "Calzone", "price": "cheap"},
        follow=True,
    )
    assert "Write the price as a number" in refused.content.decode()
    large = VariationFactory(product=ProductFactory(store=pizzeria))
    _post(alice_client, pizzeria, "catalog", {"action": "variation_toggle", "variation_id": large.pk})
    large.refresh_from_db()
    assert not large.is_available


def test_services_resources_and_the_transfer_chain(alice_client, pizzeria):
    _post(
        alice_client,
        pizzeria,
        "services",
        {"action": "service_add", "name": "Dégustation", "duration": "60", "price": "25"},
    )
    service = UniversalService.objects.get(store=pizzeria)
    _post(
        alice_client,
        pizzeria,
        "services",
        {"action": "resource_add", "name": "Salle", "type": "room", "capacity": "12"},
    )
    room = ServiceResource.objects.get(store=pizzeria)
    assert list(room.services.all()) == [service]
    _post(alice_client, pizzeria, "services", {"action": "service_toggle", "id": service.pk})
    service.refresh_from_db()
    assert not service.is_active

    _post(
        alice_client,
        pizzeria,
        "escalation",
        {"action": "step_add", "label": "Marco", "phone": "06 12 34 56 78", "timeout": "20"},
    )
    step = EscalationStep.objects.get(store=pizzeria)
    assert step.phone == "+33612345678" and step.timeout_secs == 20
    refused = _post(
        alice_client,
        pizzeria,
        "escalation",
        {"action": "step_add", "label": "X", "phone": "nope"},
        follow=True,
    )
    assert "a phone number like" in refused.content.decode()
    _post(alice_client, pizzeria, "escalation", {"action": "step_delete", "id": step.pk})
    assert not EscalationStep.objects.exists()


def test_assistant_settings(alice_client, pizzeria):
    data = {
        "action": "assistant",
        "is_active": "on",
        "personality": "amical",
        "voice_type": "male",
        "voice_style": "marin",
        "language": "fr",
        "greeting": "Bonjour et bienvenue !",
        "custom_instructions": "",
        "automation_level": "standard",
        "brain": "local",
        "turn_detection": "semantic_vad",
        "upsell_enabled": "on",
    }
    _post(alice_client, pizzeria, "assistant", data)
    config = IntelligentAIConfig.objects.get(store=pizzeria)
    assert config.personality == "amical" and config.upsell_enabled and config.greeting.startswith("Bonjour")
    assert config.turn_detection == "semantic_vad"  # realtime voice: the end of a thought ends the turn
    assert config.voice_type == "male"
    bad = _post(alice_client, pizzeria, "assistant", {**data, "brain": "skynet"})
    assert "brain" in bad.context["form"].errors


def test_notifications_toggle_preview_and_save_a_text(alice_client, pizzeria):
    defaults_ensure(store=pizzeria)
    config = NotificationConfig.objects.filter(store=pizzeria).first()
    _post(alice_client, pizzeria, "notifications", {"action": "notification_toggle", "id": config.pk})
    config.refresh_from_db()
    before = config.is_active
    _post(alice_client, pizzeria, "notifications", {"action": "notification_toggle", "id": config.pk})
    config.refresh_from_db()
    assert config.is_active is not before

    text = {
        "action": "template",
        "action_type": "new_order",
        "channel": "sms",
        "subject": "",
        "body": "Commande {{ order_number }} !",
    }
    preview = _post(alice_client, pizzeria, "notifications", {**text, "preview": "1"})
    assert preview.status_code == 200 and "Commande" in preview.context["preview"].text
    assert not NotificationTemplate.objects.filter(business=pizzeria.business).exists()
    _post(alice_client, pizzeria, "notifications", text)
    assert (
        NotificationTemplate.objects.get(business=pizzeria.business).body == "Commande {{ order_number }} !"
    )
    broken = _post(alice_client, pizzeria, "notifications", {**text, "body": "{{ secret_key }}"}, follow=True)
    assert broken.status_code == 200
    assert (
        NotificationTemplate.objects.get(business=pizzeria.business).body == "Commande {{ order_number }} !"
    )


def test_staff_and_strangers_are_kept_out(bob_client, carol_client, pizzeria):
    assert bob_client.get(f"/stores/{pizzeria.pk}/settings/").status_code == 403
    assert carol_client.get(f"/stores/{pizzeria.pk}/settings/").status_code == 404
    assert (
        carol_client.post(
            f"/stores/{pizzeria.pk}/settings/", {"action": "product_add", "name": "x", "price": "1"}
        ).status_code
        == 404
    )
    assert not Product.objects.exists()


def test_sizes_and_categories_from_the_catalog_tab(alice_client, pizzeria):
    from stores.models import Category, ProductVariation

    _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "product_add", "name": "Regina", "price": "11", "category": "Pizzas"},
    )
    regina = Product.objects.get(name="Regina")
    _post(
        alice_client,
        pizzeria,
        "catalog",
        {
            "action": "variation_add",
            "product_id": regina.pk,
            "type": "size",
            "value": "Grande",
            "price": "14,50",
        },
    )
    _post(
        alice_client,
        pizzeria,
        "catalog",
        {
            "action": "variation_add",
            "product_id": regina.pk,
            "type": "extra",
            "value": "Burrata",
            "price": "3",
        },
    )
    size = ProductVariation.objects.get(product=regina, type="size")
    assert (size.value, size.price, size.name) == ("Grande", Decimal("14.50"), "Taille")
    assert ProductVariation.objects.get(product=regina, type="extra").price_delta == Decimal("3.00")
    twice = _post(
        alice_client,
        pizzeria,
        "catalog",
        {
            "action": "variation_add",
            "product_id": regina.pk,
            "type": "size",
            "value": "Grande",
            "price": "15",
        },
        follow=True,
    )
    assert "already has a size" in twice.content.decode()
    assert ProductVariation.objects.filter(product=regina).count() == 2

    pizzas = Category.objects.get(store=pizzeria, name="Pizzas")
    _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "category_rename", "id": pizzas.pk, "name": "Nos pizzas"},
    )
    pizzas.refresh_from_db()
    assert pizzas.name == "Nos pizzas"
    _post(alice_client, pizzeria, "catalog", {"action": "category_delete", "id": pizzas.pk})
    regina.refresh_from_db()
    assert regina.category is None and not Category.objects.filter(store=pizzeria).exists()


def test_diet_and_allergens_from_the_catalog_tab(alice_client, pizzeria):
    burrata = ProductFactory(store=pizzeria, name="Burrata")
    page = alice_client.get(f"/stores/{pizzeria.pk}/settings/?tab=catalog", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert 'name="allergen_nuts"' in html and "Régimes et allergènes" in html and "inconnu" in html
    data = {"action": "product_dietary", "product_id": burrata.pk, "diet_vegetarian": "yes"}
    data |= {"allergen_milk": "yes", "allergen_nuts": "no", "allergen_gluten": ""}
    _post(alice_client, pizzeria, "catalog", data)
    burrata.refresh_from_db()
    assert (burrata.diet_vegetarian, burrata.allergen_milk, burrata.allergen_nuts) == (True, True, False)
    assert burrata.allergen_gluten is None and burrata.diet_vegan is None
    refused = _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "product_dietary", "product_id": burrata.pk, "diet_vegan": "yes", "allergen_milk": "yes"},
        follow=True,
    )
    assert "A vegan product cannot contain milk" in refused.content.decode()
    refused = _post(
        alice_client,
        pizzeria,
        "catalog",
        {"action": "product_dietary", "product_id": burrata.pk, "allergen_nuts": "maybe"},
        follow=True,
    )
    assert "nuts: choose yes, no or unknown" in refused.content.decode()
    burrata.refresh_from_db()
    assert (burrata.diet_vegan, burrata.allergen_nuts) == (None, False)
