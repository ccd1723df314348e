"""Gather what a finished call left, run the analyzer, apply the result (see the package doc)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, transaction
from django.utils import timezone

from ai import context
from ai.analysis import apply
from ai.analysis.base import AnalysisInput, Analyzer, Known, Line
from ai.analysis.local import LocalAnalyzer
from ai.analysis.openai import OpenAIAnalyzer
from ai.models import AIConversationSession
from kalliky.languages import supported_language
from stores.models import Consultation, CustomerExchange, Order, Reservation, ServiceBooking
from telephony.models import Call, CallbackTicket

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def analyzer_for(store_brain: str | None) -> Analyzer:
    """The store's own brain choice wins over the platform's AI_ANALYZER."""
    choice = store_brain if store_brain in ("local", "openai") else settings.AI_ANALYZER
    return OpenAIAnalyzer() if choice == "openai" else LocalAnalyzer()


def _lang(call: Call, state: dict[str, Any]) -> str:
    lang = (
        state.get("lang") or (call.control or {}).get("lang") or (call.store.language if call.store else "fr")
    )
    return supported_language(lang)


def _local(at: Any, tz: Any) -> str | None:
    return timezone.localtime(at, tz).replace(tzinfo=None).isoformat(timespec="minutes") if at else None


@dataclass
class Rows:
    """What the call created, read once per analysis (under the lock on the fast path)."""

    orders: list[Order]
    reservations: list[Reservation]
    bookings: list[ServiceBooking]
    consultations: list[Consultation]
    complaints: list[CustomerExchange]
    callback_requested: bool


def read_rows(call: Call) -> Rows:
    return read_rows_many([call])[call.pk]


def read_rows_many(calls: list[Call]) -> dict[int, Rows]:
    """What each call created, in one query per kind for the whole batch. The rows come with the
    relations the matching reads."""
    ids = [c.pk for c in calls]
    stores = [c.store for c in calls if c.store is not None]
    tables = any(s.has_reservations for s in stores) or len(stores) < len(calls)
    consulting = any(s.has_consultations for s in stores) or len(stores) < len(calls)

    def grouped(rows: Any) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for row in rows:
            out.setdefault(row.call_id, []).append(row)
        return out

    orders = grouped(
        Order.objects.filter(call_id__in=ids)
        .select_related("store__business", "customer")
        .prefetch_related("items")
        .order_by("pk")
    )
    reservations = (
        grouped(
            Reservation.objects.filter(call_id__in=ids)
            .select_related("store__business", "customer")
            .order_by("pk")
        )
        if tables
        else {}
    )
    bookings = grouped(
        ServiceBooking.objects.filter(call_id__in=ids)
        .select_related("store__business", "customer", "service", "resource")
        .order_by("pk")
    )
    consultations = (
        grouped(
            Consultation.objects.filter(call_id__in=ids)
            .select_related("store__business", "customer")
            .order_by("pk")
        )
        if consulting
        else {}
    )
    complaints = grouped(
        CustomerExchange.objects.filter(call_id__in=ids, type=CustomerExchange.Type.COMPLAINT).order_by("pk")
    )
    callbacks = set(CallbackTicket.objects.filter(call_id__in=ids).values_list("call_id", flat=True))
    result = {}
    for call in calls:
        store = call.store
        result[call.pk] = Rows(
            orders=orders.get(call.pk, []),
            reservations=reservations.get(call.pk, []) if store is None or store.has_reservations else [],
            bookings=bookings.get(call.pk, []),
            consultations=consultations.get(call.pk, []) if store is None or store.has_consultations else [],
            complaints=complaints.get(call.pk, []),
            callback_requested=call.pk in callbacks,
        )
    return result


def known_of(call: Call, rows: Rows | None = None) -> Known:
    """What the tools created during the call, as plain views."""
    rows = rows or read_rows(call)
    tz = call.store.zone if call.store else ZoneInfo("UTC")
    return Known(
        orders=[
            {
                "id": o.pk,
                "number": o.number,
                "items": [
                    {
                        "name": i.name,
                        "quantity": i.quantity,
                        "customizations": [
                            str(v.get("value", "")) for v in i.variations if isinstance(v, dict)
                        ],
                        "line_total": str(i.line_total),
                    }
                    for i in o.items.all()
                ],
                "total": str(o.total),
                "delivery_type": o.delivery_type,
                "urgency": o.urgency,
            }
            for o in rows.orders
        ],
        reservations=[
            {
                "id": r.pk,
                "party_size": r.party_size,
                "starts_at": _local(r.starts_at, tz),
                "duration_minutes": r.duration_minutes,
            }
            for r in rows.reservations
        ],
        service_bookings=[
            {
                "id": b.pk,
                "service": b.service.name,
                "starts_at": _local(b.starts_at, tz),
                "duration": int((b.ends_at - b.starts_at).total_seconds() // 60),
                "price": str(b.price),
            }
            for b in rows.bookings
        ],
        consultations=[
            {
                "id": c.pk,
                "problem": c.problem,
                "urgency": c.urgency,
                "recommendation": c.recommendation,
                "expertise": c.expertise_required,
            }
            for c in rows.consultations
        ],
        complaints=[
            {"id": e.pk, "category": e.category, "description": e.description, "severity": e.severity}
            for e in rows.complaints
        ],
        callback_requested=rows.callback_requested,
    )


def _transcribe(call: Call, lang: str, hints: list[str]) -> tuple[list[Line], dict[str, Any]]:
    """The recording's transcript, once: a done transcription is kept on the call and reused."""
    previous = (call.analysis or {}).get("transcription") or {}
    if previous.get("status") == "done" and call.transcript:
        text = call.transcript
        info = previous
    elif call.recording_file:
        from ai.transcription import transcribe_recording

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
    rows: Rows | None = None,
    *,
    transcribe: bool = True,
    session: Any = _READ,
    ctx: context.StoreContext | None = None,
) -> tuple[AnalysisInput, dict[str, Any]]:
    """`session`: the call's conversation record when the caller has read it already (or None);
    `ctx`: the store's context when the caller holds it."""
    record = AIConversationSession.objects.filter(call=call).first() if session is _READ else session
    state = (record.state if record else {}) or {}
    lang = _lang(call, state)
    ctx = ctx or context.get_context(call.store)
    lines = [
        Line("caller" if m["role"] == "user" else "assistant", str(m["content"]))
        for m in (record.messages if record else [])
        if m.get("role") in ("user", "assistant") and m.get("content")
    ]
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
    data = AnalysisInput(
        ctx=ctx,
        lang=lang,
        lines=lines,
        known=known_of(call, rows),
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
    sessions = {s.call_id: s for s in AIConversationSession.objects.filter(call_id__in=[c.pk for c in calls])}
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
                    session=sessions.get(call.pk),
                    ctx=contexts[store_id],
                )
                out = analyzer.analyze(data)
                apply.apply(call, data, out, source=source, rows=rows[call.pk], deferred=True)
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
    apply.finish(finished)
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
            elif analyzer_for(_brain(call)).name == "local":
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
    analyzer = analyzer_for(head["store__ai_config__brain"])
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
        apply.apply(locked, data, out, source=source)  # re-reads what the call created, locked
    log.info("call %s analysed by %s", call.pk, out.analyzer)
    return locked
