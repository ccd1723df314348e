"""Assistant API: the store context cache and the self-test. Thin routes over ai.context and
ai.tasks; stores are reached through the tenant helpers (another tenant's store is a 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from ai import context, services
from ai.models import AssistantSelfTest
from kalliky.errors import PermissionDenied
from stores.access import access_store

router = Router(tags=["assistant"], auth=django_auth)


class InvalidateOut(Schema):
    store_id: int
    generation: int
    detail: str


class ContextOut(Schema):
    store_id: int
    cached: bool
    language: str
    items: int
    services: int
    plan: str
    upsell_enabled: bool
    system_prompt: str


class SelfTestOut(Schema):
    id: int
    status: str
    trigger: str
    total: int
    passed: int
    results: list[dict[str, Any]]
    error: str
    created_at: datetime
    finished_at: datetime | None


class CacheStatsOut(Schema):
    hits: int
    misses: int
    invalidations: int
    hit_rate: float | None
    avg_build_ms: float | None


@router.post(
    "/{store_id}/cache/invalidate",
    response=InvalidateOut,
    summary="Forget the assistant's cached context of this store (rebuilt on the next call)",
)
def cache_invalidate(request: HttpRequest, store_id: int) -> dict[str, Any]:
    store = access_store(request.user, store_id, manage=True)
    generation = context.invalidate(store.pk)
    return {"store_id": store.pk, "generation": generation, "detail": "The next call rebuilds the context."}


@router.get("/{store_id}/assistant/context", response=ContextOut, summary="What the assistant knows")
def assistant_context(request: HttpRequest, store_id: int) -> dict[str, Any]:
    store = access_store(request.user, store_id)
    cached = context.is_cached(store.pk)
    ctx = context.get_context(store)
    return {
        "store_id": store.pk,
        "cached": cached,
        "language": ctx.language,
        "items": len(ctx.items),
        "services": len(ctx.services),
        "plan": ctx.plan,
        "upsell_enabled": ctx.upsell_enabled,
        "system_prompt": ctx.system_prompt,
    }


@router.get("/{store_id}/assistant/selftest", response={200: SelfTestOut, 404: dict})
def selftest_latest(request: HttpRequest, store_id: int) -> Any:
    store = access_store(request.user, store_id)
    report = AssistantSelfTest.objects.filter(store=store).first()
    if report is None:
        return Status(404, {"detail": "No self-test yet: POST to this URL to run one.", "code": "not_found"})
    return report


@router.post("/{store_id}/assistant/selftest", response={202: SelfTestOut})
def selftest_start(request: HttpRequest, store_id: int) -> Status:
    store = access_store(request.user, store_id, manage=True)
    report = services.selftest_start(store)
    report.refresh_from_db()
    return Status(202, report)


@router.get(
    "/assistant/cache-stats", response=CacheStatsOut, summary="Context cache hit/miss counters (staff)"
)
def cache_stats(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_staff:
        raise PermissionDenied("Only Kalliky staff can read the cache counters.")
    stats = context.stats()
    return {**stats}
