"""Reply speed of realtime voice calls: per day, p50 and p95 of "end of caller speech → first
audio sent" over the owner's stores, against the alert threshold (VOICE_LATENCY_ALERT_MS)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ai.models import AIConversationSession
from dashboard.pages import scoped_stores

DAYS = 30
PARTS = ("endpoint_ms", "stt_ms", "agent_ms", "tts_ms", "model_ms", "overhead_ms")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (what an owner reads as "95 % of replies were faster than")."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def daily_latency(store_ids: list[int], days: int = DAYS, today: date | None = None) -> list[dict[str, Any]]:
    """One row per day with voice turns, newest first: turns, p50, p95, median of each part."""
    today = today or timezone.localdate()
    since = timezone.make_aware(
        timezone.datetime.combine(today - timedelta(days=days - 1), timezone.datetime.min.time())
    )
    rows = (
        AIConversationSession.objects.filter(store_id__in=store_ids, created_at__gte=since)
        .exclude(voice_turns=[])
        .values_list("created_at", "voice_turns")
    )
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for created_at, turns in rows.iterator(chunk_size=500):
        day = timezone.localdate(created_at)
        by_day[day].extend(t for t in turns or [] if isinstance(t, dict) and "total_ms" in t)
    threshold = settings.VOICE_LATENCY_ALERT_MS
    result = []
    for day in sorted(by_day, reverse=True):
        turns = by_day[day]
        if not turns:
            continue
        totals = [float(t["total_ms"]) for t in turns]
        p95 = percentile(totals, 95)
        parts = {p: percentile([float(t.get(p, 0)) for t in turns], 50) for p in PARTS}
        result.append(
            {
                "day": day,
                "turns": len(turns),
                "p50": round(percentile(totals, 50)),
                "p95": round(p95),
                "alert": p95 > threshold,
                "parts": {k: round(v) for k, v in parts.items()},
            }
        )
    return result


@login_required
def voice_latency_page(request: HttpRequest) -> HttpResponse:
    store_ids, current_store_id = scoped_stores(request)
    days = daily_latency(store_ids)
    return render(
        request,
        "telephony/voice_latency.html",
        {
            "days": days,
            "threshold": settings.VOICE_LATENCY_ALERT_MS,
            "alerts": sum(1 for d in days if d["alert"]),
            "current_store_id": current_store_id,
        },
    )
