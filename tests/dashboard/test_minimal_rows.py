"""Rows made through the API with only their required fields never break a page: an order without
a customer, a call without a caller id, a booking without a resource, a number whose purchase
failed. Every owner page of the URL conf is walked for that business, so a new page is covered
(or explicitly excluded, with the reason) the day it is added."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from stores.models import Customer, Order
from telephony.models import Call, PhoneNumber
from tests.fakes.telnyx import FakeTelnyx
from tests.telephony.signing import PUBLIC_KEY, envelope, signed

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# Noon, two days ahead, in the store's (default) time zone: inside the opening hours set below.
SOON = datetime.combine(timezone.localdate(timezone.now(), PARIS) + timedelta(days=2), time(12), PARIS)

# Whole namespaces that are not the pages of a business.
EXCLUDED_NAMESPACES = {
    "admin": "staff pages (tests/admin walks them)",
    "api": "the JSON API (tests/*/test_tenancy.py walk its routes)",
}
# Pages that only take a POST: the walk checks that a GET is refused with 405, nothing more.
POST_ONLY = {
    "dashboard:order_status",
    "dashboard:ticket_status",
    "dashboard:customer_callback",
    "dashboard:booking_create",
    "dashboard:booking_move",
    "dashboard:booking_cancel",
    "assistant:selftest",
    "telephony:number_buy",
    "telephony:number_suspend",
    "telephony:number_reactivate",
    "telephony:number_retry",
    "telephony:number_forward",
    "telephony:suggestion_decide",
    "billing:plan",
    "billing:portal",
    "accounts:logout",
}
EXCLUDED = {
    "accounts:login": "a visitor's page, before there is a business",
    "accounts:register": "a visitor's page, before there is a business",
    "billing:signup": "a visitor's page, before there is a business",
    "billing:signup_success": "a visitor's page, before there is a business",
    "billing:signup_cancelled": "a visitor's page, before there is a business",
    "billing:paid": "the page a paying caller lands on, not the owner's",
    "set_language": "Django's language switch: a GET redirects back where it came from",
    "media": "uploaded files served in DEBUG only",
    "assistant:voice_preview": "a WAV made by the speech engine (tests/dashboard/test_assistant_voice.py)",
}
# Each owner page with the variants worth rendering: (extra URL kwargs, query string). The ids
# in the path are filled from the rows the API made, by the parameter's name.
PAGES: dict[str, list[tuple[dict[str, str], str]]] = {
    "dashboard:home": [({}, ""), ({}, "?store={store_id}"), ({}, "?store={store_id}&period=30d")],
    "dashboard:orders": [({}, ""), ({}, "?store={store_id}"), ({}, "?q=1")],
    "dashboard:order_detail": [({}, "")],
    "dashboard:kitchen": [({}, "")],
    "dashboard:ticket_print": [({}, "")],
    "dashboard:customers": [({}, ""), ({}, "?store={store_id}")],
    "dashboard:customer_detail": [({}, "")],
    "dashboard:export": [({"kind": kind}, "") for kind in ("calls", "orders", "customers", "bookings")],
    "dashboard:export_xlsx": [({"kind": kind}, "") for kind in ("calls", "orders", "customers", "bookings")],
    "dashboard:bookings": [
        ({}, ""),
        ({}, "?view=day&date={day}"),
        ({}, "?view=week&date={day}"),
    ],
    "dashboard:settings": [
        ({}, f"?tab={tab}")
        for tab in ("details", "hours", "catalog", "services", "assistant", "escalation", "notifications")
    ],
    "dashboard:onboarding_start": [({}, "")],
    "dashboard:onboarding": [({}, "?step=1"), ({}, "?step=2"), ({}, "?step=3")],
    "assistant:test": [({}, "")],
    "assistant:menu_import": [({}, "")],
    "telephony:numbers": [({}, ""), ({}, "?store={store_id}")],
    "telephony:number_release": [({}, ""), ({"number_id": "{failed_number_id}"}, "")],
    "telephony:calls": [({}, ""), ({}, "?store={store_id}")],
    "telephony:call_detail": [({}, "")],
    "telephony:voice_latency": [({}, "")],
    "billing:home": [({}, ""), ({}, "?store={store_id}")],
}


def url_patterns() -> Iterator[tuple[str, str, URLPattern]]:
    """(namespaced name, route, pattern) of every URL pattern outside the excluded namespaces."""

    def walk(patterns: list, prefix: str, namespace: str | None) -> Iterator[tuple[str, str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner in EXCLUDED_NAMESPACES:
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                name = pattern.name or "media"
                yield (f"{namespace}:{name}" if namespace else name), prefix + str(pattern.pattern), pattern

    yield from walk(get_resolver().url_patterns, "", None)


def fill(route: str, ids: dict[str, Any], extra: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        return extra[name].format(**ids) if name in extra else str(ids[name])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def api(client: Client, method: str, url: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = client.generic(method, url, json.dumps(body), content_type="application/json")
    assert response.status_code == status, f"{method} {url} → {response.status_code} {response.content!r}"
    return response.json()


@pytest.fixture
def minimal(alice_client, alice_business, settings, django_capture_on_commit_callbacks) -> dict[str, Any]:
    """One of every row the API makes, each from its required fields only. Returns their ids."""
    c = alice_client
    store = api(c, "POST", "/api/stores", {"name": "Bare"})
    s = f"/api/stores/{store['id']}"
    # Bookings are a feature the owner turns on, and they need opening hours.
    api(c, "PUT", s, {"name": "Bare", "has_reservations": True, "has_consultations": True}, status=200)
    every_day = [{"weekday": day, "opens": "09:00", "closes": "18:00"} for day in range(7)]
    api(c, "PUT", f"{s}/hours", {"intervals": every_day}, status=200)
    api(c, "POST", f"{s}/categories", {"name": "Plats"})
    product = api(c, "POST", f"{s}/products", {"name": "Soupe", "price": "5"})
    api(c, "POST", f"{s}/products/{product['id']}/variations", {"type": "size", "name": "T", "value": "L"})
    service = api(c, "POST", f"{s}/services", {"name": "Coupe"})
    api(c, "POST", f"{s}/resources", {"type": "staff", "name": "Zoe"})
    with django_capture_on_commit_callbacks(execute=True):
        # The bug this guards: an order with no customer broke the dashboard for the business.
        order = api(c, "POST", f"{s}/orders", {"items": [{"product_id": product["id"]}]})
        # A customer row has one required field, its phone.
        with_phone = {"items": [{"product_id": product["id"]}], "customer_phone": "+33611111111"}
        api(c, "POST", f"{s}/orders", with_phone)
    assert order["customer_id"] is None
    ticket = next(t for t in c.get(f"{s}/tickets").json()["items"] if t["order_id"] == order["id"])
    api(c, "POST", f"{s}/reservations", {"party_size": 2, "starts_at": SOON.isoformat()})
    api(c, "POST", f"{s}/service-bookings", {"service_id": service["id"], "starts_at": SOON.isoformat()})
    api(c, "POST", f"{s}/consultations", {"problem": "Un conseil"})
    # A notification without recipients is allowed while it is off.
    config = {"store_id": store["id"], "action_type": "new_order", "channel": "webhook", "is_active": False}
    api(c, "POST", "/api/app/notifications/configs", config)
    template = {"business_id": alice_business.pk, "action_type": "new_order", "channel": "sms", "body": "Hop"}
    api(c, "POST", "/api/app/notifications/templates", template)
    buy = {"store_id": store["id"], "country_code": "FR"}
    with django_capture_on_commit_callbacks(execute=True):
        # Offline (no Telnyx key) the purchase fails: a number left in ERROR, with no real number.
        failed = api(c, "POST", "/api/telnyx/numbers/auto-purchase", buy, status=202)
    with FakeTelnyx() as fake:
        settings.TELNYX_API_KEY = fake.api_key
        settings.TELNYX_BASE_URL = fake.base_url
        settings.NUMBER_ORDER_POLL_SECONDS = 0.0
        with django_capture_on_commit_callbacks(execute=True):
            api(c, "POST", "/api/telnyx/numbers/auto-purchase", buy, status=202)
        active = PhoneNumber.objects.get(store_id=store["id"], status=PhoneNumber.Status.ACTIVE)
        # A caller who hides their number: the call has no customer.
        settings.TELNYX_PUBLIC_KEY = PUBLIC_KEY
        leg = {"call_control_id": "v3:anonymous", "from": "anonymous", "to": active.number}
        with django_capture_on_commit_callbacks(execute=True):
            for event in (envelope("call.initiated", leg), envelope("call.hangup", leg)):
                response = c.post("/api/telnyx/webhook", event, "application/json", **signed(event))
                assert response.status_code == 200, response.content
    menu = SimpleUploadedFile("menu.csv", b"name,price\nSoupe,5\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post("/api/ai/menu-upload", {"store_id": store["id"], "file": menu})
        assert response.status_code == 202, response.content
    call = Call.objects.get(call_control_id="v3:anonymous")
    assert call.customer_id is None
    assert PhoneNumber.objects.get(pk=failed["id"]).status == PhoneNumber.Status.ERROR
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(f"/api/ai/process-call/{call.pk}").status_code == 202
    return {
        "store_id": store["id"],
        "order_id": order["id"],
        "ticket_id": ticket["id"],
        "customer_id": Customer.objects.get(business=alice_business).pk,
        "number_id": active.pk,
        "failed_number_id": failed["id"],
        "call_id": call.pk,
        "day": SOON.date().isoformat(),
    }


def test_the_walk_knows_every_page_of_the_url_conf():
    names = {name for name, _route, _pattern in url_patterns()}
    known = set(PAGES) | POST_ONLY | set(EXCLUDED)
    assert names - known == set(), "a page neither walked nor excluded (say why in EXCLUDED)"
    # The media files are served only with DEBUG on, which the tests run without.
    assert known - names <= {"media"}, "the walk lists a page that no longer exists"


def test_every_owner_page_renders_for_rows_made_with_only_their_required_fields(alice, minimal):
    assert Order.objects.get(pk=minimal["order_id"]).customer_id is None
    owner = Client(raise_request_exception=False)  # every broken page listed, not just the first
    owner.force_login(alice)
    failures, visited = [], 0
    for name, route, _pattern in url_patterns():
        if name in EXCLUDED:
            continue
        if name in POST_ONLY:
            url = fill(route, {**minimal, "kind": "reservation", "booking_id": 1, "suggestion_id": 1}, {})
            if (status := owner.get(url).status_code) != 405:
                failures.append(f"GET {url} → {status}, not 405")
            continue
        for extra, query in PAGES[name]:
            url = fill(route, minimal, extra) + query.format(**minimal)
            for language in ("fr", "en"):
                response = owner.get(url, HTTP_ACCEPT_LANGUAGE=language, follow=True)
                if response.streaming:
                    b"".join(response.streaming_content)
                if response.status_code != 200:
                    failures.append(f"GET {url} ({language}) → {response.status_code}")
                visited += 1
    assert not failures, "\n".join(failures)
    assert visited >= 2 * 35


@pytest.mark.parametrize(
    ("language", "nobody", "hidden"),
    [("en", "Unknown customer", "Hidden number"), ("fr", "Client inconnu", "Numéro masqué")],
)
def test_the_pages_name_the_order_and_the_call_that_have_no_customer(
    alice_client, minimal, language, nobody, hidden
):
    home = alice_client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert nobody in home and hidden in home
    order = alice_client.get(
        f"/orders/{minimal['order_id']}/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert nobody in order
    assert nobody in alice_client.get("/orders/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert hidden in alice_client.get("/calls/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    call = alice_client.get(f"/calls/{minimal['call_id']}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert hidden in call


def test_the_admin_shows_every_row_made_with_only_its_required_fields(minimal):
    staff = Client(raise_request_exception=False)
    staff.force_login(User.objects.create_superuser("staff@kalliky.test", "pw-Staff-2026!"))
    failures = []
    for model in admin.site._registry:
        urls = [reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")]
        urls += [
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
            for pk in model._default_manager.values_list("pk", flat=True)[:3]
        ]
        for url in urls:
            if (status := staff.get(url).status_code) != 200:
                failures.append(f"GET {url} → {status}")
    assert not failures, "\n".join(failures)
