"""The catalog and store settings in a real browser, on a desktop and a phone, in French and in
English: edit, reorder, put out of stock and delete an item, edit a size in place; the weekly
hours with an evening past midnight, a closed date from the calendar, a refused row in red; the
assistant's voice picked from a list and heard; a menu import that drops a template's items."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import numpy as np
import pytest
from django.db.models import Count
from django.test import Client

from accounts.models import User
from ai.models import IntelligentAIConfig
from ai.voice import tts
from ai.voice.codecs import CODECS
from stores.models import Category, OrderItem, Product, ProductVariation
from tests.e2e.conftest import screenshot
from tests.system_tools import needs_chromium

pytestmark = needs_chromium

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
WORDS = {
    "fr": {
        "mark": "Marquer en rupture", "back": "Remettre en vente", "on_sale": "En vente",
        "out": "En rupture", "saved": "Horaires enregistrés", "who": "Qui répond : assistant local ou OpenAI",
        "wait": "Attente avant de répondre (silence en fin de phrase)", "playing": "Lecture de l'extrait.",
        "leftovers": "Retirer les 2 plats du modèle qui ne sont pas dans ce menu", "same_time": "même heure",
        "deleted": "Les commandes passées gardent son nom et son prix",
    },
    "en": {
        "mark": "Mark out of stock", "back": "Back in stock", "on_sale": "Available",
        "out": "Out of stock", "saved": "Opening hours saved",
        "who": "Who answers: local assistant or OpenAI",
        "wait": "Wait before answering (silence at the end of a sentence)", "playing": "Playing the sample.",
        "leftovers": "Remove the 2 template items that are not in this menu", "same_time": "same time",
        "deleted": "Past orders keep its name and price",
    },
}  # fmt: skip


def _page(browser, base: str, viewport: str, lang: str):  # noqa: ANN001, ANN202
    client = Client()
    user = User.objects.get(email="demo@kalliky.local")
    client.force_login(user)
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    return context, context.new_page()


def _catalog(page, base: str, store, shot: str, words: dict[str, str]) -> None:  # noqa: ANN001
    url = f"{base}/stores/{store.pk}/settings/?tab=catalog"
    category = (
        Category.objects.filter(store=store)
        .annotate(n=Count("products"))
        .filter(n__gte=3)
        .order_by("sort_order")
        .first()
    )
    items = list(category.products.order_by("sort_order", "name", "pk"))
    item = items[1]
    page.goto(url)
    row = page.locator(f'li[data-product="{item.pk}"]')
    assert row.locator("[data-status]").inner_text().strip() == words["on_sale"]

    # Out of stock reads as an action, next to the status badge.
    row.locator("[data-stock]").click()
    page.wait_for_selector(f'li[data-product="{item.pk}"] [data-status="out_of_stock"]')
    assert row.locator("[data-status]").inner_text().strip() == words["out"]
    assert row.locator("[data-stock]").inner_text().strip() == words["back"]
    item.refresh_from_db()
    assert item.status == Product.Status.OUT_OF_STOCK
    row.locator("[data-stock]").click()
    page.wait_for_selector(f'li[data-product="{item.pk}"] [data-status="available"]')
    assert row.locator("[data-stock]").inner_text().strip() == words["mark"]

    # Rename, describe, reprice and move to another category in one form.
    other = Category.objects.filter(store=store).exclude(pk=category.pk).first()
    row.locator("[data-edit] summary").click()
    page.fill(f"#edit-name-{item.pk}", f"{item.name} maison")
    page.fill(f"#edit-desc-{item.pk}", "Recette de la maison")
    page.fill(f"#edit-price-{item.pk}", "12,40")
    page.select_option(f"#edit-cat-{item.pk}", str(other.pk))
    page.locator(f"#edit-cat-{item.pk}").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).click()
    page.wait_for_selector(f'li[data-product="{item.pk}"] [data-name]:has-text("maison")')
    item.refresh_from_db()
    assert (item.price, item.category_id, item.description) == (
        Decimal("12.40"),
        other.pk,
        "Recette de la maison",
    )

    # Up and down persist the order (the first item of the category moves down).
    first = items[0]
    page.locator(f'li[data-product="{first.pk}"] [data-move=down]').click()
    page.wait_for_load_state()
    order = list(category.products.order_by("sort_order").values_list("pk", flat=True))
    assert order.index(first.pk) == 1
    assert page.locator(f'li[data-product="{first.pk}"] [data-move=up]').is_enabled()

    # A size renamed and repriced in place: same row.
    size = ProductVariation.objects.filter(product__store=store, type="size").first()
    if size is not None:
        variation_row = page.locator(f'li[data-product="{size.product_id}"]')
        variation_row.locator("[data-variations] summary").click()
        page.fill(f"#v-value-{size.pk}", "XXL")
        page.fill(f"#v-price-{size.pk}", "19")
        page.locator(f'[data-variation="{size.pk}"] button[type=submit]').first.click()
        page.wait_for_selector(f'#v-value-{size.pk}[value="XXL"]', state="attached")
        size.refresh_from_db()
        assert (size.value, size.price) == ("XXL", Decimal("19.00"))
    screenshot(page, f"settings-catalog-{shot}")

    # Delete: the confirmation says what happens to past orders, which keep their lines.
    doomed = items[2]
    lines = OrderItem.objects.filter(product=doomed).count()
    doomed_row = page.locator(f'li[data-product="{doomed.pk}"]')
    doomed_row.locator("[data-delete] summary").click()
    confirm = doomed_row.locator("[data-delete] form")
    assert words["deleted"].split()[0] in page.content() or confirm.is_visible()
    screenshot(page, f"settings-catalog-delete-{shot}")
    doomed_row.locator("[data-confirm-delete]").click()
    page.wait_for_selector(f"text={words['deleted']}")
    assert not Product.objects.filter(pk=doomed.pk).exists()
    assert OrderItem.objects.filter(name=doomed.name, product__isnull=True).count() >= lines


def _hours(page, base: str, store, shot: str, words: dict[str, str]) -> None:  # noqa: ANN001
    page.goto(f"{base}/stores/{store.pk}/settings/?tab=hours")
    for n in range(7):
        page.fill(f"#day{n}-opens-1", "11:30")
        page.fill(f"#day{n}-closes-1", "14:30")
        page.fill(f"#day{n}-opens-2", "")
        page.fill(f"#day{n}-closes-2", "")
    page.fill("#day4-opens-2", "18:00")  # Friday evening, past midnight
    page.fill("#day4-closes-2", "02:00")
    page.fill("#closed-date-1", "2026-12-25")
    page.fill("#closed-reason-1", "Noël")
    page.click("#settings-hours button[type=submit]")
    status = page.wait_for_selector("#hours-saved[role=status]")
    assert words["saved"] in status.inner_text()
    week = set(store.opening_intervals.values_list("weekday", "opens", "closes"))
    assert (4, time(18), time(2)) in week and len(week) == 8
    assert store.closed_dates.filter(date=date(2026, 12, 25)).exists()
    assert page.input_value("#day4-closes-2") == "02:00"
    screenshot(page, f"settings-hours-saved-{shot}")

    # A wrong row: red, role=alert, next to its day; nothing written.
    page.fill("#day2-opens-2", "12:00")
    page.fill("#day2-closes-2", "12:00")
    page.click("#settings-hours button[type=submit]")
    alert = page.wait_for_selector("[data-error=day2][role=alert]")
    assert words["same_time"] in alert.inner_text()
    assert page.locator("#hours-saved").count() == 0
    red = page.evaluate("getComputedStyle(document.querySelector('#hours-errors')).backgroundColor")
    assert red not in ("", "rgba(0, 0, 0, 0)")
    assert set(store.opening_intervals.values_list("weekday", "opens", "closes")) == week
    screenshot(page, f"settings-hours-error-{shot}")


def _assistant(page, base: str, store, shot: str, words: dict[str, str]) -> None:  # noqa: ANN001
    page.goto(f"{base}/stores/{store.pk}/settings/?tab=assistant")
    content = page.content()
    assert words["who"] in content and words["wait"] in content
    page.select_option("#id_voice_type", "male")
    with page.expect_response(lambda r: "voice-preview" in r.url) as answer:
        page.click("[data-voice-preview=id_voice_type]")
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "audio/wav"
    page.wait_for_selector(f'#id_voice_type-preview:has-text("{words["playing"]}")')
    language = page.locator("#id_language option")
    assert language.count() == 2
    screenshot(page, f"settings-assistant-{shot}")
    page.click("#settings-assistant button[type=submit]")
    page.wait_for_load_state()
    assert IntelligentAIConfig.objects.get(store=store).voice_type == "male"


def _menu_import(page, base: str, store, shot: str, words: dict[str, str], tmp_path) -> None:  # noqa: ANN001
    never_ordered = list(
        Product.objects.filter(store=store, order_items__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)[:2]
    )
    Product.objects.filter(pk__in=never_ordered).update(from_template=True)
    menu = tmp_path / "carte.csv"
    menu.write_bytes("nom;prix;catégorie\nPizza du chef;14 €;Pizzas\n".encode())
    page.goto(f"{base}/stores/{store.pk}/menu/import/")
    page.set_input_files("#menu-file", str(menu))
    page.click("#menu-upload-btn")
    page.wait_for_selector("#menu-leftovers:not(.hidden)", timeout=15_000)
    assert words["leftovers"] in page.inner_text("#menu-leftovers")
    assert page.locator("#menu-leftovers-list [data-leftover]:checked").count() == 2
    assert page.is_checked("#menu-leftovers-all")
    screenshot(page, f"menu-import-leftovers-{shot}")
    page.click("#menu-import-btn")
    page.wait_for_selector("#menu-result:not(.hidden)", timeout=15_000)
    assert not Product.objects.filter(pk__in=never_ordered).exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_catalog_and_store_settings_in_the_browser(
    asgi_server, open_pizzeria, browser, monkeypatch, tmp_path, viewport, lang
):
    # The server runs in this process: the speech engine is replaced by a short silence.
    monkeypatch.setattr(
        tts, "synthesize", lambda *_a, **_k: CODECS["PCMU"].encode(np.zeros(1600, dtype="int16"))
    )
    context, page = _page(browser, asgi_server, viewport, lang)
    shot = f"{viewport}-{lang}"
    words = WORDS[lang]
    try:
        _catalog(page, asgi_server, open_pizzeria, shot, words)
        _hours(page, asgi_server, open_pizzeria, shot, words)
        _assistant(page, asgi_server, open_pizzeria, shot, words)
        _menu_import(page, asgi_server, open_pizzeria, shot, words, tmp_path)
    finally:
        context.close()
