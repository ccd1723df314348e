"""The kitchen board in a real browser, on a desktop screen and on a phone, in French and English:
a new ticket pushed live flashes and rings (once the page got its click), the mute choice is
remembered, full screen is offered (with a message when the browser refuses it), cards turn amber
then red as the order waits (with the minutes written out), a delivery shows who and where, notes
stand out on the card and on the printed ticket, and the buttons say what they do. Orders and
bookings made while testing the assistant stay off the board, the lists and the figures, and come
back with a TEST badge only under "Show tests"."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from stores.models import Order, Reservation, ServiceResource, Source
from stores.services.bookings import reservation_save
from stores.services.orders import order_create
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_browser import UNLABELLED, _log_in
from tests.system_tools import needs_chromium

pytestmark = needs_chromium
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"fr": "fr-FR", "en": "en-US"}
WORDS = {
    "fr": {
        "live": "En direct",
        "verbs": ("Commencer", "Marquer prêt", "Annuler"),
        "note": "Cliquez une fois sur la page pour activer le son",
        "waited": "min d'attente",
        "tests": "Afficher les tests",
        "mute": "Couper le son",
        "unmute": "Remettre le son",
    },
    "en": {
        "live": "Live",
        "verbs": ("Start", "Mark ready", "Cancel"),
        "note": "Click once on the page to allow sound",
        "waited": "min waiting",
        "tests": "Show tests",
        "mute": "Mute sound",
        "unmute": "Turn sound on",
    },
}
# No print dialog in a test browser: the printed ticket calls window.print() once loaded.
NO_PRINT = "window.print = function () {};"


def _product(store):  # noqa: ANN001, ANN202
    return store.products.filter(status="available").order_by("pk").first()


def _order(store, source=Source.CALL, minutes_ago: int = 0, **extra) -> Order:  # noqa: ANN001
    """An order written from another thread, as the call reactions write them: the board's live
    push (async_to_sync onto the Redis channel layer) cannot run in this thread, where
    Playwright's event loop runs."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_write_order, store, source, minutes_ago, extra).result()


def _write_order(store, source: str, minutes_ago: int, extra: dict) -> Order:  # noqa: ANN001
    try:
        return _placed(store, source, minutes_ago, **extra)
    finally:
        connections.close_all()  # this thread's connection, not left open past the test


def _placed(store, source: str, minutes_ago: int, **extra) -> Order:  # noqa: ANN001
    line = {"product_id": _product(store).pk, "quantity": 1}
    line.update(extra.pop("line", {}))
    order = order_create(store=store, items=[line], source=source, **extra)
    if minutes_ago:
        then = timezone.now() - timedelta(minutes=minutes_ago)
        Order.objects.filter(pk=order.pk).update(created_at=then)
        order.ticket.__class__.objects.filter(pk=order.ticket.pk).update(created_at=then)
    return order


def _session(browser, base: str, device: str, lang: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport=VIEWPORTS[device], locale=LOCALES[lang])
    context.add_init_script(NO_PRINT)
    page = context.new_page()
    _log_in(page, base)
    return context, page


def _assert_keyboard_ready(page) -> None:  # noqa: ANN001
    """Every control named; Tab walks forward through the board (no trap), focus visible."""
    assert page.evaluate(UNLABELLED) == [], "controls without a label"
    page.focus("#board-mute")
    where = "() => Array.from(document.querySelectorAll('a, button')).indexOf(document.activeElement)"
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(where))
    assert seen == sorted(set(seen)), seen
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def _no_horizontal_overflow(page) -> None:  # noqa: ANN001
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    ("device", "lang"), [("desktop", "fr"), ("desktop", "en"), ("phone", "fr"), ("phone", "en")]
)
def test_the_kitchen_board_in_the_browser(asgi_server, open_pizzeria, browser, device, lang):
    store, words = open_pizzeria, WORDS[lang]
    waiting_long = _order(
        store,
        minutes_ago=25,
        customer_phone="+33633334444",
        customer_name="Nadia Benali",
        delivery_type=Order.DeliveryType.DELIVERY,
        delivery_address="12 rue des Lilas, 75011 Paris",
        notes="Sonner deux fois",
        line={"notes": "sans oignons"},
    )
    waiting_a_bit = _order(store, minutes_ago=12)
    test_order = _order(store, source=Source.TEST)
    context, page = _session(browser, asgi_server, device, lang)
    page.goto(f"{asgi_server}/stores/{store.pk}/kitchen/")
    page.wait_for_selector("#kitchen-board[data-live='1']", timeout=10_000)
    tag = f"{device}-{lang}"

    # The live marker and the buttons' verbs.
    assert page.inner_text("#board-status") == words["live"]
    card = page.locator(f'article[data-order-id="{waiting_long.pk}"]')
    for status, verb in zip(("in_progress", "ready", "cancelled"), words["verbs"], strict=True):
        assert card.locator(f'button[data-to="{status}"]').inner_text() == verb

    # Waiting time: red after 20 minutes, amber after 10, the minutes written out as well.
    assert card.get_attribute("data-wait") == "very-late"
    minutes = re.match(r"(\d+) " + words["waited"], card.locator("[data-elapsed]").inner_text())
    assert minutes and 25 <= int(minutes.group(1)) < 30
    assert page.locator(f'article[data-order-id="{waiting_a_bit.pk}"]').get_attribute("data-wait") == "late"
    backgrounds = page.evaluate(
        """(ids) => ids.map(id => getComputedStyle(
             document.querySelector('article[data-order-id="' + id + '"]')).backgroundColor)""",
        [waiting_long.pk, waiting_a_bit.pk],
    )
    assert backgrounds == ["rgb(254, 226, 226)", "rgb(254, 243, 199)"]  # red-100, amber-100

    # A delivery says who and where; notes stand out (bold, marked).
    delivery = card.locator("[data-delivery]")
    assert "Nadia Benali" in delivery.inner_text() and "12 rue des Lilas" in delivery.inner_text()
    assert delivery.locator('a[href="tel:+33633334444"]').count() == 1
    notes = card.locator("[data-line-note]")
    assert notes.count() == 2 and "sans oignons" in notes.nth(0).inner_text()
    assert "⚠" in notes.nth(0).inner_text()
    assert int(notes.nth(0).evaluate("el => getComputedStyle(el).fontWeight")) >= 700

    # An assistant test's order is not on the board.
    assert page.locator(f'article[data-order-id="{test_order.pk}"]').count() == 0

    # Sound: the browser needs a click first, and the page says so until it got one.
    sound_note = page.locator("#sound-note")
    assert sound_note.is_visible() and words["note"] in sound_note.inner_text()
    screenshot(page, f"kitchen-board-{tag}")
    # The first click is a real one (a ticket's button): it lands, and it unlocks the sound.
    page.locator(f'article[data-order-id="{waiting_a_bit.pk}"] button[data-to="in_progress"]').click()
    page.locator(f'[data-column="in_progress"] article[data-order-id="{waiting_a_bit.pk}"]').wait_for(
        timeout=10_000
    )
    sound_note.wait_for(state="hidden", timeout=5_000)
    assert page.get_attribute("#kitchen-board", "data-sound") == "on"

    # A new ticket pushed live flashes and rings.
    fresh = _order(store, customer_phone="+33655556666", customer_name="Hugo")
    new_card = page.locator(f'[data-column="queued"] article.ticket-new[data-order-id="{fresh.pk}"]')
    new_card.wait_for(timeout=10_000)
    assert page.get_attribute("#kitchen-board", "data-chimes") == "1"
    assert new_card.evaluate("el => getComputedStyle(el).animationName") == "ticket-flash"
    screenshot(page, f"kitchen-board-new-ticket-{tag}")

    # Muted: remembered across a reload; a new ticket still flashes but stays silent.
    page.click("#board-mute")
    assert page.get_attribute("#board-mute", "data-muted") == "1"
    page.reload()
    page.wait_for_selector("#kitchen-board[data-live='1']", timeout=10_000)
    assert page.get_attribute("#board-mute", "data-muted") == "1"
    assert page.inner_text("#board-mute") == words["unmute"]
    assert page.evaluate("() => localStorage.getItem('kalliky.kitchen.muted')") == "1"
    assert not page.locator("#sound-note").is_visible()
    page.locator("h1").click()
    quiet = _order(store)
    page.locator(f'article.ticket-new[data-order-id="{quiet.pk}"]').wait_for(timeout=10_000)
    assert page.get_attribute("#kitchen-board", "data-chimes") == "0"
    page.click("#board-mute")
    assert page.get_attribute("#board-mute", "data-muted") == "0"
    assert page.inner_text("#board-mute") == words["mute"]
    _assert_keyboard_ready(page)

    # Full screen: granted, or a message saying how to do it instead.
    page.click("#board-fullscreen")
    page.wait_for_function(
        """() => document.fullscreenElement !== null
                 || !document.getElementById('fullscreen-refused').classList.contains('hidden')""",
        timeout=5_000,
    )
    page.evaluate("() => document.fullscreenElement && document.exitFullscreen()")
    page.wait_for_function("() => document.fullscreenElement === null", timeout=5_000)
    page.evaluate("() => { Element.prototype.requestFullscreen = () => Promise.reject(new Error('no')); }")
    page.click("#board-fullscreen")
    page.locator("#fullscreen-refused").wait_for(state="visible", timeout=5_000)
    screenshot(page, f"kitchen-board-fullscreen-refused-{tag}")

    # The verb moves the ticket.
    page.locator(f'article[data-order-id="{waiting_long.pk}"] button[data-to="in_progress"]').click()
    page.locator(f'[data-column="in_progress"] article[data-order-id="{waiting_long.pk}"]').wait_for(
        timeout=10_000
    )
    if device == "phone":
        _no_horizontal_overflow(page)

    # The printed ticket: the same delivery block and notes, and it fits a phone.
    page.goto(f"{asgi_server}/tickets/{waiting_long.ticket.pk}/print/")
    assert page.locator('[data-delivery] a[href="tel:+33633334444"]').count() == 1
    printed_notes = page.locator("[data-line-note]")
    assert printed_notes.count() == 2
    assert int(printed_notes.first.evaluate("el => getComputedStyle(el).fontWeight")) >= 700
    page.set_viewport_size(VIEWPORTS["phone"])
    _no_horizontal_overflow(page)
    screenshot(page, f"kitchen-ticket-print-phone-{lang}")
    context.close()


@pytest.mark.parametrize(("device", "lang"), [("desktop", "en"), ("phone", "fr")])
def test_assistant_tests_stay_out_of_real_views(asgi_server, open_pizzeria, browser, device, lang):
    store, words = open_pizzeria, WORDS[lang]
    store.has_reservations = True
    store.save(update_fields=["has_reservations"])
    real = _order(store, customer_name="Vraie Cliente", customer_phone="+33611112222")
    test_order = _order(store, source=Source.TEST, customer_name="Essai Chat", customer_phone="+33699998888")
    tz = ZoneInfo(store.timezone)
    tomorrow = timezone.now().astimezone(tz).date() + timedelta(days=1)
    table = ServiceResource.objects.create(store=store, type="table", name="Table Test", capacity=4)
    test_booking = reservation_save(
        store=store, resource_id=table.pk, customer_name="Essai Chat", party_size=2,
        starts_at=datetime.combine(tomorrow, time(20), tzinfo=tz),
        duration_minutes=90,
        source=Source.TEST,
    )
    context, page = _session(browser, asgi_server, device, lang)
    tag = f"{device}-{lang}"

    # The figures count real orders only.
    page.goto(f"{asgi_server}/?store={store.pk}&period=today")
    start = datetime.combine(timezone.now().astimezone(tz).date(), time.min, tzinfo=tz)
    expected = (
        Order.objects.real()
        .filter(store=store, created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .exclude(status=Order.Status.CANCELLED)
        .count()
    )
    assert page.inner_text('[data-metric="1"] [data-value]').strip() == str(expected)
    assert f"#{test_order.number}" not in page.inner_text("main")

    # Not on the board.
    page.goto(f"{asgi_server}/stores/{store.pk}/kitchen/")
    page.wait_for_selector("#kitchen-board[data-live='1']", timeout=10_000)
    assert page.locator(f'article[data-order-id="{real.pk}"]').count() == 1
    assert page.locator(f'article[data-order-id="{test_order.pk}"]').count() == 0

    # The orders list: hidden, then shown with its TEST badge under "Show tests".
    page.goto(f"{asgi_server}/orders/?store={store.pk}")
    assert page.locator(f'tr[data-order-id="{real.pk}"]').count() == 1
    assert page.locator(f'tr[data-order-id="{test_order.pk}"]').count() == 0
    page.get_by_label(words["tests"]).check()
    page.locator("form[role=search] button[type=submit]").click()
    row = page.locator(f'tr[data-order-id="{test_order.pk}"]')
    row.wait_for(timeout=10_000)
    assert row.locator("[data-test-badge]").inner_text() == "TEST"
    assert page.locator(f'tr[data-order-id="{real.pk}"] [data-test-badge]').count() == 0
    assert page.get_by_label(words["tests"]).is_checked()
    screenshot(page, f"orders-show-tests-{tag}")

    # The bookings calendar: the same.
    page.goto(f"{asgi_server}/stores/{store.pk}/bookings/?view=day&date={tomorrow.isoformat()}")
    entry = f'[data-booking="reservation-{test_booking.pk}"]'
    assert page.locator(entry).count() == 0
    page.locator("#bookings-tests").get_by_label(words["tests"]).check()
    page.locator("#bookings-tests button").click()
    page.locator(entry).wait_for(timeout=10_000)
    assert page.locator(f"{entry} [data-test-badge]").inner_text() == "TEST"
    screenshot(page, f"bookings-show-tests-{tag}")
    assert Reservation.objects.tests().count() == 1
    context.close()
