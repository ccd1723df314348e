"""Phone numbers through the API, against the Telnyx simulator: buy, fail, retry, suspend,
reactivate, release — and what each leaves at Telnyx and in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from billing.models import Subscription
from telephony import numbers
from telephony.models import PhoneNumber, PhoneNumberEvent
from tests.factories import StoreFactory
from tests.fakes.telnyx import FakeTelnyx

pytestmark = pytest.mark.django_db

BUY = "/api/telnyx/numbers/auto-purchase"
NUMBERS = "/api/telnyx/phone-numbers"
FIRST_FR = "+33184880001"  # the simulator's inventory is the same on every run


@pytest.fixture
def fake(telnyx, settings) -> FakeTelnyx:
    settings.TELNYX_MAX_RETRIES = 0
    return telnyx


@pytest.fixture(autouse=True)
def in_english(request, pizzeria) -> None:
    """Answers follow the request's language, stored errors the store's: English here; the
    French rendering has its own test."""
    for name in ("alice_client", "bob_client", "carol_client"):
        if name in request.fixturenames:
            request.getfixturevalue(name).defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    pizzeria.language = "en"
    pizzeria.save(update_fields=["language"])


@pytest.fixture
def buy(django_capture_on_commit_callbacks) -> Callable[..., dict[str, Any]]:
    """POST auto-purchase, let the queued purchase run (Celery is eager), return the number."""

    def run(client: Client, store_id: int, country: str = "FR", **extra: Any) -> dict[str, Any]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                BUY, {"store_id": store_id, "country_code": country, **extra}, content_type="application/json"
            )
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "PENDING"
        return client.get(f"{NUMBERS}/{response.json()['id']}").json()

    return run


@pytest.fixture
def post(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    def run(client: Client, url: str, body: dict | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, body or {}, content_type="application/json")

    return run


def sent(fake: FakeTelnyx, method: str, path: str) -> list[Any]:
    """Requests the app sent to Telnyx with this method whose path starts with `path`."""
    return [r for r in fake.requests if r.method == method and r.path.startswith(f"/v2/{path}")]


def actions(number_id: int) -> list[str]:
    return list(
        PhoneNumberEvent.objects.filter(phone_number_id=number_id)
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- purchase ---------------------------------------------------------------------------------
def test_a_purchase_creates_our_application_orders_assigns_and_activates_the_number(
    fake, buy, alice, alice_client, pizzeria, settings
):
    bought = buy(alice_client, pizzeria.pk)

    assert bought["status"] == "ACTIVE"
    assert bought["number"] == FIRST_FR
    assert bought["monthly_price"] == "1.00"
    assert bought["activated_at"] is not None
    assert bought["error"] == ""
    [app] = fake.applications.values()
    assert app["application_name"] == settings.TELNYX_APPLICATION_NAME
    assert app["webhook_event_url"] == settings.TELNYX_WEBHOOK_URL
    assert app["webhook_api_version"] == "2"
    [search] = sent(fake, "GET", "available_phone_numbers")
    assert search.query["filter[country_code]"] == "FR"
    assert search.query["filter[features]"] == "voice,sms"
    [order] = sent(fake, "POST", "number_orders")
    assert order.body == {"phone_numbers": [{"phone_number": FIRST_FR}], "connection_id": app["id"]}
    number = PhoneNumber.objects.get(pk=bought["id"])
    assert fake.phone_numbers[number.telnyx_id]["connection_id"] == app["id"]
    assert [r.body for r in sent(fake, "PATCH", "phone_numbers")] == [{"connection_id": app["id"]}]
    assert sent(fake, "GET", f"phone_numbers/{number.telnyx_id}"), "the assignment is read back"
    assert actions(number.pk) == ["purchase_requested", "order_placed", "activated"]
    first_event = PhoneNumberEvent.objects.filter(phone_number=number).order_by("id").first()
    assert first_event.actor == alice


def test_a_second_purchase_reuses_the_application_and_orders_another_number(
    fake, buy, alice_client, pizzeria
):
    first = buy(alice_client, pizzeria.pk)
    second = buy(alice_client, pizzeria.pk)

    assert second["status"] == "ACTIVE"
    assert second["number"] != first["number"]
    assert len(fake.applications) == 1
    assert len(sent(fake, "POST", "call_control_applications")) == 1


def test_the_application_is_found_by_name_when_no_longer_remembered(fake, buy, alice_client, pizzeria):
    buy(alice_client, pizzeria.pk)
    cache.clear()  # a restarted cache: the id is looked up at Telnyx, not created again

    assert buy(alice_client, pizzeria.pk)["status"] == "ACTIVE"
    assert len(sent(fake, "POST", "call_control_applications")) == 1
    assert len(sent(fake, "GET", "call_control_applications")) == 2


@pytest.mark.parametrize(
    ("country", "price"), [("FR", "1.00"), ("GB", "1.20"), ("DE", "1.50"), ("US", "2.00")]
)
def test_the_monthly_price_follows_the_country(fake, buy, alice_client, pizzeria, settings, country, price):
    settings.NUMBER_PRICES = {"FR": "1.00", "GB": "1.20", "DE": "1.50"}  # US falls back on the default
    settings.NUMBER_PRICE_DEFAULT = "2.00"

    bought = buy(alice_client, pizzeria.pk, country)

    assert bought["status"] == "ACTIVE"
    assert bought["country"] == country
    assert bought["monthly_price"] == price


def test_a_refused_order_is_an_error_with_a_reason_and_a_retry_buys_a_number(
    fake, buy, post, alice_client, pizzeria
):
    fake.fail_orders = True
    failed = buy(alice_client, pizzeria.pk)

    assert failed["status"] == "ERROR"
    assert failed["number"] is None  # never ours: the offered number is not held
    assert "refused order" in failed["error"]
    assert "retry" in failed["error"].lower()
    assert actions(failed["id"])[-1] == "purchase_failed"

    fake.fail_orders = False
    retried = post(alice_client, f"{NUMBERS}/{failed['id']}/retry")

    assert retried.status_code == 202
    number = alice_client.get(f"{NUMBERS}/{failed['id']}").json()
    assert number["status"] == "ACTIVE"
    assert number["error"] == ""
    assert len(sent(fake, "POST", "number_orders")) == 2
    assert len(fake.phone_numbers) == 1
    assert actions(failed["id"])[-3:] == ["purchase_retried", "order_placed", "activated"]


def test_no_number_available_in_the_country_is_an_error_that_says_so(fake, buy, alice_client, pizzeria):
    failed = buy(alice_client, pizzeria.pk, "IT")  # the simulator has no Italian inventory

    assert failed["status"] == "ERROR"
    assert "no number with voice + sms available in IT" in failed["error"]
    assert sent(fake, "POST", "number_orders") == []


def test_a_purchase_error_is_written_in_the_stores_language(fake, buy, alice_client, pizzeria):
    pizzeria.language = "fr"
    pizzeria.save(update_fields=["language"])

    failed = buy(alice_client, pizzeria.pk, "IT")

    assert "aucun numéro avec voice + sms disponible pour IT" in failed["error"]


def test_a_telnyx_5xx_on_the_search_is_retried_by_the_sdk(fake, buy, alice_client, pizzeria, settings):
    settings.TELNYX_MAX_RETRIES = 1
    fake.fail_next("available_phone_numbers", status=503)

    bought = buy(alice_client, pizzeria.pk)

    assert bought["status"] == "ACTIVE"
    assert len(sent(fake, "GET", "available_phone_numbers")) == 2


def test_a_telnyx_5xx_after_the_retries_is_an_error_and_a_retry_recovers(
    fake, buy, post, alice_client, pizzeria
):
    fake.fail_next("available_phone_numbers", status=500)

    failed = buy(alice_client, pizzeria.pk)

    assert failed["status"] == "ERROR"
    assert "search for available numbers" in failed["error"]
    assert "retry in a few minutes" in failed["error"]
    post(alice_client, f"{NUMBERS}/{failed['id']}/retry")
    assert alice_client.get(f"{NUMBERS}/{failed['id']}").json()["status"] == "ACTIVE"


def test_a_number_that_does_not_land_on_our_application_is_an_error(
    fake, buy, post, alice_client, pizzeria, monkeypatch
):
    # Telnyx acknowledges the PATCH but the number ends up on no connection.
    real_update = fake.account.update_number
    monkeypatch.setattr(
        fake.account, "update_number", lambda id_, body: real_update(id_, {"connection_id": None})
    )

    failed = buy(alice_client, pizzeria.pk)

    assert failed["status"] == "ERROR"
    assert failed["number"] == FIRST_FR  # bought: it stays ours, and a retry reconnects it
    assert "not on our application" in failed["error"]
    monkeypatch.undo()
    post(alice_client, f"{NUMBERS}/{failed['id']}/retry")
    assert alice_client.get(f"{NUMBERS}/{failed['id']}").json()["status"] == "ACTIVE"
    assert len(sent(fake, "POST", "number_orders")) == 1


def test_an_order_that_never_completes_times_out_and_a_retry_does_not_order_twice(
    fake, buy, post, alice_client, pizzeria, settings
):
    fake.order_polls_until_done = 6
    settings.NUMBER_ORDER_MAX_POLLS = 2

    failed = buy(alice_client, pizzeria.pk)

    assert failed["status"] == "ERROR"
    assert "after 2 checks" in failed["error"]
    assert PhoneNumber.objects.get(pk=failed["id"]).telnyx_order_id
    settings.NUMBER_ORDER_MAX_POLLS = 10
    post(alice_client, f"{NUMBERS}/{failed['id']}/retry")

    assert alice_client.get(f"{NUMBERS}/{failed['id']}").json()["status"] == "ACTIVE"
    assert len(sent(fake, "POST", "number_orders")) == 1
    assert len(sent(fake, "GET", "number_orders/")) == 6


def test_a_stalled_purchase_can_be_retried_but_a_running_one_is_left_alone(
    post, alice_client, pizzeria, settings
):
    stuck = PhoneNumber.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        number="pending-000000000001",
        status=PhoneNumber.Status.PENDING,
    )
    assert post(alice_client, f"{NUMBERS}/{stuck.pk}/retry").status_code == 202
    assert actions(stuck.pk) == [], "still running: nothing to do"

    PhoneNumber.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with FakeTelnyx() as telnyx:
        settings.TELNYX_API_KEY, settings.TELNYX_BASE_URL = telnyx.api_key, telnyx.base_url
        settings.TELNYX_MAX_RETRIES = 0
        post(alice_client, f"{NUMBERS}/{stuck.pk}/retry")

    assert alice_client.get(f"{NUMBERS}/{stuck.pk}").json()["status"] == "ACTIVE"
    assert actions(stuck.pk)[0] == "purchase_retried"


def test_without_a_telnyx_key_the_purchase_fails_with_what_to_do(buy, alice_client, pizzeria):
    failed = buy(alice_client, pizzeria.pk)  # the autouse fixture leaves TELNYX_API_KEY empty

    assert failed["status"] == "ERROR"
    assert "TELNYX_API_KEY" in failed["error"]


def test_several_numbers_per_store_and_per_business(fake, buy, alice_client, pizzeria):
    trattoria = StoreFactory(business=pizzeria.business, name="Trattoria")
    buy(alice_client, pizzeria.pk)
    buy(alice_client, pizzeria.pk, "GB")
    buy(alice_client, trattoria.pk)

    listed = alice_client.get(NUMBERS).json()
    assert listed["count"] == 3
    assert {n["status"] for n in listed["items"]} == {"ACTIVE"}
    only_trattoria = alice_client.get(NUMBERS, {"store_id": trattoria.pk}).json()
    assert [n["store_name"] for n in only_trattoria["items"]] == ["Trattoria"]


# --- suspend, reactivate, release -------------------------------------------------------------
def test_suspend_reactivate_release_are_idempotent_and_leave_an_audit_trail(
    fake, buy, post, alice, alice_client, pizzeria
):
    bought = buy(alice_client, pizzeria.pk)
    number = PhoneNumber.objects.get(pk=bought["id"])
    app_id = number.telnyx_config["connection_id"]
    url = f"{NUMBERS}/{number.pk}"

    for _ in range(2):
        suspended = post(alice_client, f"{url}/suspend")
        assert suspended.status_code == 200
        assert suspended.json()["status"] == "SUSPENDED"
        assert suspended.json()["suspended_at"] is not None
    assert not fake.phone_numbers[number.telnyx_id]["connection_id"], "unassigned at Telnyx"
    assert len(sent(fake, "PATCH", "phone_numbers")) == 2  # the purchase's, then one for suspend

    for _ in range(2):
        reactivated = post(alice_client, f"{url}/reactivate")
        assert reactivated.status_code == 200
        assert reactivated.json()["status"] == "ACTIVE"
    assert fake.phone_numbers[number.telnyx_id]["connection_id"] == app_id
    assert len(sent(fake, "PATCH", "phone_numbers")) == 3

    for _ in range(2):
        released = alice_client.delete(url)
        assert released.status_code == 200
        assert released.json()["status"] == "CANCELLED"
        assert released.json()["cancelled_at"] is not None
    assert number.telnyx_id not in fake.phone_numbers
    assert len(sent(fake, "DELETE", "phone_numbers")) == 1

    events = PhoneNumberEvent.objects.filter(phone_number=number, actor=alice).exclude(
        action="purchase_requested"
    )
    assert [(e.action, e.from_status, e.to_status) for e in events.order_by("id")] == [
        ("suspended", "ACTIVE", "SUSPENDED"),
        ("reactivated", "SUSPENDED", "ACTIVE"),
        ("released", "ACTIVE", "CANCELLED"),
    ]


def test_a_released_number_refuses_every_change_with_a_clear_message(fake, buy, post, alice_client, pizzeria):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"
    alice_client.delete(url)

    refused = post(alice_client, f"{url}/reactivate")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "This number was released; buy a new one.", "code": "conflict"}
    assert post(alice_client, f"{url}/suspend").status_code == 409
    assert post(alice_client, f"{url}/retry").status_code == 409
    patched = alice_client.patch(url, {"forward_to": "+33612345678"}, content_type="application/json")
    assert patched.status_code == 409


def test_impossible_transitions_are_refused(fake, buy, post, alice_client, pizzeria):
    fake.fail_orders = True
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"

    assert post(alice_client, f"{url}/suspend").json()["detail"] == "Only an active number can be suspended."
    assert post(alice_client, f"{url}/reactivate").status_code == 409
    fake.fail_orders = False
    post(alice_client, f"{url}/retry")
    assert post(alice_client, f"{url}/retry").json()["detail"] == "Only a purchase in error can be retried."


def test_suspend_still_stops_calls_when_telnyx_is_down(fake, buy, post, alice_client, pizzeria):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"
    fake.fail_next("phone_numbers.update", status=500)

    suspended = post(alice_client, f"{url}/suspend")

    assert suspended.json()["status"] == "SUSPENDED"  # the call loop refuses calls on our side
    event = PhoneNumberEvent.objects.filter(action="suspended").get()
    assert "Telnyx still routes calls to us" in event.detail


def test_reactivation_waits_for_telnyx_and_changes_nothing_when_it_fails(
    fake, buy, post, alice_client, pizzeria
):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"
    post(alice_client, f"{url}/suspend")
    fake.fail_next("phone_numbers.update", status=500)

    refused = post(alice_client, f"{url}/reactivate")

    assert refused.status_code == 502
    assert refused.json()["code"] == "telnyx_unavailable"
    assert alice_client.get(url).json()["status"] == "SUSPENDED"


def test_releasing_a_failed_purchase_whose_order_went_through_releases_that_number_too(
    fake, buy, alice_client, pizzeria, settings
):
    fake.order_polls_until_done = 5
    settings.NUMBER_ORDER_MAX_POLLS = 1
    failed = buy(alice_client, pizzeria.pk)
    assert failed["status"] == "ERROR"
    fake.order_polls_until_done = 1  # Telnyx completes the order after all

    released = alice_client.delete(f"{NUMBERS}/{failed['id']}")

    assert released.json()["status"] == "CANCELLED"
    assert fake.phone_numbers == {}
    assert len(sent(fake, "DELETE", "phone_numbers")) == 1


def test_billing_suspends_a_stores_numbers_and_brings_back_only_those_it_suspended(
    fake, buy, post, alice_client, pizzeria
):
    by_owner = buy(alice_client, pizzeria.pk)
    by_billing = buy(alice_client, pizzeria.pk)
    post(alice_client, f"{NUMBERS}/{by_owner['id']}/suspend")

    assert [n.pk for n in numbers.suspend_for_store(pizzeria)] == [by_billing["id"]]
    assert PhoneNumber.objects.get(pk=by_billing["id"]).status == PhoneNumber.Status.SUSPENDED
    assert [n.pk for n in numbers.reactivate_for_store(pizzeria)] == [by_billing["id"]]

    statuses = dict(PhoneNumber.objects.values_list("pk", "status"))
    assert statuses == {by_owner["id"]: "SUSPENDED", by_billing["id"]: "ACTIVE"}
    billing_event = PhoneNumberEvent.objects.get(phone_number_id=by_billing["id"], action="suspended")
    assert billing_event.actor is None
    assert billing_event.detail == "The subscription is not in good standing."


def test_an_owner_cannot_reactivate_or_buy_while_the_subscription_is_unpaid(
    fake, buy, post, alice_client, pizzeria
):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"
    post(alice_client, f"{url}/suspend")
    Subscription.objects.create(store=pizzeria, business=pizzeria.business, status=Subscription.Status.UNPAID)

    refused = post(alice_client, f"{url}/reactivate")
    assert refused.status_code == 409
    assert refused.json()["code"] == "subscription_inactive"
    blocked = post(alice_client, BUY, {"store_id": pizzeria.pk, "country_code": "FR"})
    assert blocked.status_code == 409


# --- settings of a number ---------------------------------------------------------------------
def test_forwarding_and_store_can_be_changed(fake, buy, alice_client, pizzeria):
    trattoria = StoreFactory(business=pizzeria.business, name="Trattoria")
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"

    changed = alice_client.patch(
        url, {"forward_to": "06 12 34 56 78", "store_id": trattoria.pk}, content_type="application/json"
    )

    assert changed.status_code == 200
    assert changed.json()["forward_to"] == "+33612345678"
    assert changed.json()["store_name"] == "Trattoria"
    cleared = alice_client.patch(url, {"forward_to": ""}, content_type="application/json")
    assert cleared.json()["forward_to"] == ""
    assert cleared.json()["store_name"] == "Trattoria"
    assert PhoneNumberEvent.objects.filter(action="updated").count() == 2


def test_a_store_of_another_business_is_refused(fake, buy, alice_client, pizzeria, salon):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"

    refused = alice_client.patch(url, {"store_id": salon.pk}, content_type="application/json")

    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "store_id", "message": "Choose one of this business's stores."}
    ]


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize("country", ["XX", "FRA", "", "1"])
def test_a_bad_country_is_422_naming_the_field(alice_client, pizzeria, country):
    response = alice_client.post(
        BUY, {"store_id": pizzeria.pk, "country_code": country}, content_type="application/json"
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["country_code"]
    assert not PhoneNumber.objects.exists()


def test_an_unknown_feature_is_422(alice_client, pizzeria):
    response = alice_client.post(
        BUY,
        {"store_id": pizzeria.pk, "country_code": "FR", "features": ["teleport"]},
        content_type="application/json",
    )
    assert response.status_code == 422


@pytest.mark.parametrize("forward_to", ["hello", "+33 1", "12"])
def test_a_bad_forward_to_is_422(fake, buy, alice_client, pizzeria, forward_to):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"

    response = alice_client.patch(url, {"forward_to": forward_to}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "forward_to"
    assert "phone number" in response.json()["errors"][0]["message"]


def test_a_bad_status_filter_is_422(alice_client):
    assert alice_client.get(NUMBERS, {"status": "SLEEPING"}).status_code == 422


# --- tenancy and roles ------------------------------------------------------------------------
def number_routes() -> list[tuple[str, str]]:
    return [
        ("GET", "{url}"),
        ("PATCH", "{url}"),
        ("POST", "{url}/suspend"),
        ("POST", "{url}/reactivate"),
        ("POST", "{url}/retry"),
        ("DELETE", "{url}"),
    ]


def test_the_walk_covers_every_number_route():
    from kalliky.api import api

    with_id = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            if "{number_id}" in path and prefix.strip("/") == "telnyx":
                with_id.update((m, path) for op in path_view.operations for m in op.methods)
    walked = {(m, t.replace("{url}", "/phone-numbers/{number_id}")) for m, t in number_routes()}
    assert with_id == walked


def test_carol_gets_404_on_every_route_with_alices_number(
    fake, buy, alice_client, carol_client, pizzeria, salon
):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"

    for method, template in number_routes():
        body = '{"forward_to": "+33612345678"}' if method == "PATCH" else ""
        response = carol_client.generic(
            method, template.format(url=url), body, content_type="application/json"
        )
        assert response.status_code == 404, f"{method} {template}"
        assert response.json()["code"] == "not_found"
    bought_for_alice = carol_client.post(
        BUY, {"store_id": pizzeria.pk, "country_code": "FR"}, content_type="application/json"
    )
    assert bought_for_alice.status_code == 404
    assert carol_client.get(NUMBERS).json() == {"items": [], "count": 0}
    assert PhoneNumber.objects.get().status == PhoneNumber.Status.ACTIVE


def test_staff_may_list_numbers_but_not_change_them(fake, buy, alice_client, bob_client, pizzeria):
    url = f"{NUMBERS}/{buy(alice_client, pizzeria.pk)['id']}"

    assert bob_client.get(NUMBERS).json()["count"] == 1
    assert bob_client.get(url).status_code == 200
    assert bob_client.post(f"{url}/suspend").status_code == 403
    assert bob_client.delete(url).status_code == 403
    refused = bob_client.post(
        BUY, {"store_id": pizzeria.pk, "country_code": "FR"}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"


def test_anonymous_requests_are_401(client):
    assert client.get(NUMBERS).status_code == 401


# --- list -------------------------------------------------------------------------------------
def test_the_list_is_paginated_filtered_and_takes_few_queries(
    alice_client, pizzeria, django_assert_max_num_queries
):
    for n in range(7):
        PhoneNumber.objects.create(
            business=pizzeria.business,
            store=pizzeria,
            number=f"+3318488{n:04d}",
            status=PhoneNumber.Status.ACTIVE if n % 2 else PhoneNumber.Status.SUSPENDED,
        )

    with django_assert_max_num_queries(5):
        page = alice_client.get(NUMBERS, {"limit": 3, "offset": 3}).json()
    assert page["count"] == 7
    assert len(page["items"]) == 3
    suspended = alice_client.get(NUMBERS, {"status": "SUSPENDED", "store_id": pizzeria.pk}).json()
    assert suspended["count"] == 4
