"""The "Test your assistant" page in a real browser (Chromium through Playwright), served by the
real ASGI application (uvicorn: HTTP and the WebSocket) on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from stores.models import Order, Store
from tests.factories import open_around_now

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db, settings):
    import uvicorn

    # pytest-django runs with DEBUG off; the ASGI module refuses the development key then.
    settings.SECRET_KEY = "e2e-" + "k" * 60
    from kalliky.asgi import application

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def open_pizzeria(transactional_db) -> Store:
    call_command("seed_demo", stdout=StringIO())
    store = Store.objects.get(slug="pizzeria-bella-napoli")
    open_around_now(store)
    return store


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


def test_a_conversation_in_the_browser(asgi_server, open_pizzeria, browser, settings, monkeypatch):
    # Playwright's sync API drives the browser from an event loop in this thread; the ORM calls
    # below are ordinary blocking reads of the test database.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
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
