"""Celery tasks of the post-call analysis (telephony.analysis does the work).

A finished call is marked QUEUED in the database (the durable queue) and a drain task analyses
the queued calls in batches: one broker message per batch, not per call, because a message
costs a worker about as much as a whole local analysis (decision 0016)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from telephony import analysis
from telephony.models import Call

KICK_KEY = "telephony:analysis:kick"


def kick() -> None:
    """Make sure a drain runs soon. At most one waits in the broker at a time: the drain clears
    the flag when it starts, so a call queued after that start publishes the next one."""
    if cache.add(KICK_KEY, 1, timeout=settings.ANALYSIS_KICK_SECONDS):
        analyze_pending.delay()


@shared_task(name="telephony.analyze_pending", bind=True, acks_late=True)
def analyze_pending(self) -> dict[str, int]:  # noqa: ANN001 - Celery's bound task
    """Analyse one batch of queued calls. A full batch means more may be waiting: the next drain
    is queued as soon as this one has claimed its calls, so idle workers share the backlog (and
    other tasks get their turn between batches)."""
    cache.delete(KICK_KEY)
    limit = settings.ANALYSIS_BATCH_SIZE

    def on_claimed(count: int) -> None:
        if count >= limit:
            # Right away, so another worker takes the next batch while this one works (SKIP
            # LOCKED). Run eagerly (tests), the next drain waits for this one's commit instead.
            transaction.on_commit(kick) if self.request.is_eager else kick()

    try:
        batch = analysis.analyze_pending(limit, on_claimed=on_claimed)
    except (DatabaseError, OSError) as exc:
        # Nothing was written; the calls are still QUEUED (and the sweep would find them).
        if self.request.retries < settings.ANALYSIS_MAX_RETRIES and not self.request.is_eager:
            raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from None
        raise
    for call_id in batch.handed_off:
        analyze_call.delay(call_id)
    if batch.retrying:
        kick()
    return {
        "claimed": batch.claimed,
        "done": len(batch.done),
        "handed_off": len(batch.handed_off),
        "failed": len(batch.failed),
    }


@shared_task(name="telephony.sweep_analysis")
def sweep_analysis() -> int:
    """Beat's safety net: calls queued for a while with no drain seen (a lost message, a flag
    left in another process's cache) get one; calls RUNNING for too long (their worker died)
    are queued again. Returns how many calls it found waiting."""
    now = timezone.now()
    stuck = Call.objects.filter(
        analysis_status=Call.AnalysisStatus.RUNNING,
        updated_at__lt=now - timedelta(seconds=settings.ANALYSIS_RUNNING_TIMEOUT),
    ).update(analysis_status=Call.AnalysisStatus.QUEUED, updated_at=now)
    waiting = Call.objects.filter(
        analysis_status=Call.AnalysisStatus.QUEUED,
        updated_at__lt=now - timedelta(seconds=settings.ANALYSIS_KICK_SECONDS),
    ).count()
    if waiting or stuck:
        cache.delete(KICK_KEY)
        kick()
    return waiting + stuck


@shared_task(name="telephony.analyze_call", bind=True, acks_late=True)
def analyze_call(self, call_id: int, force: bool = False) -> str:  # noqa: ANN001 - Celery's bound task
    """One call's analysis: the slow path (OpenAI, transcription) that a drain hands off.
    Transient failures retry with backoff; after the last one the call is marked FAILED with
    the error, and the API can re-run it."""
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
    """Queue the analysis of a call; without force, only once (the status moves off NONE once).
    The drain is kicked once the status change has committed, so it cannot miss the call."""
    calls = Call.objects.filter(pk=call_id)
    if not force:
        calls = calls.filter(analysis_status=Call.AnalysisStatus.NONE)
    if not calls.update(analysis_status=Call.AnalysisStatus.QUEUED, updated_at=timezone.now()):
        return False
    transaction.on_commit(kick)
    return True


def on_call_ready(sender: object, call_id: int, **kwargs: object) -> None:
    queue_analysis(call_id)
