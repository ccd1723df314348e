"""The owner's lists, exports, billing page and charts in a real browser, on a desktop and on a
phone, in French and in English, on the demo pizzeria with its three months of history:
customers' standing follows their orders, the billing page's assistant orders are the
dashboard's, the charts show their values as text, and the export buttons download a CSV and an
.xlsx a spreadsheet opens in the owner's language (headers in words, translated statuses, the
store's clock). Screenshots land in var/test-artifacts/screenshots."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.formats import date_format
from openpyxl import load_workbook

from billing.models import Subscription
from dashboard import metrics
from dashboard.demo_history import add_history
from dashboard.views.customers import LOYAL_FROM, STANDINGS, with_history
from stores.models import Customer, Order, Source, Store
from stores.models.store import zone_named
from telephony.models import Call
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_browser import _log_in
from tests.system_tools import needs_chromium

pytestmark = needs_chromium
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
WORDS = {
    "fr": {"header": ["Commande", "Établissement", "Date", "Statut"], "loyal": "Fidèle", "sep": ";"},
    "en": {"header": ["Order", "Store", "Date", "Status"], "loyal": "Loyal", "sep": ","},
}
STORE_ZONE = "America/New_York"  # neither the server's zone nor UTC: the export must use it


def _download(page, selector: str):  # noqa: ANN001, ANN202 - a Playwright Download
    button = page.locator(selector)
    button.scroll_into_view_if_needed()
    assert button.is_visible(), selector
    with page.expect_download() as download:
        button.click()
    return download.value


def _date(value, lang: str) -> str:  # noqa: ANN001
    """SHORT_DATE_FORMAT of the language, on the platform's clock (the pages' clock)."""
    local = value.astimezone(zone_named(django_settings.TIME_ZONE))
    with translation.override(lang):
        return date_format(local, "SHORT_DATE_FORMAT")


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_lists_exports_billing_and_charts(asgi_server, open_pizzeria, browser, device, lang):
    store = open_pizzeria
    assert add_history(store) > 0
    words = WORDS[lang]
    context = browser.new_context(viewport=VIEWPORTS[device], locale=LOCALES[lang], accept_downloads=True)
    page = context.new_page()
    _log_in(page, asgi_server)
    suffix = f"{device}-{lang}"

    # Customers: a customer with many orders is loyal, and the list says so in words.
    history = with_history(Customer.objects.filter(business=store.business))
    regulars = list(history.filter(visits__gte=LOYAL_FROM).order_by("-visits")[:3])
    assert regulars and all(c.standing == STANDINGS.LOYAL for c in regulars)
    page.goto(f"{asgi_server}/customers/?store={store.pk}")
    for customer in regulars:
        row = page.locator("tr", has=page.locator(f'a[href="/customers/{customer.pk}/"]'))
        assert row.locator("[data-standing]").inner_text().strip() == words["loyal"]
    assert (
        page.locator("#export-customers").is_visible() and page.locator("#export-customers-xlsx").is_visible()
    )
    screenshot(page, f"customers-list-{suffix}")

    # One customer's page: their standing and their real last contact.
    top = regulars[0]
    page.goto(f"{asgi_server}/customers/{top.pk}/")
    assert page.inner_text("[data-standing]").strip() == words["loyal"]
    latest_call = Call.objects.filter(customer=top).order_by("-started_at").first().started_at
    latest_order = Order.objects.filter(customer=top).order_by("-created_at").first().created_at
    assert top.last_contact == max(latest_call, latest_order)  # not the day the demo was seeded
    assert page.inner_text("[data-last-contact]").startswith(_date(top.last_contact, lang))
    screenshot(page, f"customers-detail-{suffix}")

    # The billing page's assistant orders are the dashboard's, over the same month.
    page.goto(f"{asgi_server}/billing/")
    figure = page.inner_text('[data-metric="orders"]').strip()
    month = metrics.parse_period("month", "", "", zone_named(None))
    stores = list(Store.objects.filter(business=store.business).values_list("pk", flat=True))
    assert figure == str(metrics.assistant_order_count(stores, month))
    # The trial: nothing charged during it, the first invoice on the day it ends.
    sub = Subscription.objects.get(store=store)
    assert sub.status == Subscription.Status.TRIALING
    trial_end = sub.current_period_end or sub.created_at + timedelta(days=django_settings.BILLING_TRIAL_DAYS)
    assert page.locator("[data-trial-note]").is_visible()
    assert _date(trial_end, lang) in page.inner_text("[data-next-invoice-date]")
    screenshot(page, f"billing-month-{suffix}")
    page.click("#month-on-dashboard")
    page.wait_for_selector("#metrics")
    detail = page.inner_text('[data-metric="1"] [data-detail]')
    assert re.search(r"\d+", detail).group(0) == figure, (detail, figure)

    # The charts: axis values, month labels and a legend, as text on screen.
    page.goto(f"{asgi_server}/?store={store.pk}&period=30d")
    monthly = page.locator("#chart-monthly")
    monthly.scroll_into_view_if_needed()
    ticks = monthly.locator('[data-axis="y"] text')
    assert ticks.count() == 5 and ticks.nth(0).text_content() == "0"
    assert all(re.fullmatch(r"[\d.]+k?", ticks.nth(n).text_content()) for n in range(5))
    assert ticks.nth(4).is_visible()
    assert monthly.locator('[data-axis="x"] text').count() == 12
    legend = monthly.locator("[data-legend]")
    assert (
        legend.is_visible() and ("Chiffre d'affaires" if lang == "fr" else "Revenue") in legend.text_content()
    )
    hourly = page.locator("#chart-hourly")
    assert hourly.locator('[data-axis="y"] text').count() == 5
    assert "00h" in hourly.locator('[data-axis="x"]').text_content()
    screenshot(page, f"dashboard-charts-{suffix}")

    # Exports: the orders list's CSV and .xlsx, on the store's clock.
    Store.objects.filter(pk=store.pk).update(timezone=STORE_ZONE)
    latest = (
        Order.objects.filter(store=store).exclude(source=Source.TEST).order_by("-created_at", "-id").first()
    )
    shown = latest.created_at.astimezone(zone_named(STORE_ZONE))
    page.goto(f"{asgi_server}/orders/?store={store.pk}")
    saved = _download(page, "#export-orders")
    assert saved.suggested_filename.endswith(".csv")
    text = open(saved.path(), encoding="utf-8").read()  # noqa: SIM115, PTH123 - a downloaded file
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=words["sep"]))
    assert rows[0][:4] == words["header"]
    assert not [title for title in rows[0] if "_" in title]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first[words["header"][0]] == str(latest.number)
    labels = _labels(lang)
    assert first[words["header"][3]] == labels[latest.status]
    expected = f"{shown:%d/%m/%Y %H:%M}" if lang == "fr" else f"{shown:%Y-%m-%d %H:%M}"
    assert first["Date"] == expected
    statuses = {r[3] for r in rows[1:]}
    assert statuses <= set(labels.values())

    saved = _download(page, "#export-orders-xlsx")
    assert saved.suggested_filename.endswith(".xlsx")
    sheet = list(load_workbook(io.BytesIO(saved.path().read_bytes())).active.iter_rows(values_only=True))
    assert list(sheet[0][:4]) == words["header"]
    assert sheet[1][0] == latest.number
    assert sheet[1][2].replace(second=0, microsecond=0) == shown.replace(tzinfo=None, second=0, microsecond=0)
    screenshot(page, f"orders-export-{suffix}")

    # Every list has its export buttons; the customers' file says who is loyal, in words.
    for url, kind in (
        (f"/calls/?store={store.pk}", "calls"),
        (f"/customers/?store={store.pk}", "customers"),
        (f"/stores/{store.pk}/bookings/", "bookings"),
    ):
        page.goto(f"{asgi_server}{url}")
        assert page.locator(f"#export-{kind}-xlsx").is_visible(), kind
        saved = _download(page, f"#export-{kind}")
        text = open(saved.path(), encoding="utf-8-sig").read()  # noqa: SIM115, PTH123 - a downloaded file
        rows = list(csv.reader(io.StringIO(text), delimiter=words["sep"]))
        assert rows and not [title for title in rows[0] if "_" in title], (kind, rows[0])
        if kind == "customers":
            standing = {r[1]: r[3] for r in rows[1:]}
            assert standing[top.phone] == words["loyal"]
    context.close()


def _labels(lang: str) -> dict[str, str]:
    """The orders' statuses as the owner reads them in `lang`."""
    with translation.override(lang):
        return {value: str(label) for value, label in Order.Status.choices}
