"""telephony 0004 moves the links between a call and what it produced above stores (decision
0032): run from the schema before it, on rows linked the old way, and read them back the new way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("ai", "0006_voice_turns"), ("stores", "0008_special_hours_holidays"),
          ("telephony", "0003_call_store_recent_index")]  # fmt: skip


def _migrate(targets: list[tuple[str, str]]):  # noqa: ANN202
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_links_move_from_stores_rows_to_conversation_outcomes():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Business = old.get_model("accounts", "Business")
    Store = old.get_model("stores", "Store")
    Customer = old.get_model("stores", "Customer")
    Call = old.get_model("telephony", "Call")
    owner = User.objects.create(email="owner@example.com")
    business = Business.objects.create(name="Bella", owner=owner)
    store = Store.objects.create(business=business, name="Bella", slug="bella")
    customer = Customer.objects.create(business=business, phone="+33611111111")
    now = timezone.now()

    def call(ref: str):  # noqa: ANN202
        return Call.objects.create(
            business=business, store=store, customer=customer, call_control_id=ref,
            from_number="+33611111111", to_number="+33100000001", ended_at=now,
        )  # fmt: skip

    talked, silent = call("v3:talked"), call("v3:silent")
    session = old.get_model("ai", "AIConversationSession").objects.create(
        call=talked, business=business, store=store
    )
    order = old.get_model("stores", "Order").objects.create(store=store, number=1, call=talked)
    booking = old.get_model("stores", "Reservation").objects.create(
        store=store, call=silent, party_size=2, starts_at=now, duration_minutes=90
    )
    Exchange = old.get_model("stores", "CustomerExchange")
    complaint = Exchange.objects.create(
        customer=customer, store=store, type="complaint", description="cold", call=talked
    )
    line = Exchange.objects.create(
        customer=customer, store=store, type="call", description="2 min", call=talked
    )
    suggestion = old.get_model("ai", "AnalysisSuggestion").objects.create(
        call=silent, business=business, store=store, kind="order"
    )

    new = _migrate(leaves)
    Call = new.get_model("telephony", "Call")
    Outcome = new.get_model("ai", "ConversationOutcome")
    talked, silent = Call.objects.get(pk=talked.pk), Call.objects.get(pk=silent.pk)
    assert talked.conversation_id == session.pk and talked.exchange_id == line.pk
    assert (
        new.get_model("ai", "AIConversationSession").objects.get(pk=session.pk).caller_phone == "+33611111111"
    )
    assert set(Outcome.objects.filter(conversation=session.pk).values_list("order", "exchange")) == {
        (order.pk, None),
        (None, complaint.pk),
    }
    # A call that produced rows without a conversation gets a closed one to hang them on.
    assert silent.conversation_id not in (None, session.pk)
    assert Outcome.objects.get(conversation=silent.conversation_id).reservation_id == booking.pk
    moved = new.get_model("ai", "AnalysisSuggestion").objects.get(pk=suggestion.pk)
    assert moved.conversation_id == silent.conversation_id
