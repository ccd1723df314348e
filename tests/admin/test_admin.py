from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import User
from kalliky import inbox
from telephony.models import TelnyxEvent
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("staff@kalliky.test", "pw-Staff-2026!"))
    return client


def admin_url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_has_a_working_changelist_and_add_page(staff_client, pizzeria):
    models = list(admin.site._registry)
    assert len(models) >= 30
    for model, model_admin in admin.site._registry.items():
        assert staff_client.get(admin_url(model, "changelist")).status_code == 200, model
        if model_admin.has_add_permission(
            type("R", (), {"user": User(is_superuser=True, is_active=True, is_staff=True)})
        ):
            assert staff_client.get(admin_url(model, "add")).status_code == 200, model


def test_every_domain_model_is_registered():
    from django.apps import apps

    for app in ("accounts", "stores", "telephony", "ai", "billing", "notifications"):
        for model in apps.get_app_config(app).get_models():
            assert model in admin.site._registry, model


def test_order_changelist_queries_do_not_grow_with_rows(
    staff_client, pizzeria, django_assert_max_num_queries
):
    for n in range(40):
        OrderItemFactory(order=OrderFactory(store=pizzeria, number=n + 1))
    with django_assert_max_num_queries(12):
        response = staff_client.get(admin_url(OrderFactory._meta.model, "changelist"))
    assert response.status_code == 200


def test_business_owners_cannot_open_the_admin(alice_client):
    response = alice_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_replay_action_reprocesses_a_dead_event(staff_client):
    event = TelnyxEvent.objects.create(
        event_id="ev-dead",
        event_type="call.hangup",
        payload={},
        status=inbox.EventStatus.DEAD,
        attempts=5,
        last_error="RuntimeError: boom",
    )
    real_handler = inbox.handler_for(TelnyxEvent)
    inbox.register_handler(TelnyxEvent, lambda e: None)
    try:
        response = staff_client.post(
            admin_url(TelnyxEvent, "changelist"),
            {"action": "replay_events", "_selected_action": [event.pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    finally:
        inbox.register_handler(TelnyxEvent, real_handler)
    event.refresh_from_db()
    assert event.status == inbox.EventStatus.PROCESSED
    assert event.attempts == 1
    assert "1 of 1 event processed" in response.content.decode()


def test_replay_action_warns_when_no_handler_is_registered(staff_client, no_telnyx_handler):
    event = TelnyxEvent.objects.create(
        event_id="ev-orphan", event_type="call.hangup", payload={}, status=inbox.EventStatus.DEAD, attempts=5
    )
    response = staff_client.post(
        admin_url(TelnyxEvent, "changelist"),
        {"action": "replay_events", "_selected_action": [event.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    event.refresh_from_db()
    assert event.status == inbox.EventStatus.DEAD
    assert "No handler is registered" in response.content.decode()


def test_dead_events_are_filterable(staff_client):
    TelnyxEvent.objects.create(
        event_id="a", event_type="call.hangup", payload={}, status="dead", last_error="x"
    )
    TelnyxEvent.objects.create(event_id="b", event_type="call.hangup", payload={}, status="processed")
    response = staff_client.get(admin_url(TelnyxEvent, "changelist") + "?status__exact=dead")
    assert response.context["cl"].result_count == 1


def test_the_admin_speaks_french_by_default(staff_client, no_telnyx_handler):
    event = TelnyxEvent.objects.create(
        event_id="ev-fr", event_type="call.hangup", payload={}, status=inbox.EventStatus.DEAD, attempts=5
    )
    response = staff_client.post(
        admin_url(TelnyxEvent, "changelist"),
        {"action": "replay_events", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "Aucun traitement n&#x27;est enregistré pour événements Telnyx" in response.content.decode()
