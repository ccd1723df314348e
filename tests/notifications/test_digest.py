"""The daily digest goes out at the store's own hour, in its own time zone, once per local day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from notifications.models import NotificationQueueItem, StoreNotificationSettings
from notifications.tasks import enqueue_daily_digests
from stores.models import CustomerExchange, HolidayDecision, Order, Reservation
from telephony.models import Call
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in June 2025, Tokyo time."""
    return datetime(2025, 6, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def tokyo_store(pizzeria):
    pizzeria.timezone = "Asia/Tokyo"
    pizzeria.save()
    StoreNotificationSettings.objects.filter(store=pizzeria).update(digest_hour=8)
    return pizzeria


def backdate(obj, when: datetime) -> None:
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)


def test_the_digest_waits_for_the_stores_hour_and_goes_once_a_day(tokyo_store, salon, on_commit, alice):
    with on_commit():
        assert enqueue_daily_digests(now=at(15, 7, 59).isoformat()) == 0
        assert enqueue_daily_digests(now=at(15, 8, 5).isoformat()) == 1
        assert enqueue_daily_digests(now=at(15, 8, 55).isoformat()) == 0
        assert enqueue_daily_digests(now=at(16, 8, 1).isoformat()) == 1

    items = NotificationQueueItem.objects.order_by("scheduled_at")
    assert [i.scheduled_at for i in items] == [at(15, 8), at(16, 8)]
    assert {(i.store_id, i.recipient, i.status) for i in items} == {(tokyo_store.pk, alice.email, "sent")}
    assert len(mail.outbox) == 2  # the salon (Paris) was never at its 08:00 in those runs


def test_the_digest_counts_today_and_yesterday(tokyo_store, on_commit):
    customer = CustomerFactory(business=tokyo_store.business)
    for number, when, status in (
        (1, at(15, 1), "confirmed"),
        (2, at(15, 7), "cancelled"),
        (3, at(14, 20), "completed"),
    ):
        backdate(OrderFactory(store=tokyo_store, number=number, status=status), when)
    backdate(OrderFactory(store=tokyo_store, number=4), at(13, 23))  # the day before yesterday
    for n, when in enumerate((at(15, 0, 30), at(15, 6), at(14, 12))):
        Call.objects.create(
            business=tokyo_store.business,
            store=tokyo_store,
            call_control_id=f"cc-{n}",
            from_number="+33612345678",
            to_number="+33100000001",
            started_at=when,
        )
    backdate(Reservation.objects.create(store=tokyo_store, party_size=2, starts_at=at(20, 19)), at(15, 2))
    backdate(
        CustomerExchange.objects.create(
            customer=customer, store=tokyo_store, type="complaint", description="x"
        ),
        at(14, 9),
    )

    with on_commit():
        enqueue_daily_digests(now=at(15, 8, 5).isoformat())

    [email] = mail.outbox
    assert email.subject == "Pizzeria Alice — votre journée du dimanche 15 juin 2025"
    assert "Aujourd'hui (dimanche 15 juin 2025) : 2 appel(s), 1 commande(s) pour 22,00 €, " in email.body
    assert "1 réservation(s), 0 réclamation(s)." in email.body
    assert "Hier : 1 appel(s), 1 commande(s) pour 22,00 €, 0 réservation(s), 1 réclamation(s)." in email.body
    data = NotificationQueueItem.objects.get().payload["data"]
    assert data["date"] == "2025-06-15" and data["today"]["orders"] == "1"
    assert Order.objects.count() == 4


def test_a_store_that_turned_its_digest_off_gets_none(tokyo_store, on_commit):
    tokyo_store.notification_configs.filter(action_type="daily_digest").update(is_active=False)

    with on_commit():
        assert enqueue_daily_digests(now=at(15, 8, 5).isoformat()) == 0
    assert mail.outbox == []


def test_the_owner_moves_the_digest_to_the_evening(tokyo_store, alice_client, on_commit):
    url = f"/api/app/notifications/stores/{tokyo_store.pk}/settings"
    alice_client.put(url, {"digest_hour": 21}, content_type="application/json")

    with on_commit():
        assert enqueue_daily_digests(now=at(15, 8, 5).isoformat()) == 0
        assert enqueue_daily_digests(now=(at(15, 21) + timedelta(minutes=1)).isoformat()) == 1


def test_the_daily_digest_reminds_the_owner_of_undecided_holidays(pizzeria, on_commit):
    pizzeria.country = "FR"
    pizzeria.language = "en"
    pizzeria.save(update_fields=["country", "language"])
    StoreNotificationSettings.objects.filter(store=pizzeria).update(digest_hour=8)
    morning = datetime(2025, 12, 15, 8, 5, tzinfo=ZoneInfo(pizzeria.timezone))
    with on_commit():
        assert enqueue_daily_digests(now=morning.isoformat()) >= 1
    [email] = [m for m in mail.outbox if pizzeria.name in m.subject or pizzeria.name in m.body]
    assert "Public holidays ahead" in email.body and "Christmas" in email.body

    # Once decided, the next morning's digest no longer asks.
    HolidayDecision.objects.create(store=pizzeria, date=date(2025, 12, 25), decision="closed")
    mail.outbox.clear()
    with on_commit():
        enqueue_daily_digests(now=(morning + timedelta(days=1)).isoformat())
    assert mail.outbox and all("Christmas" not in m.body for m in mail.outbox)
