"""The hours editor in a real browser, on a desktop and a phone, in French and in English, obeying
the store's one set of hours rules (the API's too): Sunday's night past midnight running into
Monday morning is refused in red next to Monday's row and nothing is written; Monday opening when
Sunday's night ends is saved."""

from __future__ import annotations

from datetime import time

import pytest

from stores.models import OpeningInterval
from tests.e2e.conftest import screenshot
from tests.e2e.test_catalog_settings_browser import _page
from tests.system_tools import needs_chromium

pytestmark = needs_chromium

WORDS = {
    "fr": {
        "overlap": "Deux ouvertures se chevauchent",
        "saved": "Horaires enregistrés",
        "next": "(lendemain)",
    },
    "en": {"overlap": "Two openings overlap", "saved": "Opening hours saved", "next": "(next day)"},
}


def _week(store) -> set[tuple[int, time, time]]:  # noqa: ANN001
    return set(store.opening_intervals.values_list("weekday", "opens", "closes"))


def _type_week(page, monday_opens: str) -> None:  # noqa: ANN001
    """Monday from `monday_opens` to 09:00 and Sunday 22:00 → 02:00, every other row emptied."""
    for n in range(7):
        for row in (1, 2):
            page.fill(f"#day{n}-opens-{row}", "")
            page.fill(f"#day{n}-closes-{row}", "")
    page.fill("#day0-opens-1", monday_opens)
    page.fill("#day0-closes-1", "09:00")
    page.fill("#day6-opens-1", "22:00")
    page.fill("#day6-closes-1", "02:00")
    page.click("#settings-hours button[type=submit]")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_sunday_night_into_monday_morning_is_refused_next_to_monday(
    asgi_server, open_pizzeria, browser, viewport, lang
):
    store, words = open_pizzeria, WORDS[lang]
    OpeningInterval.objects.filter(store=store).delete()
    OpeningInterval.objects.create(store=store, weekday=2, opens=time(11), closes=time(15))
    before = _week(store)
    context, page = _page(browser, asgi_server, viewport, lang)
    try:
        page.goto(f"{asgi_server}/stores/{store.pk}/settings/?tab=hours")
        _type_week(page, "01:00")
        alert = page.wait_for_selector("fieldset[data-day='0'] [data-error=day0][role=alert]")
        assert words["overlap"] in alert.inner_text()
        assert page.locator("[role=alert][data-error^=day]").count() == 1  # Sunday itself is fine
        assert page.locator("#hours-saved").count() == 0
        assert page.input_value("#day0-opens-1") == "01:00"  # shown again as typed
        assert _week(store) == before
        screenshot(page, f"settings-hours-overlap-{viewport}-{lang}")

        _type_week(page, "02:00")  # Monday opens when Sunday's night ends
        status = page.wait_for_selector("#hours-saved[role=status]")
        assert words["saved"] in status.inner_text()
        assert page.locator("[role=alert][data-error^=day]").count() == 0
        assert _week(store) == {(0, time(2), time(9)), (6, time(22), time(2))}
        assert words["next"] in page.inner_text("fieldset[data-day='6']")
        screenshot(page, f"settings-hours-overnight-saved-{viewport}-{lang}")
    finally:
        context.close()
