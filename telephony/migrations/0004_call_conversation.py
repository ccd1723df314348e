"""The link between a call and what it produced moves above stores.

Before: orders, bookings and customer exchanges pointed at telephony.Call, and the assistant's
conversation (ai.AIConversationSession) and its suggestions pointed at the call too. After:
Call.conversation points at the conversation, ai.ConversationOutcome says what the conversation
produced, suggestions belong to the conversation, and the customer-history line written about
the call itself (an exchange of type "call") is Call.exchange.

Telephony is the one layer that knows both sides, so the data moves here, between ai 0007
(the new tables) and the migrations that drop the old columns (ai 0008, stores 0009)."""

import django.db.models.deletion
from django.db import migrations, models

BOOKED = (("order", "Order"), ("reservation", "Reservation"), ("service_booking", "ServiceBooking"),
          ("consultation", "Consultation"))  # fmt: skip


def forward(apps, schema_editor):  # noqa: ANN001, ANN201
    Call = apps.get_model("telephony", "Call")
    Session = apps.get_model("ai", "AIConversationSession")
    Outcome = apps.get_model("ai", "ConversationOutcome")
    Suggestion = apps.get_model("ai", "AnalysisSuggestion")
    Exchange = apps.get_model("stores", "CustomerExchange")

    conversation_of: dict[int, int] = {}  # call id → conversation id
    for session in Session.objects.filter(call__isnull=False).select_related("call").iterator():
        call = session.call
        Call.objects.filter(pk=call.pk).update(conversation=session.pk)
        Session.objects.filter(pk=session.pk).update(caller_phone=call.from_number)
        conversation_of[call.pk] = session.pk

    def conversation_for(call_id: int, store_id: int) -> int:
        """The call's conversation; a call that produced rows without one (rows made before
        conversations were recorded, a suggestion of a recording-only call) gets a closed one."""
        if call_id not in conversation_of:
            call = Call.objects.get(pk=call_id)
            session = Session.objects.create(
                business_id=call.business_id,
                store_id=call.store_id or store_id,
                channel="phone",
                is_active=False,
                ended_at=call.ended_at,
                caller_phone=call.from_number,
            )
            Call.objects.filter(pk=call_id).update(conversation=session.pk)
            conversation_of[call_id] = session.pk
        return conversation_of[call_id]

    for field, model_name in BOOKED:
        for pk, call_id, store_id in (
            apps.get_model("stores", model_name)
            .objects.filter(call__isnull=False)
            .values_list("pk", "call_id", "store_id")
            .iterator()
        ):
            Outcome.objects.create(conversation_id=conversation_for(call_id, store_id), **{f"{field}_id": pk})
    for pk, call_id, store_id, kind in (
        Exchange.objects.filter(call__isnull=False)
        .order_by("pk")
        .values_list("pk", "call_id", "store_id", "type")
    ):
        if kind == "call":  # telephony's own line about the call
            Call.objects.filter(pk=call_id, exchange__isnull=True).update(exchange=pk)
        else:
            Outcome.objects.create(conversation_id=conversation_for(call_id, store_id), exchange_id=pk)
    for pk, call_id, store_id in Suggestion.objects.values_list("pk", "call_id", "store_id").iterator():
        Suggestion.objects.filter(pk=pk).update(conversation=conversation_for(call_id, store_id))


def backward(apps, schema_editor):  # noqa: ANN001, ANN201
    Call = apps.get_model("telephony", "Call")
    Session = apps.get_model("ai", "AIConversationSession")
    Outcome = apps.get_model("ai", "ConversationOutcome")
    Suggestion = apps.get_model("ai", "AnalysisSuggestion")
    Exchange = apps.get_model("stores", "CustomerExchange")

    call_of = dict(Call.objects.filter(conversation__isnull=False).values_list("conversation_id", "pk"))
    for conversation_id, call_id in call_of.items():
        Session.objects.filter(pk=conversation_id).update(call=call_id)
    for outcome in Outcome.objects.iterator():
        call_id = call_of.get(outcome.conversation_id)
        if call_id is None:
            continue
        for field, model_name in (*BOOKED, ("exchange", "CustomerExchange")):
            row_id = getattr(outcome, f"{field}_id")
            if row_id is not None:
                apps.get_model("stores", model_name).objects.filter(pk=row_id).update(call=call_id)
    for call_id, exchange_id in Call.objects.filter(exchange__isnull=False).values_list("pk", "exchange_id"):
        Exchange.objects.filter(pk=exchange_id).update(call=call_id)
    for pk, conversation_id in Suggestion.objects.values_list("pk", "conversation_id"):
        Suggestion.objects.filter(pk=pk).update(call=call_of.get(conversation_id))


class Migration(migrations.Migration):
    dependencies = [
        ("ai", "0007_conversation_outcomes"),
        ("stores", "0008_special_hours_holidays"),
        ("telephony", "0003_call_store_recent_index"),
    ]
    # The old columns are read here: they are dropped only afterwards.
    run_before = [
        ("ai", "0008_conversation_owns_suggestions"),
        ("stores", "0009_calls_link_above"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="conversation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="ai.aiconversationsession",
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="exchange",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="stores.customerexchange",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
