"""Post-call analysis, driven through its doors: a conversation with the assistant on a call,
then `POST /api/ai/process-call/{id}` (Celery eager here; the end-to-end test runs a real worker).
Outcomes are read in the database."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from ai import agent
from ai.analysis.local import LocalAnalyzer
from ai.analysis.schema import CallAnalysisResult, strict_json_schema
from ai.models import AnalysisSuggestion
from notifications.models import NotificationQueueItem
from stores.models import Customer, CustomerExchange, Order, PreparationTicket, Store
from telephony.analysis import analyze_call
from telephony.models import Call
from telephony.selectors import exchanges_of_call, orders_of_call, suggestions_of_call
from tests.ai.conftest import FRIDAY_EVENING

CALLER = "+33611223344"
ORDER = [
    "Bonjour, je voudrais deux margherita grandes et un coca s'il vous plaît",
    "non merci c'est tout",
    "à emporter",
    "oui c'est parfait, merci beaucoup",
]


def phone_call(store: Store, lines: list[str], *, caller: str = CALLER, hang_up: bool = True) -> Call:
    """A call answered by the assistant: the same agent the call loop drives, tools writing for real."""
    call = Call.objects.create(
        business=store.business,
        store=store,
        call_control_id=f"v3:{uuid.uuid4().hex}",
        from_number=caller,
        to_number="+33100000001",
        status=Call.Status.ANSWERED,
        started_at=FRIDAY_EVENING,
        answered_at=FRIDAY_EVENING,
    )
    session, _ = agent.begin(store, channel="phone", caller_phone=caller, sandbox=False, now=FRIDAY_EVENING)
    call.conversation_id = session.db_id  # as the call loop links them when it answers
    call.save(update_fields=["conversation"])
    for text in lines:
        agent.respond(session, text)
    agent.finish(session)
    if hang_up:
        call.status = Call.Status.COMPLETED
        call.ended_at = FRIDAY_EVENING + timedelta(minutes=2)
        call.duration_seconds = 120
        call.customer = Customer.objects.filter(business=store.business, phone=caller).first()
        call.save()
    return call


def run_analysis(client: Client, call: Call, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/ai/process-call/{call.pk}")
    assert response.status_code == 202, response.content
    response = client.get(f"/api/ai/process-call/{call.pk}")
    assert response.status_code == 200
    return response.json()


def footprint(call: Call) -> dict:
    """Every row a re-run must leave alone."""
    return {
        "orders": Order.objects.filter(store=call.store).count(),
        "tickets": PreparationTicket.objects.filter(store=call.store).count(),
        "complaints": CustomerExchange.objects.filter(type="complaint").count(),
        "suggestions": list(AnalysisSuggestion.objects.values_list("pk", "kind", "status")),
        "notifications": sorted(NotificationQueueItem.objects.values_list("dedupe_key", flat=True)),
        "customer": list(Customer.objects.values_list("pk", "total_spent", "order_count")),
    }


@pytest.fixture
def owner(demo_pizzeria) -> Client:
    client = Client()
    client.force_login(demo_pizzeria.business.owner)
    return client


# --- the schema ----------------------------------------------------------------------------------------
def test_the_strict_schema_closes_every_object_and_requires_every_property():
    schema = strict_json_schema()
    objects = [schema, *schema["$defs"].values()]
    for node in objects:
        assert node["additionalProperties"] is False
        assert sorted(node["required"]) == sorted(node["properties"])
    assert schema["properties"]["conversation"] == {"$ref": "#/$defs/ConversationOutcome"}
    sentiment = schema["$defs"]["ConversationOutcome"]["properties"]["sentiment"]
    assert sentiment["enum"] == ["positive", "neutral", "negative"]


def test_the_result_model_refuses_what_the_contract_does_not_allow():
    good = {
        "orders": [],
        "services": [],
        "consultations": [],
        "signalements": [],
        "conversation": {"sentiment": "neutral", "satisfaction": 5, "summary": "", "followUpRequired": False},
    }
    CallAnalysisResult.model_validate(good)
    for bad in (
        {**good, "extra": 1},
        {**good, "conversation": {**good["conversation"], "satisfaction": 11}},
        {**good, "conversation": {**good["conversation"], "sentiment": "angry"}},
        {**good, "orders": [{"items": [], "total": 0, "deliveryType": "takeaway", "urgency": "normal"}]},
    ):
        with pytest.raises(ValueError):
            CallAnalysisResult.model_validate(bad)


# --- a call with an order --------------------------------------------------------------------------------
def test_an_order_call_is_analysed_into_one_order_and_rerunning_changes_nothing(
    demo_pizzeria, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the call's own commits
        call = phone_call(demo_pizzeria, ORDER)
    assert orders_of_call(call).count() == 1  # the tool confirmed it during the call
    # The owner is told when the order is confirmed, during the call, not by the analysis.
    assert NotificationQueueItem.objects.filter(action_type="new_order").exists()

    body = run_analysis(owner, call, django_capture_on_commit_callbacks)
    assert body["status"] == "done"
    assert body["analyzer"] == "local"
    assert body["transcript_source"] == "conversation"
    result = body["result"]
    assert len(result["orders"]) == 1
    order = result["orders"][0]
    assert sorted((i["name"], i["quantity"]) for i in order["items"]) == [
        ("Coca-Cola 33 cl", 1),
        ("Margherita", 2),
    ]
    assert order["total"] == 30.0 and order["deliveryType"] == "takeaway"
    assert result["conversation"]["sentiment"] == "positive"
    assert 7 <= result["conversation"]["satisfaction"] <= 10
    assert "Commande n°" in body["summary"]
    assert body["suggestions"] == []

    row = Call.objects.get(pk=call.pk)
    assert row.ai_summary == body["summary"] and row.sentiment == "positive"
    assert row.analysis["matched"]["orders"] == {"0": orders_of_call(call).get().pk}
    assert orders_of_call(call).count() == 1
    customer = Customer.objects.get(phone=CALLER)
    assert customer.total_spent == Decimal("30.00") and customer.order_count == 1
    behaviour = customer.behavior
    assert behaviour.favorite_products[0] == "Margherita"
    assert behaviour.average_basket == Decimal("30.00")
    assert behaviour.loyalty_score == 10 + 1 + 15  # one order, 30 € spent, ordered today (see the formula)
    assert NotificationQueueItem.objects.filter(action_type="new_order").exists()

    before = footprint(call)
    again = run_analysis(owner, call, django_capture_on_commit_callbacks)
    assert footprint(call) == before
    assert again["result"] == body["result"]


def test_an_order_never_confirmed_becomes_a_suggestion_the_owner_accepts_once(
    demo_pizzeria, owner, django_capture_on_commit_callbacks
):
    call = phone_call(demo_pizzeria, ORDER[:2])  # hung up before choosing takeaway or delivery
    assert not orders_of_call(call).exists()
    body = run_analysis(owner, call, django_capture_on_commit_callbacks)
    assert body["result"]["conversation"]["followUpRequired"] is True
    [suggestion] = body["suggestions"]
    assert suggestion["kind"] == "order" and suggestion["status"] == "pending"
    assert not orders_of_call(call).exists()  # never silently an order

    listed = owner.get(f"/api/ai/suggestions?store_id={demo_pizzeria.pk}").json()
    assert [s["id"] for s in listed["items"]] == [suggestion["id"]]

    with django_capture_on_commit_callbacks(execute=True):
        accepted = owner.post(
            f"/api/ai/suggestions/{suggestion['id']}/accept", content_type="application/json"
        )
    assert accepted.status_code == 200, accepted.content
    order = orders_of_call(call).get()
    assert accepted.json()["created_ref"] == f"order:{order.pk}"
    assert order.total == Decimal("30.00") and order.items.count() == 2
    assert PreparationTicket.objects.filter(order=order).count() == 1

    again = owner.post(f"/api/ai/suggestions/{suggestion['id']}/accept", content_type="application/json")
    assert again.status_code == 409
    assert "already accepted" in again.json()["detail"]
    assert orders_of_call(call).count() == 1

    # Re-analysing now matches the accepted order: no new suggestion, the decided one stays.
    body = run_analysis(owner, call, django_capture_on_commit_callbacks)
    assert AnalysisSuggestion.objects.get().status == "accepted"
    assert orders_of_call(call).count() == 1


def test_a_suggestion_can_be_dismissed_and_is_then_decided(
    demo_pizzeria, owner, django_capture_on_commit_callbacks
):
    call = phone_call(demo_pizzeria, ORDER[:1])
    [suggestion] = run_analysis(owner, call, django_capture_on_commit_callbacks)["suggestions"]
    response = owner.post(f"/api/ai/suggestions/{suggestion['id']}/dismiss")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    assert owner.post(f"/api/ai/suggestions/{suggestion['id']}/accept").status_code == 409
    assert not orders_of_call(call).exists()


# --- complaints -------------------------------------------------------------------------------------
def test_a_complaint_call_gives_one_complaint_with_its_severity_and_a_negative_call(
    demo_pizzeria, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the call's own commits
        call = phone_call(
            demo_pizzeria,
            [
                "Je veux faire une réclamation, la pizza était froide et le livreur "
                "très désagréable, c'est inadmissible"
            ],
        )
    recorded = exchanges_of_call(call).filter(type="complaint")
    assert recorded.count() == 1  # the assistant's tool recorded it during the call
    # …and the owner was told then, not after the analysis.
    assert NotificationQueueItem.objects.filter(action_type="complaint").exists()
    body = run_analysis(owner, call, django_capture_on_commit_callbacks)
    [complaint] = body["result"]["signalements"]
    assert complaint["urgency"] in ("high", "emergency")
    assert body["result"]["conversation"]["sentiment"] == "negative"
    assert body["result"]["conversation"]["followUpRequired"] is True
    assert recorded.count() == 1  # matched, not duplicated
    assert NotificationQueueItem.objects.filter(action_type="complaint").exists()


def test_a_complaint_only_in_the_words_is_recorded_by_the_analysis(demo_pizzeria):
    """A recording transcript (no assistant): the analysis records the complaint itself, once."""
    call = Call.objects.create(
        business=demo_pizzeria.business,
        store=demo_pizzeria,
        call_control_id="v3:words-only",
        from_number=CALLER,
        to_number="+33100000001",
        status=Call.Status.TRANSFERRED,
        started_at=FRIDAY_EVENING,
        ended_at=FRIDAY_EVENING + timedelta(minutes=3),
        transcript="Bonjour. Je veux me plaindre, ma commande est arrivée avec une heure de retard. "
        "Je voudrais être remboursé.",
        analysis={"transcription": {"status": "done", "provider": "openai"}},
    )
    analyze_call(call.pk)
    [complaint] = exchanges_of_call(call).filter(type="complaint")
    assert complaint.category == "delay"
    assert complaint.content["source"] == "analysis"
    assert "refund" in complaint.content["requested_actions"]
    assert complaint.follow_up_required
    analyze_call(call.pk, force=True)
    assert exchanges_of_call(call).filter(type="complaint").count() == 1


def test_a_recording_in_french_without_an_offline_transcriber_says_so_and_invents_nothing(
    demo_pizzeria, settings, tmp_path
):
    from django.core.files.base import ContentFile

    settings.STT_PROVIDER = "local"
    call = Call.objects.create(
        business=demo_pizzeria.business,
        store=demo_pizzeria,
        call_control_id="v3:recording-only",
        from_number=CALLER,
        to_number="+33100000001",
        status=Call.Status.TRANSFERRED,
        started_at=FRIDAY_EVENING,
        ended_at=FRIDAY_EVENING + timedelta(minutes=3),
    )
    call.recording_file.save("call.wav", ContentFile(b"RIFF0000WAVE"), save=True)
    analyze_call(call.pk)
    call.refresh_from_db()
    assert call.analysis_status == "done"
    assert call.analysis["transcription"]["status"] == "unsupported_language"
    assert (
        "French" in call.analysis["transcription"]["reason"]
        or "fr" in call.analysis["transcription"]["reason"]
    )
    assert call.transcript == ""
    assert call.analysis["result"]["orders"] == []


# --- concurrency and the door ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_workers_analysing_at_once_write_everything_once(demo_pizzeria):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the row lock matters on PostgreSQL")
    call = phone_call(demo_pizzeria, ORDER[:1])  # leaves a suggestion to create
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            analyze_call(call.pk, force=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert suggestions_of_call(call).count() == 1
    assert exchanges_of_call(call).filter(type="complaint").count() == 0


def test_analysis_of_a_call_in_progress_is_refused_with_a_reason(demo_pizzeria, owner):
    call = phone_call(demo_pizzeria, ORDER[:1], hang_up=False)
    response = owner.post(f"/api/ai/process-call/{call.pk}")
    assert response.status_code == 409
    assert "in progress" in response.json()["detail"]


def test_another_tenant_sees_nothing(demo_pizzeria, owner, carol_client, django_capture_on_commit_callbacks):
    call = phone_call(demo_pizzeria, ORDER[:1])
    [suggestion] = run_analysis(owner, call, django_capture_on_commit_callbacks)["suggestions"]
    for method, url in (
        ("get", f"/api/ai/process-call/{call.pk}"),
        ("post", f"/api/ai/process-call/{call.pk}"),
        ("post", f"/api/ai/suggestions/{suggestion['id']}/accept"),
        ("post", f"/api/ai/suggestions/{suggestion['id']}/dismiss"),
    ):
        response = getattr(carol_client, method)(url)
        assert response.status_code == 404, (method, url)
    assert carol_client.get("/api/ai/suggestions").json()["items"] == []
    assert AnalysisSuggestion.objects.get().status == "pending"


def test_the_local_analyzer_reads_an_order_from_words_alone(demo_pizzeria):
    from ai import context
    from ai.analysis.base import AnalysisInput, Known, Line

    data = AnalysisInput(
        ctx=context.get_context(demo_pizzeria),
        lang="en",
        lines=[Line("unknown", "Hello, I would like two large margherita and one coke for delivery please.")],
        known=Known(),
        state={},
        call_status="transferred",
        duration_seconds=60,
        started_at=FRIDAY_EVENING,
        handled_by_assistant=False,
    )
    result = LocalAnalyzer().analyze(data).result
    [order] = result.orders
    assert [(i.name, i.quantity) for i in order.items] == [("Margherita", 2), ("Coca-Cola 33 cl", 1)]
    assert order.items[0].customizations == ["Grande"]
    assert order.deliveryType == "delivery"
    assert "Unconfirmed order" in result.conversation.summary
