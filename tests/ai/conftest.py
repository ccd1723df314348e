from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from ai import brains
from stores.models import Store
from tests.fakes.openai import FakeOpenAI

PARIS = ZoneInfo("Europe/Paris")
# A Friday evening: the pizzeria is open (18:30–23:00), the salon too (until 19:00).
FRIDAY_EVENING = datetime(2026, 12, 4, 19, 0, tzinfo=PARIS)


@pytest.fixture
def demo(db) -> dict[str, Store]:
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return {s.slug: s for s in Store.objects.all()}


@pytest.fixture
def demo_pizzeria(demo) -> Store:
    return demo["pizzeria-bella-napoli"]


@pytest.fixture
def demo_salon(demo) -> Store:
    return demo["elegance-hair-salon"]


@pytest.fixture
def demo_practice(demo) -> Store:
    return demo["cabinet-conseil-durand"]


@pytest.fixture
def fake(settings):
    """The OpenAI fake on its own port, the OpenAI brain pointed at it with short timeouts."""
    with FakeOpenAI() as server:
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = server.api_key
        settings.OPENAI_FIRST_TOKEN_TIMEOUT = 0.5
        settings.OPENAI_TURN_TIMEOUT = 3.0
        brains.reset()
        yield server
    brains.reset()
