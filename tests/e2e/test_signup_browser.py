# ruff: noqa: F811 - the phone line fixture comes from the dashboard's browser test
"""One way to sign up, in a real browser (French): the login page's "create one" → the plan and
the first store → the trial → the setup wizard (trade, catalog, go live) → a store with an active
number whose test call, placed from the Telnyx simulator to the number the wizard shows, is
answered by the assistant. Outcomes are read back from the database."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from billing.models import Subscription
from stores.models import OnboardingProgress, Store
from telephony.models import Call, PhoneNumber
from telephony.selectors import conversations_of_call
from tests.conftest import PASSWORD
from tests.e2e.conftest import CHROMIUM, screenshot
from tests.e2e.test_dashboard_browser import phone_line  # noqa: F401 - fixture
from tests.factories import open_around_now
from tests.telephony.conftest import settle, wait_until

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does it)"
)


def test_from_the_login_page_to_a_live_store_that_answers(asgi_server, phone_line, browser, settings):
    settings.NUMBER_ORDER_POLL_SECONDS = 0.0
    settings.PUBLIC_BASE_URL = asgi_server  # where the signup sends the browser back
    page = browser.new_context(locale="fr-FR").new_page()

    page.goto(f"{asgi_server}/accounts/login/")
    page.get_by_role("link", name="Créez-en un").click()
    page.wait_for_url(f"{asgi_server}/billing/signup/")

    # The plan, then the person, the business and the first store.
    page.check("input[name=plan][value=PRO]")
    page.fill("input[name=first_name]", "Nadia")
    page.fill("input[name=last_name]", "Benali")
    page.fill("input[name=email]", "nadia@trattoria.test")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=phone]", "06 12 34 56 78")
    page.fill("input[name=business_name]", "Trattoria Nadia")
    page.select_option("select[name=business_type]", "restaurant")
    page.fill("input[name=store_name]", "Trattoria Nadia Lyon")
    page.fill("input[name=store_address]", "3 place Bellecour, Lyon")
    page.get_by_role("button", name="Démarrer mon essai").click()

    # Billing is not configured: a trial, and straight into the wizard of the new store.
    page.wait_for_url(re.compile(r"/stores/\d+/onboarding/$"), timeout=20_000)
    store = Store.objects.get(name="Trattoria Nadia Lyon")
    user = User.objects.get(email="nadia@trattoria.test")
    assert store.business.owner == user
    sub = Subscription.objects.get(store=store)
    assert sub.plan == "PRO" and sub.status == Subscription.Status.TRIALING
    screenshot(page, "signup-wizard")

    # 1. The trade, 2. the catalog.
    page.locator("#step-sector input[name=sector][value=restaurant]").check()
    page.locator("#step-sector button[type=submit]").click()
    page.locator("#step-catalog").wait_for(timeout=10_000)
    page.locator("#step-catalog input[name=catalog][value=template]").check()
    page.locator("#step-catalog button[type=submit]").click()
    page.locator("#step-go-live").wait_for(timeout=10_000)
    assert store.products.exists()

    # 3. Go live: the number bought at signup is active and shown, with the test call to make.
    number = wait_until(
        lambda: PhoneNumber.objects.filter(store=store, status=PhoneNumber.Status.ACTIVE).first(),
        timeout=20,
        what="the active number",
    )
    page.reload()
    shown = re.search(r"Appelez le (\+\d+) depuis votre mobile", page.inner_text("#step-go-live"))
    assert shown and shown.group(1) == number.number

    # The test call, placed to the number the wizard shows, while the store is open.
    open_around_now(store)
    call = phone_line.place_call(from_="+33699887766", to=shown.group(1))
    greeting = call.wait_for_speech(1, timeout=20)
    call.say("Bonjour, je voudrais réserver une table pour deux personnes demain soir")
    call.wait_for_speech(len(greeting) + 1, timeout=20)
    call.hang_up()
    settle(phone_line)

    row = Call.objects.get(store=store)
    assert row.to_number == number.number and row.from_number == "+33699887766"
    session = wait_until(
        lambda: conversations_of_call(row).first(), timeout=20, what="the conversation"
    )
    roles = [m.get("role") for m in session.messages]
    assert "user" in roles and "assistant" in roles[roles.index("user") :], session.messages
    # What the caller heard last is the assistant's reply to them.
    assert call.spoken[-1].endswith(session.messages[-1]["content"]), (call.spoken, session.messages)

    # Finish: the dashboard of a live store.
    page.get_by_role("button", name="Terminer la configuration").click()
    page.wait_for_url(f"{asgi_server}/?store={store.pk}", timeout=10_000)
    assert OnboardingProgress.objects.get(store=store).completed_at is not None
    assert "/api/" not in page.content()
    screenshot(page, "signup-live-store")
