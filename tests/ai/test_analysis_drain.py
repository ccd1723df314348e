"""The worker's way through the queued calls: telephony marks a finished call QUEUED and kicks a
drain; one drain analyses a batch of calls together (a fixed number of queries whatever the
batch), hands the slow ones (OpenAI, a recording) to a task each, isolates a failing call, and
the beat's sweep recovers what a lost message or a dead worker left behind."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ai.analysis.local import LocalAnalyzer
from stores.models import Customer
from telephony.analysis import analyze_pending
from telephony.analysis_tasks import KICK_KEY, sweep_analysis
from telephony.analysis_tasks import analyze_pending as drain
from telephony.callcontrol import call_ready_for_analysis
from telephony.models import Call
from telephony.selectors import exchanges_of_call, orders_of_call
from tests.ai.test_analysis import ORDER, phone_call
from tests.ai.test_analysis_openai import GOOD
from tests.fakes.openai import FakeOpenAI, text

COMPLAINT = ["Je veux faire une réclamation, la pizza était froide, c'est inadmissible"]


def finished_calls(store, count: int, *, first: int = 0) -> list[Call]:
    return [phone_call(store, ORDER, caller=f"+336700000{first + n:02d}") for n in range(count)]


def announce(calls: list[Call], capture) -> None:
    """What the call loop does at hang-up (and once the recording is stored)."""
    with capture(execute=True):
        for call in calls:
            call_ready_for_analysis.send(sender=Call, call_id=call.pk)


@pytest.fixture(autouse=True)
def _no_stale_kick():
    cache.delete(KICK_KEY)


def test_calls_announced_by_telephony_are_analysed_together(
    demo_pizzeria, django_capture_on_commit_callbacks
):
    calls = finished_calls(demo_pizzeria, 4)
    complaint = phone_call(demo_pizzeria, COMPLAINT, caller="+33670000099")
    announce([*calls, complaint], django_capture_on_commit_callbacks)

    for call in [*calls, complaint]:
        call.refresh_from_db()
        assert call.analysis_status == Call.AnalysisStatus.DONE, call.analysis
        assert call.ai_summary
    for n, call in enumerate(calls):
        assert orders_of_call(call).count() == 1  # matched, not a second one
        customer = Customer.objects.get(phone=f"+336700000{n:02d}")
        assert customer.order_count == 1 and customer.total_spent == Decimal("30.00")
        assert customer.behavior.favorite_products[0] == "Margherita"
    assert exchanges_of_call(complaint).filter(type="complaint").count() == 1
    assert complaint.sentiment == "negative"


def test_a_batch_costs_the_same_queries_for_three_calls_or_nine(demo_pizzeria):
    def queries_for(calls: list[Call]) -> int:
        Call.objects.filter(pk__in=[c.pk for c in calls]).update(analysis_status=Call.AnalysisStatus.QUEUED)
        with CaptureQueriesContext(connection) as captured:
            batch = analyze_pending(limit=50)
        assert sorted(batch.done) == sorted(c.pk for c in calls)
        return len(captured.captured_queries)

    few = queries_for(finished_calls(demo_pizzeria, 3))
    many = queries_for(finished_calls(demo_pizzeria, 9, first=10))
    assert many == few, (few, many)


def test_a_failing_call_fails_alone_and_says_why(demo_pizzeria, monkeypatch):
    calls = finished_calls(demo_pizzeria, 3)
    bad = calls[1]
    bad_order = orders_of_call(bad).get().pk
    real = LocalAnalyzer.analyze

    def analyze(self, data):  # noqa: ANN001, ANN202 - stands in for a defect on one call's data
        if [o["id"] for o in data.known.orders] == [bad_order]:
            raise ValueError("this call's data trips the analyzer")
        return real(self, data)

    monkeypatch.setattr(LocalAnalyzer, "analyze", analyze)
    Call.objects.filter(pk__in=[c.pk for c in calls]).update(analysis_status=Call.AnalysisStatus.QUEUED)
    batch = analyze_pending(limit=10)

    assert sorted(batch.done) == sorted([calls[0].pk, calls[2].pk])
    assert list(batch.failed) == [bad.pk]
    bad.refresh_from_db()
    assert bad.analysis_status == Call.AnalysisStatus.FAILED
    owner = Client()
    owner.force_login(demo_pizzeria.business.owner)
    body = owner.get(f"/api/ai/process-call/{bad.pk}").json()
    assert body["status"] == "failed" and "trips the analyzer" in body["error"]
    for call in (calls[0], calls[2]):
        call.refresh_from_db()
        assert call.analysis_status == Call.AnalysisStatus.DONE


def test_a_full_batch_kicks_the_next_one(demo_pizzeria, settings, django_capture_on_commit_callbacks):
    settings.ANALYSIS_BATCH_SIZE = 2
    calls = finished_calls(demo_pizzeria, 5)
    announce(calls, django_capture_on_commit_callbacks)
    # Each drain queues the next once it has committed; run the queued ones as a worker would.
    for _ in range(5):
        if not Call.objects.filter(analysis_status=Call.AnalysisStatus.QUEUED).exists():
            break
        with django_capture_on_commit_callbacks(execute=True):
            cache.delete(KICK_KEY)
            drain.delay()
    assert set(
        Call.objects.filter(pk__in=[c.pk for c in calls]).values_list("analysis_status", flat=True)
    ) == {Call.AnalysisStatus.DONE}


def test_the_slow_path_is_handed_to_a_task_of_its_own(
    demo_pizzeria, settings, django_capture_on_commit_callbacks
):
    with FakeOpenAI() as fake:
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = fake.api_key
        settings.AI_ANALYZER = "openai"
        call = phone_call(demo_pizzeria, ORDER)
        fake.queue(text(json.dumps(GOOD), prompt_tokens=900, completion_tokens=120))
        announce([call], django_capture_on_commit_callbacks)
    call.refresh_from_db()
    assert call.analysis_status == Call.AnalysisStatus.DONE
    assert call.analysis["analyzer"] == "openai"
    assert len(fake.chat_requests) == 1
    assert orders_of_call(call).count() == 1


def test_the_sweep_recovers_lost_drains_and_dead_workers(demo_pizzeria, settings):
    waiting, stuck = finished_calls(demo_pizzeria, 2)
    long_ago = timezone.now() - timedelta(hours=1)
    # A queued call whose drain message was lost (the flag still says one is on its way)...
    Call.objects.filter(pk=waiting.pk).update(analysis_status=Call.AnalysisStatus.QUEUED, updated_at=long_ago)
    cache.set(KICK_KEY, 1, 3600)
    # ...and a call handed off to a worker that died.
    Call.objects.filter(pk=stuck.pk).update(analysis_status=Call.AnalysisStatus.RUNNING, updated_at=long_ago)

    assert sweep_analysis() == 2
    for call in (waiting, stuck):
        call.refresh_from_db()
        assert call.analysis_status == Call.AnalysisStatus.DONE
    assert orders_of_call(waiting).count() + orders_of_call(stuck).count() == 2
    assert sweep_analysis() == 0


def test_a_call_that_reached_no_store_is_failed_with_a_reason(demo_pizzeria):
    call = phone_call(demo_pizzeria, ORDER)
    Call.objects.filter(pk=call.pk).update(store=None, analysis_status=Call.AnalysisStatus.QUEUED)
    batch = analyze_pending(limit=10)
    assert list(batch.failed) == [call.pk]
    call.refresh_from_db()
    assert call.analysis_status == Call.AnalysisStatus.FAILED
    assert "no store" in call.analysis["error"]
