"""Post-call analysis of a call: claim the finished calls, gather what each left (its
conversation's words and rows through ai.analysis, or its recording's transcript), run the
analyzer, let ai apply the result to the conversation, and write the call's own results.

Idempotent: everything is re-read and applied under the Call row lock, so running it twice, or
two workers at once, never duplicates an order, a booking, a complaint or a notification. A
re-run (`force=True`) recomputes and converges to the same rows.

`analyze_pending(limit)` is the worker's usual door: one pass over the calls marked QUEUED, the
local analyzer's ones analysed together (one query per kind of row for the whole batch, the
shared writes in bulk), the slow ones (OpenAI, a recording to transcribe) handed off to one task
each. `analyze_call(call_id)` analyses one call now."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, transaction
from django.utils import timezone

from ai import analysis, context
from ai.analysis.base import AnalysisInput, Analyzer, AnalyzerOutput, Line
from ai.analysis.local import LocalAnalyzer
from ai.models import AIConversationSession
from ai.transcription import transcribe_recording
from kalliky.bulk import update_rows
from kalliky.events import publish
from kalliky.languages import supported_language
from stores.services.customers import customers_refresh_behaviour
from telephony.events import calls_analysed
from telephony.models import Call, CallbackTicket

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _lang(call: Call, state: dict[str, Any]) -> str:
    lang = (
        state.get("lang") or (call.control or {}).get("lang") or (call.store.language if call.store else "fr")
    )
    return supported_language(lang)


@dataclass
class CallRows:
    """What a call produced (through its conversation) and whether it left a call-back ticket."""

    rows: analysis.Rows
    callback_requested: bool


def read_rows(call: Call) -> CallRows:
    return read_rows_many([call])[call.pk]


def read_rows_many(calls: list[Call]) -> dict[int, CallRows]:
    """What each call produced, in one query per kind for the whole batch."""
    produced = analysis.read_rows_many({c.conversation_id: c.store for c in calls if c.conversation_id})
    ids = [c.pk for c in calls]
    callbacks = set(CallbackTicket.objects.filter(call_id__in=ids).values_list("call_id", flat=True))
    result = {}
    for c in calls:
        rows = produced.get(c.conversation_id, analysis.NO_ROWS) if c.conversation_id else analysis.NO_ROWS
        for row in (*rows.orders, *rows.reservations, *rows.bookings, *rows.consultations, *rows.complaints):
            row.call_pk = c.pk  # what the notifications about them link to, known without a query
        result[c.pk] = CallRows(rows, c.pk in callbacks)
    return result


def _transcribe(call: Call, lang: str, hints: list[str]) -> tuple[list[Line], dict[str, Any]]:
    """The recording's transcript, once: a done transcription is kept on the call and reused."""
    previous = (call.analysis or {}).get("transcription") or {}
    if previous.get("status") == "done" and call.transcript:
        text = call.transcript
        info = previous
    elif call.recording_file:
        try:
            path = call.recording_file.path
        except NotImplementedError:  # remote storage: no local path
            return [], {"status": "failed", "reason": "the recording is not on local storage"}
        found = transcribe_recording(path, language=lang, hints=hints)
        info = {"status": found.status, "provider": found.provider, "reason": found.reason, "language": lang}
        if found.status != "done":
            return [], info
        text = found.text
        Call.objects.filter(pk=call.pk).update(transcript=text)
        call.transcript = text
    else:
        reason = (call.control or {}).get("recording_failed") or "no recording"
        return [], {"status": "none", "reason": reason}
    return [Line("unknown", s) for s in _SENTENCE_END.split(text) if s.strip()], info


class NeedsTranscription(Exception):
    """Raised on the fast path: the recording must be transcribed first, outside the lock."""


_READ = object()


def gather(
    call: Call,
    rows: CallRows | None = None,
    *,
    transcribe: bool = True,
    session: Any = _READ,
    ctx: context.StoreContext | None = None,
) -> tuple[AnalysisInput, dict[str, Any]]:
    """`session`: the call's conversation record when the caller has read it already (or None);
    `ctx`: the store's context when the caller holds it."""
    if session is _READ:
        conversations = AIConversationSession.objects.filter(pk=call.conversation_id)
        session = conversations.first() if call.conversation_id else None
    record: AIConversationSession | None = session
    if record is not None:
        call.conversation = record  # read once: `apply` hands it to ai without another query
    state = (record.state if record else {}) or {}
    lang = _lang(call, state)
    ctx = ctx or context.get_context(call.store)
    lines = analysis.lines_of(record)
    source: dict[str, Any] = {"source": "conversation"}
    handled = bool(lines)
    if not any(line.role == "caller" for line in lines):
        reusable = ((call.analysis or {}).get("transcription") or {}).get("status") == "done"
        if call.recording_file and not reusable and not transcribe:
            raise NeedsTranscription
        hints = [i.name for i in ctx.items] + [s.name for s in ctx.services] + [ctx.store_name]
        lines, info = _transcribe(call, lang, hints)
        source = {"source": "recording" if lines else "none", "transcription": info}
        handled = False
    rows = rows or read_rows(call)
    data = AnalysisInput(
        ctx=ctx,
        lang=lang,
        lines=lines,
        known=analysis.known_of(rows.rows, call.store, callback_requested=rows.callback_requested),
        state=state,
        call_status=call.status,
        duration_seconds=call.duration_seconds,
        started_at=call.started_at,
        handled_by_assistant=handled,
        session_cost=record.cost if record else Decimal("0"),
    )
    return data, source


_RELATED = ("store__business", "store__ai_config", "customer")


def _lock(call_id: int) -> Call:
    # Only the call's row: FOR UPDATE may not reach the nullable side of the joins.
    return Call.objects.select_for_update(of=("self",)).select_related(*_RELATED).get(pk=call_id)


def _brain(call: Call) -> str | None:
    try:
        return call.store.ai_config.brain if call.store else None
    except ObjectDoesNotExist:
        return None


@dataclass
class Batch:
    """What one pass over queued calls did."""

    claimed: int = 0
    done: list[int] = field(default_factory=list)
    handed_off: list[int] = field(default_factory=list)  # slow path: one task each (network, audio)
    failed: dict[int, str] = field(default_factory=dict)
    retrying: list[int] = field(default_factory=list)


def _analyze_locked(calls: list[Call], analyzer: Analyzer, batch: Batch, *, isolate: bool) -> None:
    """The fast path, for calls whose rows the caller's transaction holds locked: every read is
    one query for the whole list, the analyses run in process, and the writes each call shares
    with the others (its own row, its customer's behaviour) are made once, in bulk, at the end.

    `isolate`: each call in a savepoint, so that one failure does not undo the others (it is
    recorded in `batch.failed`); else the first failure propagates."""
    rows = read_rows_many(calls)
    sessions = AIConversationSession.objects.in_bulk([c.conversation_id for c in calls if c.conversation_id])
    contexts: dict[int, context.StoreContext] = {}  # a store's context, fetched once a batch
    finished: list[Call] = []
    for call in calls:
        try:
            with transaction.atomic() if isolate else nullcontext():
                store_id = call.store_id or 0
                if store_id not in contexts:
                    contexts[store_id] = context.get_context(call.store)
                data, source = gather(
                    call,
                    rows[call.pk],
                    transcribe=False,
                    session=sessions.get(call.conversation_id),
                    ctx=contexts[store_id],
                )
                out = analyzer.analyze(data)
                apply(call, data, out, source=source, rows=rows[call.pk], deferred=True)
        except NeedsTranscription:
            batch.handed_off.append(call.pk)
            continue
        except Exception as exc:
            if not isolate:
                raise
            log.exception("analysis of call %s failed", call.pk)
            _record_failure(call, exc, batch)
            continue
        finished.append(call)
        log.info("call %s analysed by %s", call.pk, out.analyzer)
    finish(finished)
    batch.done += [c.pk for c in finished]


def _record_failure(call: Call, exc: Exception, batch: Batch) -> None:
    """A database or I/O error is retried by the next pass, up to ANALYSIS_MAX_RETRIES; anything
    else (a defect, bad data) fails the call at once, with the error shown in the API."""
    previous = Call.objects.filter(pk=call.pk).values_list("analysis", flat=True).first() or {}
    attempts = int(previous.get("attempts") or 0) + 1 if previous.get("error") else 1
    retry = isinstance(exc, DatabaseError | OSError) and attempts <= settings.ANALYSIS_MAX_RETRIES
    Call.objects.filter(pk=call.pk).update(
        analysis_status=Call.AnalysisStatus.QUEUED if retry else Call.AnalysisStatus.FAILED,
        analysis={**previous, "error": f"{type(exc).__name__}: {exc}"[:1000], "attempts": attempts},
        updated_at=timezone.now(),
    )
    if retry:
        batch.retrying.append(call.pk)
    else:
        batch.failed[call.pk] = f"{type(exc).__name__}: {exc}"[:1000]


def analyze_pending(limit: int, on_claimed: Callable[[int], None] | None = None) -> Batch:
    """One pass over the queued calls (status QUEUED), up to `limit`, oldest first.

    The local analyzer's calls are analysed here, together, in one transaction under their row
    locks (other workers skip them: SKIP LOCKED on PostgreSQL; SQLite serialises writers). The
    calls that need the network (OpenAI) or a transcription are marked RUNNING and returned in
    `handed_off`: the caller queues one task each once this has committed."""
    batch = Batch()
    with transaction.atomic():
        claimed = list(
            Call.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related(*_RELATED)
            .filter(analysis_status=Call.AnalysisStatus.QUEUED)
            .order_by("pk")[:limit]
        )
        batch.claimed = len(claimed)
        if on_claimed is not None:
            on_claimed(batch.claimed)
        local: list[Call] = []
        for call in claimed:
            if call.store is None:
                batch.failed[call.pk] = "the call has no store"
            elif analysis.analyzer_for(_brain(call)).name == "local":
                local.append(call)
            else:
                batch.handed_off.append(call.pk)
        if local:
            try:
                # Optimistically all together, with no savepoint per call (each costs a round
                # trip); on a failure, again one by one, so that a bad call fails alone.
                with transaction.atomic():
                    attempt = Batch()
                    _analyze_locked(local, LocalAnalyzer(), attempt, isolate=False)
            except Exception:
                log.warning("a batch of %s calls failed: one by one now", len(local), exc_info=True)
                again = Call.objects.select_related(*_RELATED).filter(pk__in=[c.pk for c in local])
                _analyze_locked(list(again.order_by("pk")), LocalAnalyzer(), batch, isolate=True)
            else:
                batch.done += attempt.done
                batch.handed_off += attempt.handed_off
        now = timezone.now()
        if batch.handed_off:
            Call.objects.filter(pk__in=batch.handed_off).update(
                analysis_status=Call.AnalysisStatus.RUNNING, updated_at=now
            )
        no_store = [pk for pk, reason in batch.failed.items() if reason == "the call has no store"]
        if no_store:
            Call.objects.filter(pk__in=no_store).update(
                analysis_status=Call.AnalysisStatus.FAILED,
                analysis={"error": "The call reached no store: there is nothing to analyse it against."},
                updated_at=now,
            )
    return batch


def analyze_call(call_id: int, *, force: bool = False) -> Call | None:
    """Analyse one call now (the API's re-run and the slow path's task come here)."""
    head = (
        Call.objects.filter(pk=call_id)
        .values("analysis_status", "store_id", "store__ai_config__brain")
        .first()
    )
    if head is None or head["store_id"] is None:
        return None
    if head["analysis_status"] == Call.AnalysisStatus.DONE and not force:
        return Call.objects.get(pk=call_id)
    analyzer = analysis.analyzer_for(head["store__ai_config__brain"])
    if analyzer.name == "local":
        # Fast and pure: read, analyse and apply in one transaction under the lock, each row once.
        batch = Batch()
        with transaction.atomic():
            locked = _lock(call_id)
            if locked.analysis_status == Call.AnalysisStatus.DONE and not force:
                return locked
            _analyze_locked([locked], analyzer, batch, isolate=False)
        if batch.done:
            return locked
        # else it needs a transcription first: nothing was written, take the slow path below
    call = Call.objects.select_related(*_RELATED).get(pk=call_id)
    # A network analyzer or a transcription: no lock is held while they run.
    Call.objects.filter(pk=call.pk).update(
        analysis_status=Call.AnalysisStatus.RUNNING, updated_at=timezone.now()
    )
    data, source = gather(call)
    out = analyzer.analyze(data)
    with transaction.atomic():
        locked = _lock(call.pk)
        if locked.analysis_status == Call.AnalysisStatus.DONE and not force:
            return locked  # another worker finished first: its result stands
        apply(locked, data, out, source=source)  # re-reads what the call produced, locked
    log.info("call %s analysed by %s", call.pk, out.analyzer)
    return locked


# --- the call's own results ---------------------------------------------------------------------------
_CALL_FIELDS = [
    "conversation",
    "ai_summary",
    "sentiment",
    "satisfaction",
    "cost",
    "analysis",
    "analysis_status",
    "updated_at",
]


def apply(
    call: Call,
    data: AnalysisInput,
    out: AnalyzerOutput,
    *,
    source: dict[str, Any],
    rows: CallRows | None = None,
    deferred: bool = False,
) -> None:
    """ai applies the result to the conversation (matching, suggestions, complaints); the call's
    summary, sentiment, cost and record of the analysis are written here.
    `rows`: what the call produced, read under the same lock (else read here).
    `deferred`: the call's own row and its customer's behaviour are left to `finish()`, which
    writes a batch of them at once (in the same transaction)."""
    rows = rows or read_rows(call)
    result = out.result
    applied = analysis.apply(
        call.conversation if call.conversation_id else None,
        data,
        out,
        rows.rows,
        party=analysis.Party(
            business_id=call.business_id, store=call.store, customer=call.customer, phone=call.from_number
        ),
        before=bool((call.analysis or {}).get("suggestions")),
    )
    if applied.conversation is not None:
        call.conversation = applied.conversation
    conversation = result.conversation
    call.ai_summary = conversation.summary
    call.sentiment = conversation.sentiment
    call.satisfaction = conversation.satisfaction
    call.cost = data.session_cost + out.cost
    call.analysis = {
        "version": 1,
        "result": result.model_dump(),
        "analyzer": out.analyzer,
        "fallback_reason": out.fallback_reason,
        "attempts": out.attempts,
        "tokens": {"in": out.tokens_in, "out": out.tokens_out},
        "cost": str(out.cost),
        "transcript": source.get("source"),
        "transcription": source.get("transcription") or {},
        "matched": {
            "orders": {str(k): v for k, v in applied.order_match.items()},
            "services": {str(k): v for k, v in applied.service_match.items()},
        },
        "suggestions": applied.suggestions,
        "complaints": [c.pk for c in applied.complaints],
        "analysed_at": timezone.now().isoformat(),
        # Our own phrases' summary as parts, shown in each reader's language (Call.summary); an
        # LLM's free text only with the language it was written in.
        "summary": {"lang": data.lang, "parts": out.summary_parts}
        if out.summary_parts is not None
        else {"lang": data.lang},
    }
    call.analysis_status = Call.AnalysisStatus.DONE
    call.updated_at = timezone.now()
    if not deferred:
        finish([call])


def finish(calls: list[Call]) -> None:
    """Write the analysed calls' own rows and refresh their customers' behaviour, in bulk; once
    committed, `calls_analysed` tells the subscribers (the owner's call summaries, missed calls,
    call-back tickets)."""
    if not calls:
        return
    update_rows(calls, _CALL_FIELDS)
    customers = {c.customer_id: c.customer for c in calls if c.customer_id}
    customers_refresh_behaviour(list(customers.values()))  # type: ignore[arg-type]
    publish(calls_analysed, sender=Call, call_ids=[c.pk for c in calls])
