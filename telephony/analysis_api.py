"""Post-call analysis API: read or re-run a call's analysis, review its suggestions (they belong
to the call's conversation; the call is telephony's, hence this module).

Calls and suggestions are reached through the user's businesses; another tenant's id is a 404."""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Value
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth
from pydantic import ValidationError as PydanticValidationError

from accounts.access import businesses_for
from ai import suggestions as suggestion_service
from ai.models import AnalysisSuggestion
from kalliky.errors import Conflict, ValidationFailed
from stores.access import stores_for
from stores.api import Page
from telephony.analysis_tasks import queue_analysis
from telephony.models import Call
from telephony.selectors import call_id_of_conversation, call_of_conversation_subquery

router = Router(tags=["analysis"], auth=django_auth)


class SuggestionOut(Schema):
    id: int
    call_id: int | None
    store_id: int
    kind: str
    status: str
    payload: dict[str, Any]
    created_ref: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_call_id(obj: AnalysisSuggestion) -> int | None:
        # The list annotates it (one query for the page); a single suggestion looks it up.
        if hasattr(obj, "call_pk"):
            return obj.call_pk
        return call_id_of_conversation(obj.conversation_id)


class AnalysisOut(Schema):
    call_id: int
    status: str
    analyzer: str
    fallback_reason: str
    summary: str
    sentiment: str
    satisfaction: int | None
    result: dict[str, Any] | None
    transcript_source: str
    transcription: dict[str, Any]
    suggestions: list[SuggestionOut]
    error: str


class QueuedOut(Schema):
    call_id: int
    status: str
    detail: str


class SuggestionFilter(Schema):
    store_id: int | None = None
    status: Literal["pending", "accepted", "dismissed"] | None = "pending"


class AcceptIn(Schema):
    """Fill in what the call left open (each optional)."""

    starts_at: datetime | None = None
    party_size: int | None = None
    service_id: int | None = None


def _call(request: HttpRequest, call_id: int) -> Call:
    call = Call.objects.filter(pk=call_id, business__in=businesses_for(request.user)).first()
    if call is None:
        raise Http404("Call not found.")
    return call


def _suggestion(request: HttpRequest, suggestion_id: int) -> AnalysisSuggestion:
    found = AnalysisSuggestion.objects.filter(pk=suggestion_id, store__in=stores_for(request.user)).first()
    if found is None:
        raise Http404("Suggestion not found.")
    return found


@router.get("/process-call/{call_id}", response=AnalysisOut, summary="A call's stored analysis")
def analysis_get(request: HttpRequest, call_id: int) -> dict[str, Any]:
    call = _call(request, call_id)
    analysis = call.analysis or {}
    return {
        "call_id": call.pk,
        "status": call.analysis_status,
        "analyzer": analysis.get("analyzer", ""),
        "fallback_reason": analysis.get("fallback_reason", ""),
        "summary": call.ai_summary,
        "sentiment": call.sentiment,
        "satisfaction": call.satisfaction,
        "result": analysis.get("result"),
        "transcript_source": analysis.get("transcript", ""),
        "transcription": analysis.get("transcription") or {},
        "suggestions": list(
            AnalysisSuggestion.objects.filter(conversation_id=call.conversation_id)
            .annotate(call_pk=Value(call.pk))
            .order_by("kind", "position")
        )
        if call.conversation_id
        else [],
        "error": analysis.get("error", ""),
    }


@router.post(
    "/process-call/{call_id}", response={202: QueuedOut}, summary="Run (or re-run) a call's analysis"
)
def analysis_run(request: HttpRequest, call_id: int) -> Status:
    call = _call(request, call_id)
    if call.ended_at is None:
        raise Conflict("The call is still in progress: its analysis runs once it has ended.")
    if call.analysis_status in (Call.AnalysisStatus.QUEUED, Call.AnalysisStatus.RUNNING):
        raise Conflict("An analysis of this call is already under way; read it with GET in a moment.")
    queue_analysis(call.pk, force=True)
    call.refresh_from_db(fields=["analysis_status"])
    return Status(
        202,
        {
            "call_id": call.pk,
            "status": call.analysis_status,
            "detail": "Analysis queued: GET this URL for the result. A re-run never duplicates anything.",
        },
    )


@router.get(
    "/suggestions", response=list[SuggestionOut], summary="What analyses found and calls did not confirm"
)
@paginate(Page)
def suggestion_list(request: HttpRequest, filters: Query[SuggestionFilter]) -> Any:
    rows = AnalysisSuggestion.objects.filter(store__in=stores_for(request.user))
    if filters.store_id is not None:
        rows = rows.filter(store_id=filters.store_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows.annotate(call_pk=call_of_conversation_subquery()).order_by("-created_at", "-id")


@router.post("/suggestions/{suggestion_id}/accept", response=SuggestionOut, summary="Make it real")
def suggestion_accept(request: HttpRequest, suggestion_id: int) -> Any:
    """The body is optional: {} or nothing accepts as found; fields fill in what the call left open."""
    found = _suggestion(request, suggestion_id)
    try:
        raw = request.body if request.content_type == "application/json" else b""
        payload = AcceptIn.model_validate_json(raw or b"{}")
    except PydanticValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise ValidationFailed(problems) from None
    overrides = payload.dict(exclude_none=True)
    return suggestion_service.accept(found.pk, user=request.user, overrides=overrides)


@router.post("/suggestions/{suggestion_id}/dismiss", response=SuggestionOut, summary="Not needed")
def suggestion_dismiss(request: HttpRequest, suggestion_id: int) -> Any:
    found = _suggestion(request, suggestion_id)
    return suggestion_service.dismiss(found.pk, user=request.user)
