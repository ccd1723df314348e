"""After a sector template filled the catalog, importing the real menu offers to remove the
template's items the menu does not have: listed on the review, ticked when never ordered, and
only template items ever go (past orders keep their lines)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores import sectors
from stores.models import OrderItem, Product
from tests.ai.test_menu_import import FRENCH_CSV, create, import_rows, read, status_url
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(alice_client):  # noqa: ANN001, ANN201
    alice_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return alice_client


@pytest.fixture
def templated(pizzeria):  # noqa: ANN001, ANN201
    sectors.apply(pizzeria, sectors.SECTORS["restaurant"])
    return pizzeria


def test_the_template_marks_its_items(templated):
    assert Product.objects.filter(store=templated).exists()
    assert not Product.objects.filter(store=templated, from_template=False).exists()


def test_the_review_lists_the_template_items_not_in_the_menu(
    owner, templated, django_capture_on_commit_callbacks
):
    mine = ProductFactory(store=templated, name="Pizza du chef", price=Decimal("14"))
    ordered = Product.objects.filter(store=templated, from_template=True).first()
    OrderItemFactory(
        order=OrderFactory(store=templated), product=ordered, name=ordered.name, quantity=1,
        unit_price=ordered.price, line_total=ordered.price,
    )  # fmt: skip
    upload = read(owner, templated, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)
    leftovers = {item["name"]: item for item in upload["template_leftovers"]}
    template_names = set(
        Product.objects.filter(store=templated, from_template=True).values_list("name", flat=True)
    )
    in_menu = {row["name"] for row in upload["rows"]}
    assert set(leftovers) == template_names - in_menu
    assert mine.name not in leftovers  # typed by the owner: never offered
    assert leftovers[ordered.name]["ordered"] and not leftovers[ordered.name]["suggested"]
    assert all(item["suggested"] for name, item in leftovers.items() if name != ordered.name)


def test_importing_removes_the_ticked_template_items_only(
    owner, templated, django_capture_on_commit_callbacks
):
    mine = ProductFactory(store=templated, name="Pizza du chef", price=Decimal("14"))
    upload = read(owner, templated, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)
    leftover = upload["template_leftovers"][0]
    line = OrderItemFactory(
        order=OrderFactory(store=templated), product_id=leftover["product_id"], name=leftover["name"],
        quantity=1, unit_price=Decimal("9"), line_total=Decimal("9"),
    )  # fmt: skip
    ids = [item["product_id"] for item in upload["template_leftovers"]]
    rows = [create(row) for row in upload["rows"]]
    response = owner.post(
        "/api/ai/process-menu",
        {"upload_id": upload["id"], "rows": rows, "remove_template_ids": [*ids, mine.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["removed"] == len(ids)
    assert not Product.objects.filter(pk__in=ids).exists()
    assert Product.objects.filter(pk=mine.pk).exists()  # not from the template: kept
    line = OrderItem.objects.get(pk=line.pk)
    assert (line.product_id, line.name) == (None, leftover["name"])
    assert (
        owner.get(status_url(upload["id"])).json()["template_leftovers"] == []
    )  # imported: nothing to offer


def test_without_the_box_nothing_is_removed(owner, templated, django_capture_on_commit_callbacks):
    before = Product.objects.filter(store=templated, from_template=True).count()
    upload = read(owner, templated, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)
    assert import_rows(owner, upload["id"], [create(row) for row in upload["rows"]]).json()["removed"] == 0
    assert Product.objects.filter(store=templated, from_template=True).count() == before


def test_another_stores_items_cannot_be_removed(owner, templated, salon, django_capture_on_commit_callbacks):
    theirs = ProductFactory(store=salon, name="Brushing", price=Decimal("30"), from_template=True)
    upload = read(owner, templated, "carte.csv", FRENCH_CSV, django_capture_on_commit_callbacks)
    response = owner.post(
        "/api/ai/process-menu",
        {
            "upload_id": upload["id"],
            "rows": [create(r) for r in upload["rows"]],
            "remove_template_ids": [theirs.pk],
        },
        content_type="application/json",
    )
    assert response.json()["removed"] == 0 and Product.objects.filter(pk=theirs.pk).exists()
