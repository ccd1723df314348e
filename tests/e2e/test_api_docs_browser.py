"""The API docs work offline: Swagger UI is served by the application itself, so a browser that
can reach nothing but 127.0.0.1 still lists the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)"
)


def test_api_docs_list_the_operations_with_the_network_blocked(asgi_server, browser):
    page = browser.new_page()
    blocked: list[str] = []

    def local_only(route) -> None:  # noqa: ANN001 - a Playwright Route
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(f"{asgi_server}/api/docs")
    stores = page.locator('.opblock-summary-path[data-path="/api/stores"]').first
    stores.wait_for(state="visible", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    assert blocked == []
    page.close()
