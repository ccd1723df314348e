"""The menu import page in a real browser (Chromium through Playwright) against the real ASGI
application: choose a CSV, watch it being read, edit the review table, import."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from accounts.models import User
from ai.models import MenuUpload
from stores.models import Product
from tests.e2e.conftest import screenshot
from tests.system_tools import needs_chromium

pytestmark = needs_chromium

MENU = (
    "nom;prix;catégorie\n"
    "Margherita;10,50 €;Pizzas\n"  # on the demo menu already: offered as an update
    "Pizza du chef;14 €;Pizzas\n"
    "<img src=x onerror=alert(1)>;1 €;Pièges\n"  # shown as text, never as markup
).encode()


def test_an_owner_imports_a_csv_menu_in_the_browser(asgi_server, open_pizzeria, browser, tmp_path):
    client = Client()
    client.force_login(User.objects.get(email="demo@kalliky.local"))
    context = browser.new_context(locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": asgi_server}]
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    margherita = Product.objects.get(store=open_pizzeria, name="Margherita")
    menu = tmp_path / "carte.csv"
    menu.write_bytes(MENU)

    page.goto(f"{asgi_server}/stores/{open_pizzeria.pk}/menu/import/")
    page.click("#menu-upload-btn")  # nothing chosen yet
    assert page.inner_text("#menu-error").strip() != ""
    page.set_input_files("#menu-file", str(menu))
    page.click("#menu-upload-btn")
    page.wait_for_selector("#menu-review tbody tr", timeout=10_000)

    assert page.get_attribute("#menu-progress", "aria-valuenow") == "100"
    rows = page.locator("#menu-review tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).locator("[data-field=action]").input_value() == "update"
    assert "Margherita" in rows.nth(0).inner_text()  # "matches existing: Margherita (…)"
    assert rows.nth(1).locator("[data-field=action]").input_value() == "create"
    assert rows.nth(2).locator("[data-field=name]").input_value() == "<img src=x onerror=alert(1)>"
    assert page.locator("#menu-review img").count() == 0
    rows.nth(1).locator("[data-field=price]").fill("-2")  # refused, then fixed
    rows.nth(2).locator("[data-field=action]").select_option("skip")
    assert page.inner_text("#menu-import-btn").strip() == "Import 2 items"
    screenshot(page, "menu_import_review")

    page.click("#menu-import-btn")
    page.wait_for_selector("#menu-review tbody tr [data-field=price][aria-invalid=true]", timeout=10_000)
    assert "Row 2: the price cannot be negative." in rows.nth(1).inner_text()
    rows.nth(1).locator("[data-field=price]").fill("14,50")
    page.click("#menu-import-btn")
    page.wait_for_selector("#menu-result:not(.hidden)", timeout=10_000)

    assert "1 created, 1 updated, 1 skipped" in page.inner_text("#menu-result")
    margherita.refresh_from_db()
    assert margherita.price == Decimal("10.50")
    assert Product.objects.get(store=open_pizzeria, name="Pizza du chef").price == Decimal("14.50")
    assert not Product.objects.filter(name__contains="onerror").exists()
    assert MenuUpload.objects.get().status == "imported"
    assert dialogs == []
    context.close()
