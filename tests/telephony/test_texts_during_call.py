"""A phone order tells the owner and texts the caller when it is confirmed, during the call — not
after the hang-up and the analysis — and the analysis that follows sends nothing twice. Driven
with the Telnyx simulator through the public webhook; read in the queue and on the wire."""

from __future__ import annotations

import pytest

from notifications.models import NotificationQueueItem
from telephony.analysis import analyze_call
from telephony.models import Call
from telephony.selectors import orders_of_call
from tests.telephony.conftest import PIZZERIA_NUMBER, settle, wait_until
from tests.telephony.test_calls_e2e import CALLER, ORDER_TURNS, analysed_call, converse

pytestmark = pytest.mark.django_db(transaction=True)


def texts_to(line, number: str) -> list[dict]:
    return [m for m in line.messages if m["to"][0]["phone_number"] == number]


def test_the_callers_confirmation_is_texted_before_hang_up_and_the_analysis_sends_nothing_twice(line, demo):
    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    converse(call, ORDER_TURNS)
    settle(line)

    # Still on the line: the order is confirmed, its messages are queued and the text is out.
    assert call.state != "hangup"
    row = Call.objects.get(call_control_id=call.call_control_id)
    assert row.ended_at is None
    order = orders_of_call(row).get()
    queued = NotificationQueueItem.objects.filter(dedupe_key__startswith=f"order:{order.pk}:")
    assert {(i.action_type, i.channel) for i in queued} >= {
        ("new_order", "email"),
        ("customer_confirmation", "sms"),
    }
    wait_until(lambda: texts_to(line, CALLER), what="the caller's confirmation text")
    [text] = texts_to(line, CALLER)
    assert text["from"]["phone_number"] == PIZZERIA_NUMBER
    before = sorted(queued.values_list("dedupe_key", flat=True))

    call.hang_up()
    settle(line)
    wait_until(analysed_call, what="the call ready for analysis")
    analyze_call(row.pk, force=True)
    analyze_call(row.pk, force=True)  # a re-run too

    row.refresh_from_db()
    assert row.analysis_status == Call.AnalysisStatus.DONE
    after = sorted(
        NotificationQueueItem.objects.filter(dedupe_key__startswith=f"order:{order.pk}:").values_list(
            "dedupe_key", flat=True
        )
    )
    assert after == before
    assert len(texts_to(line, CALLER)) == 1
