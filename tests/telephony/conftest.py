"""A phone line for the end-to-end call tests: the Telnyx simulator on one side, the app served
by a live server on the other, webhooks processed in the background lanes as in production."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command

from stores.models import Store
from telephony import call_lanes
from tests.factories import open_around_now
from tests.fakes.telnyx import FakeTelnyx

PIZZERIA_NUMBER = "+33100000001"
SALON_NUMBER = "+33100000002"


@pytest.fixture
def telnyx(settings) -> Iterator[FakeTelnyx]:
    with FakeTelnyx() as fake:
        settings.TELNYX_API_KEY = fake.api_key
        settings.TELNYX_BASE_URL = fake.base_url
        settings.TELNYX_PUBLIC_KEY = fake.public_key
        settings.TELNYX_MAX_RETRIES = 2
        settings.TELNYX_TIMEOUT = 5.0
        settings.NUMBER_ORDER_POLL_SECONDS = 0.0
        yield fake


@pytest.fixture
def line(live_server, telnyx, settings) -> Iterator[FakeTelnyx]:
    settings.TELNYX_REACTIONS = "threads"
    settings.CALL_SILENCE_SECONDS = 60.0  # no reprompt unless a test asks for one
    telnyx.webhook_url = f"{live_server.url}/api/telnyx/webhook"
    yield telnyx
    settle(telnyx)
    reactor = call_lanes.pool()
    with reactor._lock:  # noqa: SLF001 - drop this test's timers
        lanes = {lane for lane, _ in reactor._timers}  # noqa: SLF001
    for lane in lanes:
        reactor.cancel(lane)


@pytest.fixture
def demo(transactional_db) -> dict[str, Store]:
    """The demo stores of `make run`, open right now."""
    call_command("seed_demo", verbosity=0)
    stores = {s.slug: s for s in Store.objects.all()}
    for store in stores.values():
        open_around_now(store)
    return stores


# Waits return as soon as their condition holds; their ceilings are stretched so that a loaded
# 2-core machine fails nothing that is merely slow.
CEILING_SCALE = 3


def settle(fake: FakeTelnyx, timeout: float = 10.0) -> None:
    """Wait until the simulator has delivered everything and the app has reacted to it."""
    deadline = time.monotonic() + timeout * CEILING_SCALE
    while time.monotonic() < deadline:
        fake.drain(timeout=max(0.1, deadline - time.monotonic()))
        call_lanes.pool().drain(timeout=max(0.1, deadline - time.monotonic()))
        fake.drain(timeout=0.5)
        if call_lanes.pool().drain(timeout=0.05):
            return
    raise AssertionError("the call never settled")


def wait_until(check: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout * CEILING_SCALE
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
