"""Shared fixtures. alice owns the pizzeria, bob works there (staff), carol owns another business."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers
from django.core.cache import cache
from django.test import Client

from accounts.models import Business, Membership, User
from kalliky.celery import app as celery_app
from stores.models import Store
from telephony import line_limits
from tests.factories import BusinessFactory, StoreFactory, UserFactory

PASSWORD = "correct-horse-battery-42"


@pytest.fixture(autouse=True)
def offline_providers(settings, tmp_path):
    """Every test runs on the offline providers unless it opts into another explicitly."""
    settings.AI_BRAIN = "local"
    settings.OPENAI_API_KEY = ""
    settings.TELNYX_API_KEY = ""
    settings.STRIPE_SECRET_KEY = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.ASSISTANT_SELFTEST_ON_CHANGE = False
    settings.VOICE_MEDIA_STREAMS = False  # the voice tests (tests/voice) turn media streams on
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SECURE_SSL_REDIRECT = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Webhooks are processed in the request's thread; the end-to-end call tests opt into threads.
    settings.TELNYX_REACTIONS = "inline"
    settings.TELNYX_PUBLIC_KEY = ""
    cache.clear()
    line_limits.reset()
    yield
    cache.clear()
    line_limits.reset()
    # A channel layer keeps state per event loop (channels_redis: its receive lock and count, the
    # backup-queue cleaners, a pool per loop); each test runs on a new loop, so each gets a new layer.
    channel_layers.backends.clear()


@pytest.fixture
def alice(db) -> User:
    return UserFactory(email="alice@pizzeria.test", first_name="Alice", last_name="Martin")


@pytest.fixture
def alice_business(alice) -> Business:
    return BusinessFactory(owner=alice, name="Chez Alice", type=Business.Type.RESTAURANT)


@pytest.fixture
def pizzeria(alice_business) -> Store:
    return StoreFactory(business=alice_business, name="Pizzeria Alice", slug="pizzeria-alice")


@pytest.fixture
def bob(alice_business) -> User:
    user = UserFactory(email="bob@pizzeria.test", first_name="Bob")
    Membership.objects.create(user=user, business=alice_business, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def carol(db) -> User:
    return UserFactory(email="carol@salon.test", first_name="Carol")


@pytest.fixture
def carol_business(carol) -> Business:
    return BusinessFactory(owner=carol, name="Salon Carol", type=Business.Type.SALON)


@pytest.fixture
def salon(carol_business) -> Store:
    return StoreFactory(business=carol_business, name="Salon Carol", slug="salon-carol")


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice, alice_business) -> Client:
    return _logged_in(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return _logged_in(bob)


@pytest.fixture
def carol_client(carol, carol_business) -> Client:
    return _logged_in(carol)


@pytest.fixture
def no_telnyx_handler():
    """As if no app had registered how Telnyx events are processed (the inbox's own tests)."""
    from kalliky import inbox
    from telephony.models import TelnyxEvent

    real_handler = inbox.handler_for(TelnyxEvent)
    inbox._HANDLERS.pop(TelnyxEvent._meta.label, None)
    yield
    if real_handler is not None:
        inbox.register_handler(TelnyxEvent, real_handler)
