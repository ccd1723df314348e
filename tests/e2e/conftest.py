"""Browser tests: the real ASGI application (uvicorn: HTTP and WebSockets) on 127.0.0.1,
Debian's Chromium driven by Playwright, and the Telnyx simulator for phone calls."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from stores.models import Store
from tests.asgi import served
from tests.factories import open_around_now
from tests.system_tools import chromium_path, skip_reason

CHROMIUM = chromium_path()
# Screenshots of the main pages, kept as test artefacts (var/ is not committed).
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"


@pytest.fixture
def asgi_server(transactional_db, settings, monkeypatch) -> Iterator[str]:
    # Playwright's sync API drives the browser from an event loop in this thread.
    with served(settings, monkeypatch) as url:
        yield url


@pytest.fixture
def open_pizzeria(transactional_db) -> Store:
    call_command("seed_demo", stdout=StringIO())
    store = Store.objects.get(slug="pizzeria-bella-napoli")
    open_around_now(store)
    return store


@pytest.fixture
def browser():  # noqa: ANN201 - a Playwright Browser
    if CHROMIUM is None:
        pytest.skip(skip_reason("chromium"))
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
