"""Sandbox calls (on the Telnyx simulator) may pretend it is another time, carried as a custom SIP
header in call.initiated; on real Telnyx the header is ignored and the real clock rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores.models import Order, Store
from telephony.models import Call
from telephony.sandbox import PRETEND_NOW_HEADER
from telephony.selectors import call_of_order, orders_of_call
from tests.factories import closed_until
from tests.telephony.conftest import PIZZERIA_NUMBER, settle
from tests.telephony.test_calls_e2e import ORDER_TURNS, converse

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = "+33655443322"


@pytest.fixture
def closed_pizzeria(demo) -> str:
    """The pizzeria, closed now whatever the hour; returns its next opening as --now sends it."""
    return closed_until(Store.objects.get(slug="pizzeria-bella-napoli")).isoformat()


def test_on_the_simulator_a_call_pretending_the_store_is_open_places_an_order(
    line, closed_pizzeria, settings
):
    settings.TELNYX_SIMULATOR_URL = line.root_url
    call = line.place_call(
        from_=CALLER,
        to=PIZZERIA_NUMBER,
        custom_headers=[{"name": PRETEND_NOW_HEADER, "value": closed_pizzeria}],
    )
    spoken = converse(call, ORDER_TURNS)
    assert "fermés en ce moment" not in spoken[0]
    call.hang_up()
    settle(line)
    order = orders_of_call(Call.objects.get(call_control_id=call.call_control_id)).get()
    assert order.total == Decimal("30.00")
    assert call_of_order(order).control["pretend_now"] == closed_pizzeria


def test_on_real_telnyx_the_header_is_ignored_and_the_closed_store_takes_no_order(
    line, closed_pizzeria, settings
):
    settings.TELNYX_SIMULATOR_URL = ""  # the app is not told the network is a simulator
    call = line.place_call(
        from_=CALLER,
        to=PIZZERIA_NUMBER,
        custom_headers=[{"name": PRETEND_NOW_HEADER, "value": closed_pizzeria}],
    )
    spoken = converse(call, ORDER_TURNS[:1])
    assert "fermés en ce moment" in spoken[0]
    call.hang_up()
    settle(line)
    assert not Order.objects.exists()
    assert "pretend_now" not in Call.objects.get(call_control_id=call.call_control_id).control
