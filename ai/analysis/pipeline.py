"""Gather what a finished call left, run the analyzer, apply the result (see the package doc)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ai import context
from ai.analysis import apply
from ai.analysis.base import AnalysisInput, Analyzer, Known, Line
from ai.analysis.local import LocalAnalyzer
from ai.analysis.openai import OpenAIAnalyzer
from ai.models import AIConversationSession
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
    return lang if lang in ("fr", "en") else "fr"


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
    store = call.store
    ctx_flags = (store.has_reservations, store.has_consultations) if store else (True, True)
    return Rows(
        orders=list(Order.objects.filter(call=call).prefetch_related("items").order_by("pk")),
        reservations=list(Reservation.objects.filter(call=call).order_by("pk")) if ctx_flags[0] else [],
        bookings=list(ServiceBooking.objects.filter(call=call).select_related("service").order_by("pk")),
        consultations=list(Consultation.objects.filter(call=call).order_by("pk")) if ctx_flags[1] else [],
        complaints=list(
            CustomerExchange.objects.filter(call=call, type=CustomerExchange.Type.COMPLAINT).order_by("pk")
        ),
        callback_requested=CallbackTicket.objects.filter(call=call).exists(),
    )


def known_of(call: Call, rows: Rows | None = None) -> Known:
    """What the tools created during the call, as plain views."""
    from zoneinfo import ZoneInfo

    rows = rows or read_rows(call)
    tz = ZoneInfo(call.store.timezone if call.store else "UTC")
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


def gather(
    call: Call, rows: Rows | None = None, *, transcribe: bool = True
) -> tuple[AnalysisInput, dict[str, Any]]:
    record = AIConversationSession.objects.filter(call=call).first()
    state = (record.state if record else {}) or {}
    lang = _lang(call, state)
    ctx = context.get_context(call.store)
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


def _lock(call_id: int) -> Call:
    # Only the call's row: FOR UPDATE may not reach the nullable side of the joins.
    calls = Call.objects.select_for_update(of=("self",)).select_related(
        "store", "store__ai_config", "customer"
    )
    return calls.get(pk=call_id)


def analyze_call(call_id: int, *, force: bool = False) -> Call | None:
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
        try:
            with transaction.atomic():
                locked = _lock(call_id)
                if locked.analysis_status == Call.AnalysisStatus.DONE and not force:
                    return locked
                rows = read_rows(locked)
                data, source = gather(locked, rows, transcribe=False)
                out = analyzer.analyze(data)
                apply.apply(locked, data, out, source=source, rows=rows)
            log.info("call %s analysed by %s", call_id, out.analyzer)
            return locked
        except NeedsTranscription:
            pass  # nothing was written: take the slow path below
    call = Call.objects.select_related("store", "store__ai_config", "customer").get(pk=call_id)
    # A network analyzer or a transcription: no lock is held while they run.
    Call.objects.filter(pk=call.pk).update(analysis_status=Call.AnalysisStatus.RUNNING)
    data, source = gather(call)
    out = analyzer.analyze(data)
    with transaction.atomic():
        locked = _lock(call.pk)
        if locked.analysis_status == Call.AnalysisStatus.DONE and not force:
            return locked  # another worker finished first: its result stands
        apply.apply(locked, data, out, source=source)  # re-reads what the call created, locked
    log.info("call %s analysed by %s", call.pk, out.analyzer)
    return locked
