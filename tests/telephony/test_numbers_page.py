"""The numbers page: lists, empty state, and its POST forms, which drive the same services as
the API (against the Telnyx simulator)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from telephony.models import PhoneNumber, PhoneNumberEvent
from tests.fakes.telnyx import FakeTelnyx

pytestmark = pytest.mark.django_db

PAGE = "/numbers/"


@pytest.fixture
def fake(telnyx, settings) -> FakeTelnyx:
    settings.TELNYX_MAX_RETRIES = 0
    return telnyx


@pytest.fixture
def submit(django_capture_on_commit_callbacks) -> Callable[..., Any]:
    """POST a page form and follow the redirect, letting queued work run (Celery is eager)."""

    def run(client: Client, url: str, data: dict | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {})
        assert response.status_code == 302, response.content
        return client.get(response["Location"])

    return run


@pytest.fixture
def english(alice_client, pizzeria) -> Client:
    """Pages follow the request's language, stored purchase errors the store's."""
    alice_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    pizzeria.language = "en"
    pizzeria.save(update_fields=["language"])
    return alice_client


def active_number(
    submit: Callable[..., Any], client: Client, store_id: int, country: str = "FR"
) -> PhoneNumber:
    submit(client, "/numbers/buy/", {"store_id": store_id, "country_code": country})
    return PhoneNumber.objects.order_by("-id").first()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_empty_state_says_what_to_do_next(english, pizzeria):
    response = english.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "No phone number yet." in html
    assert "Choose a store and a country above" in html
    assert f'<option value="{pizzeria.pk}"' in html  # the buy form offers alice's store
    assert 'name="csrfmiddlewaretoken"' in html


def test_staff_see_who_can_buy_a_number(bob_client, pizzeria):
    bob_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = bob_client.get(PAGE).content.decode()

    assert "Only an owner or a manager of the business can buy a number" in html
    assert "/numbers/buy/" not in html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_page_renders_in_french_and_english(alice_client, pizzeria, language):
    response = alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()


def test_buying_from_the_page_shows_the_active_number_with_its_price(fake, submit, english, pizzeria):
    page = submit(english, "/numbers/buy/", {"store_id": pizzeria.pk, "country_code": "GB", "next": PAGE})

    html = page.content.decode()
    number = PhoneNumber.objects.get()
    assert number.status == PhoneNumber.Status.ACTIVE
    assert "Buying a number for Pizzeria Alice" in html
    assert number.number in html
    assert "Active" in html
    assert "1.20 €" in html
    assert "Pizzeria Alice" in html
    assert f'action="/numbers/{number.pk}/suspend/"' in html


def test_a_failed_purchase_shows_its_reason_and_a_retry_button_that_works(fake, submit, english, pizzeria):
    fake.fail_orders = True
    html = submit(english, "/numbers/buy/", {"store_id": pizzeria.pk, "country_code": "FR"}).content.decode()
    number = PhoneNumber.objects.get()

    assert number.status == PhoneNumber.Status.ERROR
    assert "Number being chosen" in html
    assert "refused order" in html
    assert f'action="/numbers/{number.pk}/retry/"' in html

    fake.fail_orders = False
    html = submit(english, f"/numbers/{number.pk}/retry/").content.decode()
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.ACTIVE
    assert "The purchase runs again" in html


def test_suspend_reactivate_and_release_with_confirmation_from_the_page(
    fake, submit, english, alice, pizzeria
):
    number = active_number(submit, english, pizzeria.pk)

    html = submit(english, f"/numbers/{number.pk}/suspend/").content.decode()
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.SUSPENDED
    assert f"{number.number} is suspended." in html
    assert "Callers hear that the service is unavailable." in html

    submit(english, f"/numbers/{number.pk}/reactivate/")
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.ACTIVE

    confirm = english.get(f"/numbers/{number.pk}/release/")
    assert confirm.status_code == 200
    assert f"Release {number.number}?" in confirm.content.decode()
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.ACTIVE, "asking is not releasing"

    html = submit(english, f"/numbers/{number.pk}/release/", {"next": PAGE}).content.decode()
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.CANCELLED
    assert "is released; it is no longer billed" in html
    assert fake.phone_numbers == {}
    assert list(
        PhoneNumberEvent.objects.filter(phone_number=number, actor=alice)
        .exclude(action="purchase_requested")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["suspended", "reactivated", "released"]


def test_a_failed_purchase_without_a_number_is_cancelled_not_released(fake, submit, english, pizzeria):
    fake.fail_orders = True
    html = submit(english, "/numbers/buy/", {"store_id": pizzeria.pk, "country_code": "FR"}).content.decode()
    number = PhoneNumber.objects.get()
    assert "Cancel the purchase…" in html

    assert "Cancel this purchase?" in english.get(f"/numbers/{number.pk}/release/").content.decode()
    html = submit(english, f"/numbers/{number.pk}/release/").content.decode()

    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.CANCELLED
    assert "The purchase is cancelled." in html
    assert not [r for r in fake.requests if r.method == "DELETE"], "nothing was bought, nothing to release"


def test_an_impossible_action_is_explained_not_crashed(fake, submit, english, pizzeria):
    number = active_number(submit, english, pizzeria.pk)
    submit(english, f"/numbers/{number.pk}/release/")

    html = submit(english, f"/numbers/{number.pk}/reactivate/").content.decode()

    assert "This number was released; buy a new one." in html


def test_a_bad_country_from_the_form_is_a_message_not_a_number(submit, english, pizzeria):
    html = submit(english, "/numbers/buy/", {"store_id": pizzeria.pk, "country_code": "ZZ"}).content.decode()

    assert "Choose a country that has phone numbers" in html
    assert not PhoneNumber.objects.exists()


def test_next_never_leaves_the_numbers_page(fake, english, pizzeria):
    response = english.post(
        "/numbers/buy/", {"store_id": pizzeria.pk, "country_code": "ZZ", "next": "https://evil.example/"}
    )
    assert response["Location"] == PAGE


def test_carol_cannot_see_or_act_on_alices_numbers(fake, submit, english, carol_client, pizzeria):
    number = active_number(submit, english, pizzeria.pk)

    assert number.number not in carol_client.get(PAGE).content.decode()
    for action in ("suspend", "reactivate", "retry", "release"):
        assert carol_client.post(f"/numbers/{number.pk}/{action}/").status_code == 404
    assert carol_client.get(f"/numbers/{number.pk}/release/").status_code == 404
    assert carol_client.get(PAGE, {"store": pizzeria.pk}).status_code == 404
    assert (
        carol_client.post("/numbers/buy/", {"store_id": pizzeria.pk, "country_code": "FR"}).status_code == 404
    )
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.ACTIVE


def test_staff_see_numbers_without_buttons_and_cannot_post(fake, submit, english, bob_client, pizzeria):
    number = active_number(submit, english, pizzeria.pk)

    html = bob_client.get(PAGE).content.decode()
    assert number.number in html
    assert "/suspend/" not in html
    assert bob_client.post(f"/numbers/{number.pk}/suspend/").status_code == 403


def test_the_list_is_paginated_with_a_bounded_number_of_queries(
    english, pizzeria, django_assert_max_num_queries
):
    for n in range(25):
        PhoneNumber.objects.create(
            business=pizzeria.business,
            store=pizzeria,
            number=f"+3318488{n:04d}",
            status=PhoneNumber.Status.ACTIVE,
        )

    with django_assert_max_num_queries(12):
        first = english.get(PAGE).content.decode()
    assert "Page 1 of 2" in first
    assert "+33184880024" in first  # newest first
    second = english.get(PAGE, {"page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert "+33184880000" in second


def test_the_store_switch_narrows_the_list(english, pizzeria):
    from tests.factories import StoreFactory

    trattoria = StoreFactory(business=pizzeria.business, name="Trattoria")
    PhoneNumber.objects.create(business=pizzeria.business, store=pizzeria, number="+33184880001")
    PhoneNumber.objects.create(business=pizzeria.business, store=trattoria, number="+33184880002")

    html = english.get(PAGE, {"store": trattoria.pk}).content.decode()

    assert "+33184880002" in html
    assert "+33184880001" not in html


def test_forwarding_is_set_and_cleared_from_the_page(alice_client, pizzeria):
    from telephony.models import PhoneNumber

    number = PhoneNumber.objects.create(
        business=pizzeria.business, store=pizzeria, number="+33100000009", status=PhoneNumber.Status.ACTIVE
    )
    alice_client.post(f"/numbers/{number.pk}/forward/", {"forward_to": "06 12 34 56 78"})
    number.refresh_from_db()
    assert number.forward_to == "+33612345678"
    refused = alice_client.post(
        f"/numbers/{number.pk}/forward/", {"forward_to": "nope"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Write the forwarding number like" in refused.content.decode()
    alice_client.post(f"/numbers/{number.pk}/forward/", {"forward_to": ""})
    number.refresh_from_db()
    assert number.forward_to == "" and number.events.filter(action="updated").count() == 2
