"""Configurations and store settings through the API: what alice may change, what is refused
and why, and that nothing is half-written."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.models import NotificationConfig, NotificationTemplate, StoreNotificationSettings
from notifications.outbox import Outgoing, enqueue
from tests.notifications.conftest import api

pytestmark = pytest.mark.django_db
URL = "/api/app/notifications/configs"


def test_alice_lists_her_stores_configurations(alice_client, pizzeria, salon):
    listed = alice_client.get(URL, {"store_id": pizzeria.pk, "limit": 5})

    assert listed.status_code == 200
    assert listed.json()["count"] == 11
    assert len(listed.json()["items"]) == 5
    everything = alice_client.get(URL).json()
    assert {c["store_id"] for c in everything["items"]} == {pizzeria.pk}
    orders = alice_client.get(URL, {"action_type": "new_order"}).json()["items"]
    assert [(c["action_type"], c["channel"]) for c in orders] == [("new_order", "email")]


def test_alice_adds_a_webhook_and_texts_for_complaints(alice_client, pizzeria):
    webhook = api(
        alice_client,
        "POST",
        URL,
        {
            "store_id": pizzeria.pk,
            "action_type": "new_order",
            "channel": "webhook",
            "recipients": ["https://pos.example.com/kalliky"],
        },
    )
    texts = api(
        alice_client,
        "POST",
        URL,
        {
            "store_id": pizzeria.pk,
            "action_type": "complaint",
            "channel": "sms",
            "recipients": ["06 12 34 56 78", "+33612345678"],
            "min_severity": "high",
        },
    )

    assert webhook.status_code == 201, webhook.content
    assert texts.status_code == 201, texts.content
    assert texts.json()["recipients"] == ["+33612345678"]  # normalised, once
    assert texts.json()["min_severity"] == "high"
    assert NotificationConfig.objects.filter(store=pizzeria, channel="webhook").count() == 1


def test_alice_changes_recipients_and_turns_a_notification_off(alice_client, pizzeria):
    config = NotificationConfig.objects.get(store=pizzeria, action_type="complaint", channel="email")

    changed = api(
        alice_client,
        "PUT",
        f"{URL}/{config.pk}",
        {"recipients": ["Chef@Pizzeria.test", "alice@pizzeria.test"], "min_severity": "emergency"},
    )
    off = api(alice_client, "PUT", f"{URL}/{config.pk}", {"recipients": [], "is_active": False})

    assert changed.status_code == 200
    assert changed.json()["recipients"] == ["chef@pizzeria.test", "alice@pizzeria.test"]
    assert off.status_code == 200
    config.refresh_from_db()
    assert (config.is_active, config.recipients, config.min_severity) == (False, [], "low")


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (
            {"action_type": "new_order", "channel": "email", "recipients": ["not-an-email"]},
            "recipients",
            "email",
        ),
        ({"action_type": "new_order", "channel": "sms", "recipients": ["12"]}, "recipients", "phone number"),
        ({"action_type": "new_order", "channel": "webhook", "recipients": ["ftp://x"]}, "recipients", "web"),
        ({"action_type": "new_order", "channel": "webhook", "recipients": []}, "recipients", "at least one"),
        (
            {"action_type": "customer_confirmation", "channel": "email", "recipients": ["a@b.test"]},
            "recipients",
            "caller",
        ),
        (
            {"action_type": "customer_confirmation", "channel": "webhook"},
            "channel",
            "cannot be sent by webhook",
        ),
        (
            {"action_type": "billing", "channel": "email", "recipients": ["a@b.test"]},
            "action_type",
            "Kalliky",
        ),
        ({"action_type": "new_order", "channel": "fax"}, "channel", "Input should be"),
        ({"action_type": "complaint", "channel": "sms", "min_severity": "critical"}, "min_severity", ""),
    ],
)
def test_bad_configurations_are_refused_with_the_field(alice_client, pizzeria, body, field, says):
    before = NotificationConfig.objects.count()

    response = api(alice_client, "POST", URL, {"store_id": pizzeria.pk, **body})

    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert says in response.json()["detail"]
    assert NotificationConfig.objects.count() == before


def test_production_refuses_plain_http_and_private_webhooks(alice_client, pizzeria, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    body = {"store_id": pizzeria.pk, "action_type": "new_order", "channel": "webhook"}

    plain = api(alice_client, "POST", URL, {**body, "recipients": ["http://pos.example.com/k"]})
    private = api(alice_client, "POST", URL, {**body, "recipients": ["https://10.0.0.8/k"]})
    local = api(alice_client, "POST", URL, {**body, "recipients": ["https://localhost/k"]})

    assert "HTTPS" in plain.json()["detail"]
    assert "private" in private.json()["detail"]
    assert "private" in local.json()["detail"]


def test_a_second_configuration_for_the_same_channel_is_a_conflict(alice_client, pizzeria):
    existing = NotificationConfig.objects.get(store=pizzeria, action_type="new_order", channel="email")

    response = api(
        alice_client,
        "POST",
        URL,
        {"store_id": pizzeria.pk, "action_type": "new_order", "channel": "email", "recipients": ["x@y.test"]},
    )

    assert response.status_code == 409
    assert f"(id {existing.pk})" in response.json()["detail"]


def test_alice_removes_a_configuration(alice_client, pizzeria):
    config = NotificationConfig.objects.get(store=pizzeria, action_type="missed_call")

    assert api(alice_client, "DELETE", f"{URL}/{config.pk}").status_code == 204
    assert not NotificationConfig.objects.filter(pk=config.pk).exists()


def test_staff_may_read_but_not_change_configurations(bob_client, pizzeria):
    config = NotificationConfig.objects.get(store=pizzeria, action_type="missed_call")

    assert bob_client.get(URL).json()["count"] == 11
    refused = api(bob_client, "PUT", f"{URL}/{config.pk}", {"recipients": ["bob@pizzeria.test"]})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert api(bob_client, "GET", f"/api/app/notifications/stores/{pizzeria.pk}/settings").status_code == 403


def test_alice_reads_sets_and_rotates_her_webhook_secret(alice_client, pizzeria):
    url = f"/api/app/notifications/stores/{pizzeria.pk}/settings"
    first = alice_client.get(url).json()

    hour = api(alice_client, "PUT", url, {"digest_hour": 21})
    rotated = api(alice_client, "POST", f"{url}/rotate-secret").json()
    bad_hour = api(alice_client, "PUT", url, {"digest_hour": 24})

    assert len(first["webhook_secret"]) == 64
    assert hour.json()["digest_hour"] == 21
    assert rotated["webhook_secret"] != first["webhook_secret"] and len(rotated["webhook_secret"]) == 64
    assert bad_hour.status_code == 422 and bad_hour.json()["errors"][0]["field"] == "digest_hour"
    assert StoreNotificationSettings.objects.get(store=pizzeria).digest_hour == 21


def test_the_catalogue_documents_variables_and_defaults(alice_client):
    actions = {a["action_type"]: a for a in alice_client.get("/api/app/notifications/actions").json()}

    order = actions["new_order"]
    assert order["audience"] == "business"
    assert {"name": "total", "description": "The order total, with its currency"} in order["variables"]
    assert {(d["channel"], d["language"]) for d in order["defaults"]} == {
        ("email", "fr"),
        ("email", "en"),
        ("sms", "fr"),
        ("sms", "en"),
    }
    assert actions["booking_reminder"]["audience"] == "customer"
    assert "welcome" not in actions


def test_lists_run_a_fixed_number_of_queries(alice_client, pizzeria, django_assert_max_num_queries):
    now = timezone.now()
    enqueue(
        business_id=pizzeria.business_id,
        store_id=pizzeria.pk,
        messages=[Outgoing("new_order", "email", "a@b.test", f"order:{n}", now, {}) for n in range(40)],
    )
    for action in ("new_order", "missed_call", "complaint"):
        NotificationTemplate.objects.create(
            business=pizzeria.business,
            action_type=action,
            channel="sms",
            language="fr",
            body="{{ store_name }}",
        )

    with django_assert_max_num_queries(6):
        assert alice_client.get(URL, {"limit": 200}).json()["count"] == 11
    with django_assert_max_num_queries(6):
        assert len(alice_client.get("/api/app/notifications/queue", {"limit": 200}).json()["items"]) == 40
    with django_assert_max_num_queries(6):
        assert alice_client.get("/api/app/notifications/templates").json()["count"] == 3
