"""The dashboard page "Test your assistant" (the chat itself is in test_chat_ws.py)."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from accounts.models import User
from stores.models import Store
from tests.factories import closed_until, open_around_now

pytestmark = pytest.mark.django_db


def page(store: Store) -> str:
    return f"/stores/{store.pk}/assistant/test/"


def english_client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_owner_sees_the_page_in_french(alice_client, pizzeria):
    response = alice_client.get(page(pizzeria))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr"' in html
    assert "Pizzeria Alice" in html
    assert "Bac à sable" in html
    assert "Test réel" in html
    assert "Nouvelle conversation" in html
    assert "Aucun message pour l'instant" in html
    assert f'data-ws-path="/ws/stores/{pizzeria.pk}/assistant/"' in html


def test_owner_sees_the_page_in_english(alice, alice_business, pizzeria):
    html = english_client(alice).get(page(pizzeria)).content.decode()
    assert '<html lang="en"' in html
    assert "Test your assistant" in html
    assert "Sandbox" in html
    assert "New conversation" in html
    assert "No message yet." in html


def test_the_language_cookie_wins_over_the_browser(alice, alice_business, pizzeria):
    client = english_client(alice)
    client.cookies["django_language"] = "fr"
    assert "Nouvelle conversation" in client.get(page(pizzeria)).content.decode()


def test_owner_may_switch_to_live(alice_client, pizzeria):
    html = alice_client.get(page(pizzeria)).content.decode()
    assert '<input type="checkbox" id="chat-live" aria-describedby="chat-live-help">' in html
    assert "Seul un propriétaire ou un gérant de cette entreprise" not in html


def test_staff_gets_sandbox_only(bob_client, pizzeria):
    response = bob_client.get(page(pizzeria))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<input type="checkbox" id="chat-live" disabled' in html
    assert "Seul un propriétaire ou un gérant de cette entreprise peut lancer un test réel." in html


def test_openai_is_disabled_and_explained_without_a_key(alice, alice_business, pizzeria):
    html = english_client(alice).get(page(pizzeria)).content.decode()
    assert '<option value="openai" disabled>OpenAI</option>' in html
    assert "no OpenAI API key is configured" in html


def test_openai_is_offered_with_a_key(alice, alice_business, pizzeria, settings):
    settings.OPENAI_API_KEY = "sk-test"
    html = english_client(alice).get(page(pizzeria)).content.decode()
    assert '<option value="openai"' in html
    assert 'value="openai" disabled' not in html
    assert "no OpenAI API key is configured" not in html


def test_page_says_javascript_is_needed_without_it(alice_client, pizzeria):
    html = alice_client.get(page(pizzeria)).content.decode()
    assert "<noscript>" in html
    assert "besoin de JavaScript" in html
    assert 'id="assistant-chat" class="hidden"' in html
    assert "/static/js/assistant_chat.js" in html


def test_carol_cannot_see_alices_test_page(carol_client, pizzeria):
    assert carol_client.get(page(pizzeria)).status_code == 404


def test_an_unknown_store_is_not_found(alice_client):
    assert alice_client.get("/stores/999999/assistant/test/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(pizzeria):
    response = Client().get(page(pizzeria))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={page(pizzeria)}"


def test_a_closed_store_pretends_it_is_its_next_opening(alice, alice_business, pizzeria):
    opens = closed_until(pizzeria)
    html = english_client(alice).get(page(pizzeria)).content.decode()
    assert f'id="chat-now" type="datetime-local" value="{opens:%Y-%m-%dT11:00}"' in html
    when = f"{opens:%A} {opens.day} {opens:%B} 11:00"
    assert f"The store is closed now; the chat pretends it is {when}." in html


def test_the_closed_store_line_speaks_french(alice_client, pizzeria):
    closed_until(pizzeria)
    html = unescape(alice_client.get(page(pizzeria)).content.decode())
    assert "L'établissement est fermé en ce moment ; le chat fait comme s'il était " in html
    assert "Faire comme s'il était (bac à sable uniquement)" in html


def test_an_open_store_chats_on_the_real_clock(alice_client, pizzeria):
    open_around_now(pizzeria)
    html = alice_client.get(page(pizzeria)).content.decode()
    assert 'id="chat-now" type="datetime-local" value=""' in html
    assert "chat-now-closed" not in html


def test_dashboard_links_each_store_to_its_test_page(alice_client, pizzeria):
    html = alice_client.get("/").content.decode()
    assert f'href="{page(pizzeria)}"' in html
    assert "Tester l'assistant" in html


def test_page_runs_a_bounded_number_of_queries(alice_client, pizzeria, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert alice_client.get(page(pizzeria)).status_code == 200


def test_selftest_report_is_on_the_store_page_and_owners_can_run_it(db):
    from django.core.management import call_command

    from ai.models import AssistantSelfTest
    from stores.models import Store

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    store = Store.objects.get(slug="pizzeria-bella-napoli")
    owner = User.objects.get(email="demo@kalliky.local")
    client = Client()
    client.force_login(owner)
    page = client.get(f"/stores/{store.pk}/assistant/test/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'id="selftest-empty"' in page.content
    response = client.post(f"/stores/{store.pk}/assistant/selftest/")
    assert response.status_code == 302 and response["Location"].endswith("#selftest")
    report = AssistantSelfTest.objects.get(store=store)
    assert report.status in ("passed", "failed") and report.total >= 5
    page = client.get(f"/stores/{store.pk}/assistant/test/", HTTP_ACCEPT_LANGUAGE="en")
    assert f"{report.passed} of {report.total} scenarios passed".encode() in page.content
    staff = User.objects.create_user(email="staff@demo.test", password="x-long-password-42")
    from accounts.models import Membership

    Membership.objects.create(user=staff, business=store.business, role=Membership.Role.STAFF)
    client.force_login(staff)
    assert client.post(f"/stores/{store.pk}/assistant/selftest/").status_code == 403
