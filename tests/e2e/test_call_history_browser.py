"""The demo's three months of calls in a real browser, on a desktop and a phone, in French and in
English: a past call's page shows its conversation and a summary in the reader's language, and the
calls and orders lists give dates the way each language writes them ("6 déc. 2026 14:05" /
"6 Dec 2026 14:05"). Screenshots land in var/test-artifacts/screenshots."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import Truncator

from stores.models import Order, Store
from telephony import selectors
from telephony.models import Call
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_browser import _log_in
from tests.system_tools import needs_chromium

pytestmark = needs_chromium

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
MONTHS = {
    "fr": r"(janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)",
    "en": r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
}


def shown(moment, store: Store, lang: str) -> str:  # noqa: ANN001 - an aware datetime
    with translation.override(lang):
        return date_format(moment.astimezone(store.zone), "SHORT_DATETIME_FORMAT")


def summary_in(call: Call, lang: str) -> str:
    with translation.override(lang):
        return call.summary


@pytest.fixture
def history(transactional_db) -> Store:
    call_command("seed_demo", "--history", stdout=StringIO())
    return Store.objects.get(slug="pizzeria-bella-napoli")


def test_past_calls_read_in_each_language_on_desktop_and_phone(asgi_server, history, browser):
    store = history
    # A past call that brought an order, and its order.
    call = next(
        c
        for c in Call.objects.filter(store=store, call_control_id__startswith="demo-history-")
        .exclude(conversation=None)
        .order_by("-started_at")
        if selectors.orders_of_call(c).exists()
    )
    messages = call.conversation.messages
    for lang, locale in LOCALES.items():
        date_pattern = re.compile(rf"\b\d{{1,2}} {MONTHS[lang]} \d{{4}} \d{{2}}:\d{{2}}\b")
        for device, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, locale=locale)
            page = context.new_page()
            _log_in(page, asgi_server)
            assert page.get_attribute("html", "lang") == lang

            # The calls list: dates in the language's format, our summaries in its words.
            page.goto(f"{asgi_server}/calls/?store={store.pk}")
            first = page.locator("tbody tr").first
            first.wait_for()
            link = first.locator("a").first
            latest = Call.objects.get(pk=int(link.get_attribute("href").rstrip("/").split("/")[-1]))
            assert link.inner_text().strip() == shown(latest.started_at, store, lang)
            assert date_pattern.search(link.inner_text())
            row = page.locator("tr:has([data-summary])").first
            listed = Call.objects.get(
                pk=int(row.locator("a").first.get_attribute("href").rstrip("/").split("/")[-1])
            )
            expected = Truncator(summary_in(listed, lang)).chars(60)
            assert row.locator("[data-summary]").inner_text().strip() == expected
            screenshot(page, f"calls-list-dates-{device}-{lang}")

            # The orders list: the same format.
            page.goto(f"{asgi_server}/orders/?store={store.pk}")
            order_row = page.locator("tr[data-order-id]").first
            order_row.wait_for()
            order = Order.objects.get(pk=int(order_row.get_attribute("data-order-id")))
            placed = order_row.locator("td").nth(1).inner_text()
            assert shown(order.created_at, store, lang) in placed and date_pattern.search(placed)
            screenshot(page, f"orders-list-dates-{device}-{lang}")

            # The past call's page: its conversation, turn by turn, and its summary.
            page.goto(f"{asgi_server}/calls/{call.pk}/")
            page.locator("#conversation").wait_for()
            turns = page.locator("#conversation li")
            assert turns.count() == len(messages)
            assert messages[1]["content"] in turns.nth(1).inner_text()
            assert page.locator("#call-summary").inner_text().strip() == summary_in(call, lang)
            word = "Commande n°" if lang == "fr" else "Order #"
            assert page.locator("#call-summary").inner_text().startswith(word)
            assert page.locator("#summary-language").count() == 0
            assert shown(call.started_at, store, lang) in page.locator("main, body").first.inner_text()
            screenshot(page, f"calls-history-conversation-{device}-{lang}")
            context.close()
