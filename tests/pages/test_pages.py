from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from stores.models import Order
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


@pytest.mark.parametrize(("language", "link"), [("fr", "Créez-en un"), ("en", "Create one")])
def test_create_an_account_leads_to_the_signup(language, link):
    # One way to sign up: the login page's link and the old register address both lead to the
    # signup (plan, first store, then the setup wizard).
    html = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/").content.decode()
    assert f'href="/billing/signup/">{link}</a>' in html
    for method in ("get", "post"):
        response = getattr(Client(), method)("/accounts/register/")
        assert response.status_code == 302 and response["Location"] == "/billing/signup/"
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


@pytest.mark.parametrize(
    ("language", "button"), [("fr", "Créer mon premier établissement"), ("en", "Set up my first store")]
)
def test_home_sends_an_owner_without_a_store_to_the_signup(alice_client, language, button):
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'href="/billing/signup/"' in html and button in html
    assert "/api/" not in html  # no page tells an owner to call the API


def test_home_says_to_call_the_number_when_no_calls_today(alice_client, pizzeria):
    PhoneNumber.objects.create(
        business=pizzeria.business, store=pizzeria, number="+33100000001", status=PhoneNumber.Status.ACTIVE
    )
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No calls today — call +33100000001" in html


def _add_store_with_activity(business, n: int) -> None:
    store = StoreFactory(business=business, timezone=("Europe/Paris", "America/Toronto")[n % 2])
    number = PhoneNumber.objects.create(business=business, store=store, number=f"+331000001{n:02d}")
    OrderFactory(store=store)
    Call.objects.create(
        business=business,
        store=store,
        phone_number=number,
        call_control_id=f"v3:n{n}",
        from_number="+33612345678",
        to_number=number.number,
        started_at=timezone.now(),
    )


def _queries_for_home(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_home_query_count_does_not_grow_with_stores(alice_client, alice_business):
    _add_store_with_activity(alice_business, 0)
    with_one_store = _queries_for_home(alice_client)
    for n in range(1, 12):
        _add_store_with_activity(alice_business, n)

    with_twelve_stores = _queries_for_home(alice_client)

    assert with_twelve_stores == with_one_store
    # session, user, store switch, stores, numbers, calls, orders; the dashboard: orders and calls
    # over both periods, the two charts, the latest calls and orders; the unfinished-setup nudge;
    # the public-holiday nudge (the businesses managed, then, when a holiday is ahead, decisions,
    # closed dates and special hours)
    assert with_one_store <= 18
    cards = alice_client.get("/").context["cards"]
    assert [(c.calls_today, c.orders_today) for c in cards] == [(1, 1)] * 12


def test_today_is_each_stores_own_local_day(alice_client, alice_business, pizzeria, monkeypatch):
    # 23:30 UTC on 10 March 2026: already the 11th in Paris (UTC+1), still the 10th in Toronto (UTC-4).
    now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    monkeypatch.setattr("telephony.selectors.timezone", SimpleNamespace(now=lambda: now))
    toronto = StoreFactory(business=alice_business, name="Pizzeria Toronto", timezone="America/Toronto")
    moments = {
        "paris-today": (pizzeria, datetime(2026, 3, 10, 23, 15, tzinfo=UTC)),
        "paris-yesterday": (pizzeria, datetime(2026, 3, 10, 22, 45, tzinfo=UTC)),
        "toronto-today-1": (toronto, datetime(2026, 3, 10, 23, 15, tzinfo=UTC)),
        "toronto-today-2": (toronto, datetime(2026, 3, 10, 4, 0, tzinfo=UTC)),
        "toronto-yesterday": (toronto, datetime(2026, 3, 10, 3, 59, tzinfo=UTC)),
    }
    for ref, (store, started_at) in moments.items():
        Call.objects.create(
            business=alice_business,
            store=store,
            call_control_id=ref,
            from_number="+33612345678",
            to_number="+33100000001",
            started_at=started_at,
        )
        order = OrderFactory(store=store)
        Order.objects.filter(pk=order.pk).update(created_at=started_at)

    cards = {c.store.name: c for c in alice_client.get("/").context["cards"]}

    assert (cards["Pizzeria Alice"].calls_today, cards["Pizzeria Alice"].orders_today) == (1, 1)
    assert (cards["Pizzeria Toronto"].calls_today, cards["Pizzeria Toronto"].orders_today) == (2, 2)


def test_bob_sees_the_store_he_works_at(bob, pizzeria):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bob)
    assert "Pizzeria Alice" in client.get("/").content.decode()


def test_home_speaks_french(alice_client, pizzeria):
    html = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vos établissements" in html
    assert "Appels aujourd'hui" in html


def test_the_store_switch_lists_my_stores_and_narrows_the_home_page(
    alice_client, alice_business, pizzeria, salon
):
    # No country: no public-holiday nudge naming it, whatever today's date (tests/stores/test_holidays.py).
    StoreFactory(business=alice_business, name="Pizzeria Gare", country="")

    everything = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    narrowed = alice_client.get(f"/?store={pizzeria.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert 'id="store-switch"' in everything
    assert everything.count("Pizzeria Gare") == 2  # in the switch and as a card
    assert "Salon Carol" not in everything
    assert [card.store.name for card in narrowed.context["cards"]] == ["Pizzeria Alice"]
    assert "Show all stores" in narrowed.content.decode()


def test_the_store_switch_answers_404_for_carols_store(alice_client, pizzeria, salon):
    assert alice_client.get(f"/?store={salon.pk}").status_code == 404
    assert alice_client.get("/?store=not-a-number").status_code == 404


def test_the_language_cookie_picks_english_over_the_browsers_french():
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.cookies["django_language"] = "en"
    assert "Log in to Kalliky" in client.get("/accounts/login/").content.decode()


def test_the_language_switcher_remembers_the_choice():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    html = client.get("/accounts/login/").content.decode()
    assert "Connexion à Kalliky" in html
    assert 'action="/i18n/setlang/"' in html


def test_the_login_page_explains_wrong_credentials_in_french(alice):
    response = Client().post("/accounts/login/", {"email": alice.email, "password": "nope"})
    assert response.status_code == 401
    assert "E-mail ou mot de passe incorrect." in response.content.decode()
