"""Editing the catalog from the settings page: rename, describe, price, move to another category,
delete (past orders keep their lines), reorder, sizes and extras edited in place, the stock
action; another owner's items are out of reach (404) and bad input writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores.models import OrderItem, Product, ProductVariation
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    VariationFactory,
)

pytestmark = pytest.mark.django_db


def _post(client, store, data: dict, lang: str = "en"):  # noqa: ANN001, ANN202
    return client.post(
        f"/stores/{store.pk}/settings/?tab=catalog", data, HTTP_ACCEPT_LANGUAGE=lang, follow=True
    )


def test_an_item_is_renamed_described_repriced_and_moved_in_one_form(alice_client, pizzeria):
    pizzas, drinks = (
        CategoryFactory(store=pizzeria, name="Pizzas"),
        CategoryFactory(store=pizzeria, name="Drinks"),
    )
    item = ProductFactory(
        store=pizzeria, category=pizzas, name="Marghe", price=Decimal("9"), from_template=True
    )
    data = {
        "action": "product_edit",
        "product_id": item.pk,
        "name": "Margherita",
        "description": "Tomate, mozzarella",
        "price": "10,50",
        "category_id": drinks.pk,
    }
    page = _post(alice_client, pizzeria, data)
    item.refresh_from_db()
    assert (item.name, item.description, item.price, item.category) == (
        "Margherita", "Tomate, mozzarella", Decimal("10.50"), drinks,
    )  # fmt: skip
    assert "Margherita saved." in page.content.decode()
    assert not item.from_template  # edited by the owner: a menu import never offers to remove it
    _post(alice_client, pizzeria, {**data, "category_id": ""})
    item.refresh_from_db()
    assert item.category is None


def test_a_bad_edit_writes_nothing(alice_client, pizzeria):
    item = ProductFactory(store=pizzeria, name="Margherita", price=Decimal("9"))
    for bad in (
        {"name": "", "price": "10"},
        {"name": "New", "price": "cheap"},
        {"name": "New", "price": "-1"},
    ):
        page = _post(alice_client, pizzeria, {"action": "product_edit", "product_id": item.pk, **bad})
        assert page.status_code == 200
        item.refresh_from_db()
        assert (item.name, item.price) == ("Margherita", Decimal("9.00"))


def test_deleting_an_item_keeps_the_lines_of_past_orders(alice_client, pizzeria):
    item = ProductFactory(store=pizzeria, name="Calzone", price=Decimal("12"))
    line = OrderItemFactory(
        order=OrderFactory(store=pizzeria), product=item, name="Calzone", unit_price=Decimal("12"),
        quantity=1, line_total=Decimal("12"),
    )  # fmt: skip
    page = _post(alice_client, pizzeria, {"action": "product_delete", "product_id": item.pk})
    assert "Past orders keep its name and price" in page.content.decode()
    assert not Product.objects.filter(pk=item.pk).exists()
    line = OrderItem.objects.get(pk=line.pk)
    assert (line.product_id, line.name, line.unit_price) == (None, "Calzone", Decimal("12.00"))


def test_the_delete_confirmation_says_what_happens_to_past_orders(alice_client, pizzeria):
    ProductFactory(store=pizzeria, name="Calzone")
    page = alice_client.get(f"/stores/{pizzeria.pk}/settings/?tab=catalog", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Les commandes passées gardent leurs lignes" in page.content.decode()


def test_up_and_down_persist_the_order_within_the_category(alice_client, pizzeria):
    pizzas = CategoryFactory(store=pizzeria, name="Pizzas")
    a, b, c = (ProductFactory(store=pizzeria, category=pizzas, name=n, sort_order=0) for n in "ABC")
    _post(alice_client, pizzeria, {"action": "product_move", "product_id": c.pk, "direction": "up"})
    names = list(
        Product.objects.filter(category=pizzas).order_by("sort_order").values_list("name", flat=True)
    )
    assert names == ["A", "C", "B"]
    _post(alice_client, pizzeria, {"action": "product_move", "product_id": a.pk, "direction": "up"})  # first
    _post(alice_client, pizzeria, {"action": "product_move", "product_id": a.pk, "direction": "down"})
    names = list(
        Product.objects.filter(category=pizzas).order_by("sort_order").values_list("name", flat=True)
    )
    assert names == ["C", "A", "B"]
    page = alice_client.get(f"/stores/{pizzeria.pk}/settings/?tab=catalog", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert html.index(">C<") < html.index(">A<") < html.index(">B<")


def test_a_size_and_an_extra_are_edited_in_place(alice_client, pizzeria):
    item = ProductFactory(store=pizzeria, price=Decimal("10"))
    size = VariationFactory(product=item, type="size", value="Large", price=Decimal("13"))
    extra = ProductVariation.objects.create(
        product=item, type="extra", name="Extra", value="Olives", price_delta=Decimal("1")
    )
    _post(
        alice_client,
        pizzeria,
        {"action": "variation_edit", "variation_id": size.pk, "value": "XL", "price": "14"},
    )
    _post(
        alice_client,
        pizzeria,
        {"action": "variation_edit", "variation_id": extra.pk, "value": "Olives noires", "price": "1,5"},
    )  # noqa: E501
    size.refresh_from_db()
    extra.refresh_from_db()
    assert (size.value, size.price) == ("XL", Decimal("14.00"))
    assert (extra.value, extra.price_delta, extra.price) == ("Olives noires", Decimal("1.50"), None)
    assert ProductVariation.objects.filter(product=item).count() == 2  # same rows, no delete+recreate


def test_the_stock_control_is_an_action_next_to_a_status_badge(alice_client, pizzeria):
    item = ProductFactory(store=pizzeria, name="Tiramisu")
    html = alice_client.get(
        f"/stores/{pizzeria.pk}/settings/?tab=catalog", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Marquer en rupture" in html and "En vente" in html
    _post(alice_client, pizzeria, {"action": "product_stock", "product_id": item.pk})
    html = alice_client.get(
        f"/stores/{pizzeria.pk}/settings/?tab=catalog", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Remettre en vente" in html and "En rupture" in html
    html = alice_client.get(
        f"/stores/{pizzeria.pk}/settings/?tab=catalog", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Back in stock" in html and 'data-status="out_of_stock"' in html


@pytest.mark.parametrize(
    "action", ["product_edit", "product_delete", "product_move", "product_stock", "variation_edit"]
)
def test_alice_cannot_touch_carols_items(alice_client, salon, action):
    theirs = ProductFactory(store=salon, name="Brushing", price=Decimal("30"))
    variation = VariationFactory(product=theirs)
    data = {
        "action": action, "product_id": theirs.pk, "variation_id": variation.pk, "name": "Hacked",
        "value": "Hacked", "price": "1", "direction": "up",
    }  # fmt: skip
    response = alice_client.post(f"/stores/{salon.pk}/settings/?tab=catalog", data)
    assert response.status_code == 404


def test_alice_cannot_reach_carols_item_through_her_own_store(alice_client, pizzeria, salon):
    theirs = ProductFactory(store=salon, name="Brushing", price=Decimal("30"))
    variation = VariationFactory(product=theirs)
    for data in (
        {"action": "product_edit", "product_id": theirs.pk, "name": "Hacked", "price": "1"},
        {"action": "product_delete", "product_id": theirs.pk},
        {"action": "product_move", "product_id": theirs.pk, "direction": "up"},
        {"action": "variation_edit", "variation_id": variation.pk, "value": "Hacked", "price": "1"},
    ):
        response = alice_client.post(f"/stores/{pizzeria.pk}/settings/?tab=catalog", data)
        assert response.status_code == 404, data["action"]
    theirs.refresh_from_db()
    assert theirs.name == "Brushing" and Product.objects.filter(pk=theirs.pk).exists()


def test_an_item_cannot_be_moved_to_another_owners_category(alice_client, pizzeria, salon):
    item = ProductFactory(store=pizzeria, name="Margherita")
    foreign = CategoryFactory(store=salon, name="Soins")
    data = {
        "action": "product_edit",
        "product_id": item.pk,
        "name": "M",
        "price": "1",
        "category_id": foreign.pk,
    }
    assert alice_client.post(f"/stores/{pizzeria.pk}/settings/?tab=catalog", data).status_code == 404
    item.refresh_from_db()
    assert item.name == "Margherita"


def test_after_a_change_the_page_opens_again_at_the_item(alice_client, pizzeria):
    item = ProductFactory(store=pizzeria, name="Calzone")
    response = alice_client.post(
        f"/stores/{pizzeria.pk}/settings/?tab=catalog", {"action": "product_stock", "product_id": item.pk}
    )
    assert response.status_code == 302 and response.url.endswith(f"?tab=catalog#item-{item.pk}")
