from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from telephony.models import Call, PhoneNumber
from tests.conftest import PASSWORD
from tests.factories import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.parametrize(
    ("language", "title", "button"),
    [("fr", "Connexion à Kalliky", "Se connecter"), ("en", "Log in to Kalliky", "Log in")],
)
def test_login_page_speaks_french_and_english(language, title, button):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert title in html
    assert button in html
    assert f'<html lang="{language}"' in html


def test_login_page_logs_in_and_follows_next(alice):
    client = Client()
    response = client.post("/accounts/login/", {"email": alice.email, "password": PASSWORD, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_page_refuses_an_external_next(alice):
    response = Client().post(
        "/accounts/login/", {"email": alice.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_login_page_shows_the_lock_after_five_failures(alice):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        assert client.post("/accounts/login/", {"email": alice.email, "password": "bad"}).status_code == 401
    response = client.post("/accounts/login/", {"email": alice.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_register_page_creates_the_account_and_lands_on_the_dashboard():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/register/",
        {
            "first_name": "Eve",
            "email": "eve@bakery.test",
            "password": "Croissant-Chaud-2026",
            "phone": "+33 6 11 22 33 44",
            "business_name": "Boulangerie Eve",
            "business_type": "retail",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert User.objects.get(email="eve@bakery.test").phone == "+33611223344"
    assert "No store yet." in response.content.decode()


def test_register_page_shows_field_errors():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/register/",
        {
            "first_name": "Eve",
            "email": "eve@bakery.test",
            "password": "123",
            "phone": "abc",
            "business_name": "B",
            "business_type": "retail",
        },
    )
    assert response.status_code == 422
    assert "not a phone number" in response.content.decode()
    assert not User.objects.exists()


def test_logout_needs_a_post_and_ends_the_session(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
    assert alice_client.post("/accounts/logout/").status_code == 302
    assert alice_client.get("/").status_code == 302


def test_home_lists_my_stores_with_numbers_and_todays_activity_but_not_carols(alice_client, pizzeria, salon):
    PhoneNumber.objects.create(
        business=pizzeria.business, store=pizzeria, number="+33100000001", status=PhoneNumber.Status.ACTIVE
    )
    OrderFactory(store=pizzeria)
    Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="v3:abc",
        from_number="+33612345678",
        to_number="+33100000001",
        started_at=timezone.now(),
    )
    Call.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        call_control_id="v3:old",
        from_number="+33612345678",
        to_number="+33100000001",
        started_at=timezone.now() - timedelta(days=2),
    )

    response = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "Pizzeria Alice" in html
    assert "+33100000001" in html
    assert response.context["cards"][0].calls_today == 1
    assert response.context["cards"][0].orders_today == 1
    assert "Salon Carol" not in html


def test_home_says_what_to_do_when_there_is_no_store(alice_client):
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No store yet." in html
    assert "/api/docs" in html


def test_home_says_to_call_the_number_when_no_calls_today(alice_client, pizzeria):
    PhoneNumber.objects.create(
        business=pizzeria.business, store=pizzeria, number="+33100000001", status=PhoneNumber.Status.ACTIVE
    )
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No calls today — call +33100000001" in html


def test_home_query_count_does_not_grow_with_stores(
    alice_client, alice_business, django_assert_max_num_queries
):
    for n in range(12):
        store = StoreFactory(business=alice_business)
        PhoneNumber.objects.create(business=alice_business, store=store, number=f"+331000001{n:02d}")
        OrderFactory(store=store)
    with django_assert_max_num_queries(8):
        response = alice_client.get("/")
    assert len(response.context["cards"]) == 12
