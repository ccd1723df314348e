"""The "Test your assistant" page in a real browser (Chromium through Playwright), served by the
real ASGI application (uvicorn: HTTP and the WebSocket) on 127.0.0.1."""

from __future__ import annotations

from django.test import Client

from accounts.models import User
from stores.models import Order
from tests.factories import closed_until
from tests.system_tools import needs_chromium

pytestmark = needs_chromium


def test_a_conversation_in_the_browser(asgi_server, open_pizzeria, browser):
    client = Client()
    client.force_login(User.objects.get(email="demo@kalliky.local"))
    context = browser.new_context(locale="fr-FR")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": asgi_server}]
    )
    page = context.new_page()
    page.goto(f"{asgi_server}/stores/{open_pizzeria.pk}/assistant/test/")
    page.get_by_text("Pizzeria Bella Napoli, que puis-je").first.wait_for(timeout=10_000)

    def say(text: str) -> None:
        page.wait_for_selector("#chat-input:not([disabled])", timeout=10_000)
        page.fill("#chat-input", text)
        page.press("#chat-input", "Enter")

    say("Bonjour, deux margherita grandes et un coca")
    page.wait_for_function(
        "document.getElementById('chat-cart-total').textContent.includes('30')", timeout=10_000
    )
    assert "add_to_order" in page.inner_text("#chat-tools")
    assert "Margherita" in page.inner_text("#chat-cart")
    say("<b>non</b> merci c'est tout")  # shown as text, never as markup
    page.get_by_text("<b>non</b> merci c'est tout", exact=True).wait_for(timeout=10_000)
    assert page.locator("#chat-transcript b").count() == 0
    say("à emporter")
    page.get_by_text("Je confirme la commande").first.wait_for(timeout=10_000)
    say("oui")
    page.get_by_text("votre commande numéro").first.wait_for(timeout=10_000)
    order = Order.objects.get(store=open_pizzeria)
    assert order.source == "test" and str(order.total) == "30.00"
    context.close()


def test_a_closed_store_takes_a_test_order_at_its_next_opening(asgi_server, open_pizzeria, browser):
    """At night the page proposes the next opening; the chat, left as it is, orders at that time."""
    closed_until(open_pizzeria)
    client = Client()
    client.force_login(User.objects.get(email="demo@kalliky.local"))
    context = browser.new_context(locale="fr-FR")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": asgi_server}]
    )
    page = context.new_page()
    page.goto(f"{asgi_server}/stores/{open_pizzeria.pk}/assistant/test/")
    assert "est fermé en ce moment" in page.inner_text("#chat-now-closed")
    page.get_by_text("Pizzeria Bella Napoli, que puis-je").first.wait_for(timeout=10_000)
    for text in ("deux margherita grandes et un coca", "non merci c'est tout", "à emporter", "oui"):
        page.wait_for_selector("#chat-input:not([disabled])", timeout=10_000)
        page.fill("#chat-input", text)
        page.press("#chat-input", "Enter")
    page.get_by_text("votre commande numéro").first.wait_for(timeout=10_000)
    order = Order.objects.get(store=open_pizzeria)
    assert order.source == "test" and str(order.total) == "30.00"
    context.close()
