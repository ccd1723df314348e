"""Browser tests: the real ASGI application (uvicorn: HTTP and WebSockets) on 127.0.0.1,
Debian's Chromium driven by Playwright, and the Telnyx simulator for phone calls."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from stores.models import Store
from tests.factories import open_around_now

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Screenshots of the main pages, kept as test artefacts (var/ is not committed).
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db, settings, monkeypatch) -> Iterator[str]:
    import uvicorn

    # pytest-django runs with DEBUG off; the ASGI module refuses the development key then.
    settings.SECRET_KEY = "e2e-" + "k" * 60
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    # Playwright's sync API drives the browser from an event loop in this thread; the ORM calls
    # of the test are ordinary blocking reads of the test database.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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
def browser():  # noqa: ANN201 - a Playwright Browser
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


def screenshot(page, name: str) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
