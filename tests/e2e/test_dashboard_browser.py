"""The owner's dashboard in a real browser: log in as the demo owner, see the figures the database
holds, watch a phone order arrive on the kitchen board without reloading, move it, change an
order's status, export the orders, switch language and theme; every control labelled, focus
visible, Tab never trapped. Screenshots of each page land in var/test-artifacts/screenshots."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from stores.models import Order, PreparationTicket, Source
from telephony.selectors import call_of_order
from tests.e2e.conftest import screenshot
from tests.fakes.telnyx import FakeTelnyx
from tests.system_tools import needs_chromium
from tests.telephony.conftest import PIZZERIA_NUMBER, settle, wait_until

pytestmark = needs_chromium
ORDER_TURNS = [
    "Bonjour, je voudrais deux margherita grandes et un coca s'il vous plaît",
    "non merci c'est tout",
    "à emporter",
    "oui c'est parfait",
]
# Every visible form control must have a name a screen reader can announce.
UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.innerText.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.fixture
def phone_line(asgi_server, settings) -> Iterator[FakeTelnyx]:
    """The Telnyx simulator, its webhooks going to the served application."""
    with FakeTelnyx() as fake:
        settings.TELNYX_API_KEY = fake.api_key
        settings.TELNYX_BASE_URL = fake.base_url
        settings.TELNYX_PUBLIC_KEY = fake.public_key
        settings.TELNYX_REACTIONS = "threads"
        settings.CALL_SILENCE_SECONDS = 60.0
        fake.webhook_url = f"{asgi_server}/api/telnyx/webhook"
        yield fake
        settle(fake)


def _log_in(page, base: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=email]", "demo@kalliky.local")
    page.fill("input[name=password]", "kalliky-demo-2026")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/")


def _assert_accessible(page) -> None:  # noqa: ANN001
    assert page.evaluate(UNLABELLED) == [], "controls without a label"
    # Tab goes forward through the page and never sticks on one control (no keyboard trap), and
    # the focused control shows an outline.
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 80)")
        )
    assert len(set(seen)) >= 6, seen
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline


def test_the_owner_day_in_the_browser(asgi_server, open_pizzeria, phone_line, browser):
    store = open_pizzeria
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    _log_in(page, asgi_server)

    # The dashboard's figures are the database's.
    page.goto(f"{asgi_server}/?store={store.pk}&period=today")
    tz = ZoneInfo(store.timezone)
    today = timezone.now().astimezone(tz).date()
    start = datetime.combine(today, time.min, tzinfo=tz)
    expected = (
        Order.objects.filter(store=store, created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .exclude(source=Source.TEST)
        .exclude(status=Order.Status.CANCELLED)
        .count()
    )
    assert page.inner_text('[data-metric="1"] [data-value]').strip() == str(expected)
    assert page.locator("#chart-monthly rect[data-value]").count() == 12
    _assert_accessible(page)
    screenshot(page, "dashboard")

    # The kitchen board, open while a caller orders by phone.
    page.goto(f"{asgi_server}/stores/{store.pk}/kitchen/")
    page.wait_for_selector("#kitchen-board[data-live='1']", timeout=10_000)
    page.evaluate("() => { window.__sameDocument = true; }")
    call = phone_line.place_call(from_="+33611223344", to=PIZZERIA_NUMBER)
    call.wait_for_speech(1, timeout=15)
    for text in ORDER_TURNS:
        heard = len(call.spoken)
        call.say(text)
        call.wait_for_speech(heard + 1, timeout=15)
    order = wait_until(
        lambda: Order.objects.filter(store=store, source=Source.CALL).first(), what="the order"
    )
    card = page.locator(f'[data-column="queued"] article[data-order-id="{order.pk}"]')
    card.wait_for(timeout=10_000)
    assert page.evaluate("() => window.__sameDocument") is True  # no reload happened
    assert "Margherita" in card.inner_text()
    screenshot(page, "kitchen-board")
    card.locator('button[data-to="in_progress"]').click()
    page.locator(f'[data-column="in_progress"] article[data-order-id="{order.pk}"]').wait_for(timeout=10_000)
    assert PreparationTicket.objects.get(order=order).status == "in_progress"
    call.hang_up()
    settle(phone_line)

    # The orders list: move the order on, from the list.
    page.goto(f"{asgi_server}/orders/?store={store.pk}")
    row = page.locator(f'tr[data-order-id="{order.pk}"]')
    row.locator("select").select_option("ready")
    row.get_by_role("button").click()
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == "ready"
    _assert_accessible(page)
    screenshot(page, "orders")

    # Export what the list shows.
    with page.expect_download() as download:
        page.click("#export-orders")
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # French: ;-separated
    assert str(order.number) in [r[0] for r in rows[1:]]

    # The call itself, with its conversation.
    call_row = call_of_order(order)
    page.goto(f"{asgi_server}/calls/{call_row.pk}/")
    assert "margherita" in page.inner_text("#conversation").lower()
    screenshot(page, "call-detail")
    page.goto(f"{asgi_server}/calls/?store={store.pk}")
    screenshot(page, "calls")
    page.goto(f"{asgi_server}/customers/")
    screenshot(page, "customers")
    page.goto(f"{asgi_server}/stores/{store.pk}/bookings/")
    _assert_accessible(page)
    screenshot(page, "bookings")

    # Language and theme, both remembered.
    page.goto(f"{asgi_server}/")
    assert page.get_attribute("html", "lang") == "fr"
    page.select_option("#language", "en")
    page.click("form[action='/i18n/setlang/'] button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert "Recent calls" in page.content()
    page.click("#theme-toggle")
    assert "dark" in page.get_attribute("html", "class")
    page.reload()
    assert "dark" in page.get_attribute("html", "class")
    screenshot(page, "dashboard-dark-en")
    context.close()


def test_the_onboarding_wizard_in_the_browser(asgi_server, open_pizzeria, browser):
    from accounts.models import User
    from stores.models import OnboardingProgress, Store

    owner = User.objects.get(email="demo@kalliky.local")
    salon = Store.objects.create(business=open_pizzeria.business, name="Salon Camille", slug="salon-camille")
    OnboardingProgress.objects.create(store=salon)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    _log_in(page, asgi_server)
    assert "is not fully set up yet" in page.inner_text("#onboarding-nudge")
    page.click("#onboarding-nudge a")

    # Step 1 with the keyboard only: choose the salon template, then submit.
    page.locator("input[name=sector][value=salon]").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # out of the radio group, onto the submit button
    assert page.evaluate("() => document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.locator("#step-catalog").wait_for()
    screenshot(page, "onboarding-catalog")
    assert salon.services.count() == 3 and salon.opening_intervals.exists()

    # A second visit resumes at step 2.
    page.goto(f"{asgi_server}/onboarding/")
    page.locator("#step-catalog").wait_for()
    page.check("input[name=catalog][value=template]")
    page.click("#step-catalog button[type=submit]")
    page.locator("#step-go-live").wait_for()
    _assert_accessible(page)
    screenshot(page, "onboarding-go-live")
    page.get_by_role("button", name="Finish setup").click()
    page.wait_for_url(f"{asgi_server}/?store={salon.pk}")
    assert OnboardingProgress.objects.get(store=salon).completed_at is not None
    assert owner.is_active
    context.close()
