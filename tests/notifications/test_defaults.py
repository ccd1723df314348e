"""Every store starts with sensible notifications: owner emails on, the caller's texts on,
call summaries off, no webhook until the owner adds an address."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from notifications.models import NotificationConfig, StoreNotificationSettings
from notifications.services import defaults_ensure
from stores.models import Store
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def configs(store: Store) -> dict[tuple[str, str], NotificationConfig]:
    return {(c.action_type, c.channel): c for c in NotificationConfig.objects.filter(store=store)}


def test_a_new_store_gets_its_defaults(pizzeria, alice):
    got = configs(pizzeria)

    owner_email = {
        "new_order",
        "new_reservation",
        "new_booking",
        "new_consultation",
        "complaint",
        "missed_call",
        "callback_ticket",
        "daily_digest",
    }
    for action in owner_email:
        assert got[(action, "email")].recipients == [alice.email]
        assert got[(action, "email")].is_active, action
    assert got[("complaint", "email")].min_severity == "normal"
    assert not got[("call_summary", "email")].is_active
    assert got[("customer_confirmation", "sms")].is_active
    assert got[("customer_confirmation", "sms")].recipients == []
    assert got[("booking_reminder", "sms")].is_active
    assert not any(channel == "webhook" for _, channel in got)
    settings = StoreNotificationSettings.objects.get(store=pizzeria)
    assert len(settings.webhook_secret) == 64 and settings.digest_hour == 8


def test_defaults_are_created_once(pizzeria):
    before = NotificationConfig.objects.count()

    assert defaults_ensure(store=pizzeria) == 0
    pizzeria.save()  # an update is not a creation

    assert NotificationConfig.objects.count() == before
    assert StoreNotificationSettings.objects.filter(store=pizzeria).count() == 1


def test_the_command_completes_stores_that_lack_defaults(pizzeria, salon):
    NotificationConfig.objects.filter(store=salon).delete()
    StoreNotificationSettings.objects.filter(store=salon).delete()
    out = StringIO()

    call_command("notification_defaults", stdout=out)

    assert len(configs(salon)) == len(configs(pizzeria)) == 11
    assert "2 store(s) checked, 11 configuration(s) added." in out.getvalue()


def test_the_demo_ends_with_defaults_for_every_store():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    for store in Store.objects.all():
        got = configs(store)
        assert len(got) == 11, store
        assert got[("new_order", "email")].recipients == ["demo@kalliky.local"]
        assert hasattr(store, "notification_settings")


def test_stores_of_other_owners_get_their_own_owner(alice_business, carol):
    other = StoreFactory(business__owner=carol)

    assert configs(other)[("new_order", "email")].recipients == [carol.email]
