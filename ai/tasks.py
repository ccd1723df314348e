"""Celery tasks of the assistant: thin wrappers over ai.selftest."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from ai import selftest
from ai.models import AssistantSelfTest
from stores.models import Store

DEBOUNCE_KEY = "ai:selftest:pending:{}"


@shared_task(name="ai.run_selftest")
def run_selftest(
    store_id: int, trigger: str = AssistantSelfTest.Trigger.MANUAL, report_id: int | None = None
) -> int | None:
    cache.delete(DEBOUNCE_KEY.format(store_id))
    store = Store.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        return None
    report = AssistantSelfTest.objects.filter(pk=report_id, store=store).first() if report_id else None
    return selftest.run(store, trigger=trigger, report=report).pk


def schedule_after_change(store_id: int) -> None:
    """Re-run the self-test once the owner has finished editing: a burst of catalog edits
    schedules one run, SELFTEST_DEBOUNCE_SECONDS after the first."""
    if not settings.ASSISTANT_SELFTEST_ON_CHANGE:
        return
    delay = settings.SELFTEST_DEBOUNCE_SECONDS
    if cache.add(DEBOUNCE_KEY.format(store_id), 1, timeout=delay + 60):
        run_selftest.apply_async(args=(store_id, AssistantSelfTest.Trigger.CHANGE), countdown=delay)


@shared_task(name="ai.analyze_call", bind=True, acks_late=True)
def analyze_call(self, call_id: int, force: bool = False) -> str:  # noqa: ANN001 - Celery's bound task
    """Post-call analysis (ai.analysis). Transient failures retry with backoff; after the last
    one the call is marked FAILED with the error, and the API can re-run it."""
    from django.db import DatabaseError

    from ai import analysis
    from telephony.models import Call

    try:
        call = analysis.analyze_call(call_id, force=force)
    except Exception as exc:
        retryable = isinstance(exc, DatabaseError | OSError)
        if retryable and self.request.retries < settings.ANALYSIS_MAX_RETRIES and not self.request.is_eager:
            raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from None
        previous = Call.objects.filter(pk=call_id).values_list("analysis", flat=True).first() or {}
        Call.objects.filter(pk=call_id).update(
            analysis_status=Call.AnalysisStatus.FAILED,
            analysis={
                **previous,
                "error": f"{type(exc).__name__}: {exc}"[:1000],
                "attempts": self.request.retries + 1,
            },
        )
        if self.request.is_eager:
            raise
        return "failed"
    return "done" if call is not None else "no such call"


def queue_analysis(call_id: int, *, force: bool = False) -> bool:
    """Queue the analysis of a call; without force, only once (the status moves off NONE once)."""
    from telephony.models import Call

    calls = Call.objects.filter(pk=call_id)
    if not force:
        calls = calls.filter(analysis_status=Call.AnalysisStatus.NONE)
    if not calls.update(analysis_status=Call.AnalysisStatus.QUEUED):
        return False
    analyze_call.delay(call_id, force)
    return True


def on_call_ready(sender: object, call_id: int, **kwargs: object) -> None:
    queue_analysis(call_id)
