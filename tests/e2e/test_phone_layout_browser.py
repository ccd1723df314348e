"""The dashboard on a phone (390x844) and on a desktop (1366x900), in French and in English: every
owner page fits the screen's width (no sideways scrolling of the whole page), the header folds
behind a Menu button on the phone, and the lists read as cards with their key fields first.
Screenshots land in var/test-artifacts/screenshots as phone-<page>-<lang> and desktop-<page>-<lang>."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dashboard.demo_history import add_history
from stores.models import Customer, PreparationTicket, Product, Source, Store
from stores.services.bookings import service_booking_save
from stores.services.orders import order_create
from telephony.models import Call, PhoneNumber
from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_browser import _log_in
from tests.system_tools import needs_chromium

pytestmark = needs_chromium

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
# What the folded menu holds: the links, the store switch, the language and theme controls.
MENU_CONTROLS = ("a[href^='/calls/']", "a[href^='/orders/']", "#store-switch", "#language", "#theme-toggle")
# A card's labels from top to bottom, as a phone shows them.
CARD_LABELS = """cells => cells.filter(c => c.offsetParent !== null)
  .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
  .map(c => c.dataset.label)"""
# The page's width against the window's (one pixel of rounding allowed), and what sticks out.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > width + 1 && el.offsetParent !== null)
    .filter(el => !el.closest('.overflow-x-auto'))
    .map(el => el.tagName + '.' + (el.className || '').toString().slice(0, 60) + ' '
               + Math.round(el.getBoundingClientRect().right));
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def owner_day(open_pizzeria) -> dict[str, str]:
    """The demo business with something on every page: three months of calls and orders, a fresh
    order with its kitchen ticket, a long-named customer, a salon booking. Returns page → path."""
    pizzeria = open_pizzeria
    add_history(pizzeria)
    salon = Store.objects.get(slug="elegance-hair-salon")
    products = list(Product.objects.filter(store=pizzeria, status=Product.Status.AVAILABLE)[:3])
    # Long names and an email with no space to break at: the text must wrap, not widen the page.
    products[0].name = "Pizza Quattro Formaggi al Gorgonzola Dolce e Tartufo Nero di Norcia (grande)"
    products[0].save(update_fields=["name"])
    order = order_create(
        store=pizzeria,
        items=[{"product_id": p.pk, "quantity": 2} for p in products],
        customer_phone="+33612345678",
        customer_name="Marie-Géraldine de La Rochefoucauld-Montmorency",
        source=Source.CALL,
        notes="Sonner à l'interphone « Rochefoucauld », troisième étage, porte de gauche au fond du couloir",
    )
    Customer.objects.filter(pk=order.customer_id).update(
        email="marie-geraldine.de-la-rochefoucauld-montmorency@cabinet-exemple-tres-long.fr"
    )
    ticket = PreparationTicket.objects.get(order=order)
    call = Call.objects.filter(store=pizzeria).order_by("-started_at").first()
    call.transcript = (
        "Assistant: Bonjour, Pizzeria Bella Napoli, que puis-je pour vous ?\n"
        "Client: Envoyez la facture à marie.geraldine.delarochefoucauldmontmorency@exemple-tres-long.fr\n"
        "Assistant: C'est noté."
    )
    call.save(update_fields=["transcript"])
    number = PhoneNumber.objects.filter(store=pizzeria).first()
    tz = ZoneInfo(salon.timezone)
    day = timezone.localtime(timezone.now(), tz).date() + timedelta(days=1)
    while day.weekday() > 4:  # the salon books on weekdays
        day += timedelta(days=1)
    service = salon.services.first()
    service_booking_save(
        store=salon,
        service_id=service.pk,
        starts_at=datetime.combine(day, time(10), tzinfo=tz),
        customer_name="Jean-Baptiste Papadopoulos-Vandenberghe",
        customer_phone="+33698765432",
    )
    p, s = pizzeria.pk, salon.pk
    return {
        "home": f"/?store={p}",
        "home-all": "/",
        "orders": "/orders/",
        "order-detail": f"/orders/{order.pk}/",
        "calls": "/calls/",
        "call-detail": f"/calls/{call.pk}/",
        "customers": "/customers/",
        "customer-detail": f"/customers/{order.customer_id}/",
        "numbers": "/numbers/",
        "billing": "/billing/",
        "settings": f"/stores/{p}/settings/",
        "settings-hours": f"/stores/{p}/settings/?tab=hours",
        "catalog": f"/stores/{p}/settings/?tab=catalog",
        "settings-services": f"/stores/{s}/settings/?tab=services",
        "settings-assistant": f"/stores/{p}/settings/?tab=assistant",
        "settings-escalation": f"/stores/{p}/settings/?tab=escalation",
        "settings-notifications": f"/stores/{p}/settings/?tab=notifications",
        "bookings": f"/stores/{s}/bookings/?view=week&date={day.isoformat()}",
        "bookings-day": f"/stores/{p}/bookings/?view=day",
        "kitchen": f"/stores/{p}/kitchen/",
        "ticket-print": f"/tickets/{ticket.pk}/print/",
        "assistant-test": f"/stores/{p}/assistant/test/",
        "voice-latency": "/calls/voice-speed/",
        "number-release": f"/numbers/{number.pk}/release/",
        "onboarding": "/onboarding/",
        "onboarding-step": f"/stores/{p}/onboarding/?step=1",
        "menu-import": f"/stores/{p}/menu/import/",
    }


def _fits(page, where: str) -> None:  # noqa: ANN001
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] + 1, f"{where} is wider than the screen: {found}"


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_every_owner_page_fits_the_screen(asgi_server, owner_day, browser, device, lang):
    context = browser.new_context(viewport=PHONE if device == "phone" else DESKTOP, locale=LOCALES[lang])
    page = context.new_page()
    _log_in(page, asgi_server)
    problems = []
    for name, path in owner_day.items():
        response = page.goto(f"{asgi_server}{path}")
        assert response is not None and response.status == 200, f"{name}: {response and response.status}"
        assert page.get_attribute("html", "lang") == lang, name
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["width"] + 1:
            problems.append((name, found))
        header = page.locator("body > header")
        if name != "ticket-print":
            assert header.is_visible(), name
            box = header.bounding_box()
            if device == "phone":
                # Folded: the brand and the Menu button, one line.
                assert box["height"] <= 64, f"{name}: header {box['height']} px tall"
                assert page.locator("#menu-toggle").is_visible()
                assert not page.locator("#site-menu").is_visible()
            else:
                assert not page.locator("#menu-toggle").is_visible()
                assert page.locator("#site-menu a[href^='/calls/']").is_visible()
                assert page.locator("#theme-toggle").is_visible()
        screenshot(page, f"{device}-{name}-{lang}")
    assert problems == [], problems
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_menu_button_opens_and_closes_the_header_on_a_phone(asgi_server, owner_day, browser, lang):
    context = browser.new_context(viewport=PHONE, locale=LOCALES[lang])
    page = context.new_page()
    _log_in(page, asgi_server)
    page.goto(f"{asgi_server}/orders/")
    button = page.locator("#menu-toggle")
    menu = page.locator("#site-menu")
    assert button.get_attribute("aria-controls") == "site-menu"
    assert button.get_attribute("aria-expanded") == "false"
    assert button.inner_text().strip() == "Menu"  # the same word in both languages
    assert not menu.is_visible()

    # By keyboard: focus the button, Enter opens, the links and controls are there.
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    for selector in MENU_CONTROLS:
        assert menu.locator(selector).is_visible(), selector
    _fits(page, "the open menu")
    screenshot(page, f"phone-menu-open-{lang}")

    # Escape closes it and gives the focus back to the button.
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    assert page.evaluate("() => document.activeElement.id") == "menu-toggle"

    # Space opens, a click closes; a link in the menu leads to its page.
    page.keyboard.press("Space")
    assert menu.is_visible()
    button.click()
    assert not menu.is_visible()
    button.click()
    menu.locator("a[href^='/calls/']").click()
    page.wait_for_url(f"{asgi_server}/calls/**")
    assert not page.locator("#site-menu").is_visible()

    # The calls list reads as cards: time, caller and outcome first, nothing cut off.
    first = page.locator("#calls-table tbody tr").first
    labels = first.locator("td").evaluate_all(CARD_LABELS)
    expected = {"fr": ["Quand", "Appelant", "Résultat"], "en": ["When", "Caller", "Outcome"]}[lang]
    assert labels[:3] == expected, labels
    for cell in first.locator("td").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    screenshot(page, f"phone-calls-cards-{lang}")

    # The orders list: number, customer, status and total first, all on screen.
    page.goto(f"{asgi_server}/orders/")
    first = page.locator("#orders-table tbody tr").first
    labels = first.locator("td").evaluate_all(CARD_LABELS)
    expected = {
        "fr": ["Commande", "Client", "Total", "Statut"],
        "en": ["Order", "Customer", "Total", "Status"],
    }
    assert labels[:4] == expected[lang], labels
    assert first.locator("[data-status]").is_visible()
    _fits(page, "the orders list")
    context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_visitor_pages_fit_a_phone(asgi_server, browser, lang):
    context = browser.new_context(viewport=PHONE, locale=LOCALES[lang])
    page = context.new_page()
    for name, path in (
        ("login", "/accounts/login/"),
        ("register", "/accounts/register/"),
        ("signup", "/billing/signup/"),
    ):
        response = page.goto(f"{asgi_server}{path}")
        assert response is not None and response.status == 200, name
        _fits(page, name)
        # The language and theme stay one tap away, behind the Menu button.
        page.locator("#menu-toggle").click()
        assert page.locator("#site-menu #language").is_visible()
        _fits(page, f"{name} with the menu open")
        screenshot(page, f"phone-{name}-{lang}")
    context.close()
