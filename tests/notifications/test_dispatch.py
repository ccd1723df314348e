"""The queue under failure: a webhook receiver that is down is retried with growing waits, the
item dies after the last attempt, and a replay (API or admin) delivers it exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import events, outbox
from notifications.models import NotificationConfig, NotificationQueueItem
from notifications.outbox import Outgoing, enqueue
from notifications.tasks import dispatch_due
from tests.factories import OrderFactory
from tests.notifications.conftest import api

pytestmark = pytest.mark.django_db
Status = NotificationQueueItem.Status


@pytest.fixture
def hooked(pizzeria, receiver):
    """The pizzeria sends its orders to the receiver; other notifications are off."""
    NotificationConfig.objects.filter(store=pizzeria).update(is_active=False)
    return NotificationConfig.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        action_type="new_order",
        channel="webhook",
        recipients=[receiver.url],
    )


def place_order(pizzeria, on_commit, number: int = 1) -> NotificationQueueItem:
    order = OrderFactory(store=pizzeria, number=number)
    with on_commit(), transaction.atomic():
        [item] = events.order_placed(order)
    item.refresh_from_db()
    return item


def run_until_dead(item: NotificationQueueItem) -> None:
    """Call the beat task just before each retry time (nothing happens), then at it."""
    while item.status == Status.RETRYING:
        dispatch_due(now=(item.next_attempt_at - timedelta(seconds=1)).isoformat())
        item.refresh_from_db()
        assert item.status == Status.RETRYING, "picked up before its time"
        dispatch_due(now=item.next_attempt_at.isoformat())
        item.refresh_from_db()


def test_a_receiver_that_is_down_is_retried_with_backoff_then_dead(hooked, pizzeria, receiver, on_commit):
    receiver.stop()

    item = place_order(pizzeria, on_commit)
    assert (item.status, item.attempts) == (Status.RETRYING, 1)
    assert "could not be reached" in item.last_error
    run_until_dead(item)

    item.refresh_from_db()
    assert (item.status, item.attempts) == (Status.DEAD, 5)
    assert item.next_attempt_at is None
    assert "could not be reached" in item.last_error


def test_the_waits_double_after_each_failure(hooked, pizzeria, receiver, on_commit, settings):
    receiver.status = 503
    item = place_order(pizzeria, on_commit)
    waits = []
    while item.status == Status.RETRYING:
        now = item.next_attempt_at
        dispatch_due(now=now.isoformat())
        item.refresh_from_db()
        if item.status == Status.RETRYING:
            waits.append(item.next_attempt_at - now)

    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    assert [w.total_seconds() for w in waits] == [2 * base, 4 * base, 8 * base]
    assert item.status == Status.DEAD and item.last_error == "The webhook answered HTTP 503."
    assert len(receiver.deliveries) == 5 and all(d.signed for d in receiver.deliveries)


def test_a_dead_item_replayed_through_the_api_is_delivered_once(
    hooked, pizzeria, receiver, on_commit, alice_client
):
    receiver.status = 500
    item = place_order(pizzeria, on_commit)
    run_until_dead(item)
    receiver.status = 200

    with on_commit():
        response = api(alice_client, "POST", f"/api/app/notifications/queue/{item.pk}/retry")
    again = api(alice_client, "POST", f"/api/app/notifications/queue/{item.pk}/retry")
    dispatch_due(now=(timezone.now() + timedelta(days=1)).isoformat())

    assert response.status_code == 200, response.content
    assert response.json()["attempts"] == 0
    item.refresh_from_db()
    assert item.status == Status.SENT and item.last_error == ""
    assert len(receiver.accepted) == 1
    assert receiver.accepted[0].headers["Kalliky-Delivery"] == str(item.pk)
    assert again.status_code == 409 and "already sent" in again.json()["detail"]


def test_the_admin_replay_action_resends_dead_items_once(
    hooked, pizzeria, receiver, on_commit, django_capture_on_commit_callbacks
):
    receiver.status = 500
    item = place_order(pizzeria, on_commit)
    run_until_dead(item)
    receiver.status = 200
    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("staff@kalliky.test", "pw-Staff-2026!"))
    changelist = reverse("admin:notifications_notificationqueueitem_changelist")

    assert (
        "The webhook answered HTTP 500." in staff.get(changelist, {"status__exact": "dead"}).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            changelist,
            {"action": "replay_items", "_selected_action": [item.pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(changelist, {"action": "replay_items", "_selected_action": [item.pk]})

    assert "1 notification queued again (0 already sent or being sent)." in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.SENT
    assert len(receiver.accepted) == 1


def test_a_text_without_a_number_to_send_from_fails_for_good(pizzeria, on_commit, telnyx):
    NotificationConfig.objects.filter(store=pizzeria, action_type="new_order", channel="email").update(
        channel="sms", recipients=["+33612345678"]
    )

    item = place_order(pizzeria, on_commit)

    assert (item.status, item.attempts) == (Status.FAILED, 1)
    assert item.last_error == "The store has no active phone number to send texts from."
    assert telnyx.messages == []


def test_a_worker_that_died_mid_send_leaves_an_item_that_comes_back(pizzeria, hooked, receiver, settings):
    now = timezone.now()
    [item] = enqueue(
        business_id=pizzeria.business_id,
        store_id=pizzeria.pk,
        messages=[Outgoing("new_order", "webhook", receiver.url, "order:1", now, {"vars": {}}, hooked)],
    )
    assert outbox.claim(now=now, limit=10) == [item.pk]  # …and the worker is gone

    assert outbox.dispatch(now=now + timedelta(seconds=10)).claimed == 0
    lease_over = now + timedelta(seconds=settings.NOTIFICATIONS_SENDING_LEASE_SECONDS)
    assert outbox.dispatch(now=lease_over).sent == 1
    item.refresh_from_db()
    assert (item.status, item.attempts) == (Status.SENT, 2)
    assert len(receiver.accepted) == 1


def test_alice_triggers_a_test_webhook_before_turning_it_on(alice_client, pizzeria, receiver, on_commit):
    config = NotificationConfig.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        action_type="complaint",
        channel="webhook",
        recipients=[receiver.url],
        is_active=False,
    )

    with on_commit():
        response = api(
            alice_client,
            "POST",
            "/api/app/notifications/trigger",
            {
                "store_id": pizzeria.pk,
                "action_type": "complaint",
                "config_id": config.pk,
                "data": {"description": "Test from the dashboard"},
            },
        )

    assert response.status_code == 201, response.content
    [item] = response.json()
    assert item["channel"] == "webhook" and item["recipient"] == receiver.url
    [delivery] = receiver.accepted
    assert delivery.json["values"]["description"] == "Test from the dashboard"
    assert delivery.json["data"] == {"sample": True}
    assert NotificationQueueItem.objects.get().status == Status.SENT


def test_trigger_refuses_unknown_values_and_missing_configurations(alice_client, pizzeria):
    url = "/api/app/notifications/trigger"
    unknown = api(
        alice_client, "POST", url, {"store_id": pizzeria.pk, "action_type": "new_order", "data": {"x": "1"}}
    )
    NotificationConfig.objects.filter(store=pizzeria, action_type="call_summary").delete()
    nothing = api(alice_client, "POST", url, {"store_id": pizzeria.pk, "action_type": "call_summary"})
    no_phone = api(
        alice_client, "POST", url, {"store_id": pizzeria.pk, "action_type": "customer_confirmation"}
    )

    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "data"
    assert nothing.status_code == 422 and "POST /configs" in nothing.json()["detail"]
    assert no_phone.status_code == 422 and no_phone.json()["errors"][0]["field"] == "to"
    assert not NotificationQueueItem.objects.exists()


def test_the_queue_lists_by_status_newest_first(
    alice_client, carol_client, pizzeria, hooked, receiver, on_commit
):
    receiver.status = 500
    first = place_order(pizzeria, on_commit, number=1)
    receiver.status = 200
    second = place_order(pizzeria, on_commit, number=2)

    everything = alice_client.get("/api/app/notifications/queue").json()
    retrying = alice_client.get("/api/app/notifications/queue", {"status": "retrying"}).json()
    bad = alice_client.get("/api/app/notifications/queue", {"status": "lost"})

    assert [i["id"] for i in everything["items"]] == [second.pk, first.pk]
    assert [i["id"] for i in retrying["items"]] == [first.pk]
    assert retrying["items"][0]["last_error"] == "The webhook answered HTTP 500."
    assert bad.status_code == 422
    assert carol_client.get("/api/app/notifications/queue").json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_item(pizzeria, receiver):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL; SQLite serialises writers anyway")
    config = NotificationConfig.objects.create(
        business=pizzeria.business,
        store=pizzeria,
        action_type="new_order",
        channel="webhook",
        recipients=[receiver.url],
    )
    now = timezone.now()
    enqueue(
        business_id=pizzeria.business_id,
        store_id=pizzeria.pk,
        messages=[
            Outgoing("new_order", "webhook", receiver.url, f"order:{n}", now, {"vars": {}}, config)
            for n in range(60)
        ],
    )
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            while outbox.dispatch(now=now, limit=5).claimed:
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    delivered = [d.headers["Kalliky-Delivery"] for d in receiver.accepted]
    assert len(delivered) == 60 and len(set(delivered)) == 60
    assert set(NotificationQueueItem.objects.values_list("status", flat=True)) == {Status.SENT}
