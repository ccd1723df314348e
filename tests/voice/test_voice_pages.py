"""The owner sees each voice call's reply times and counters, and the reply speed per day
(p50/p95) against the alert threshold; another business sees none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ai.models import AIConversationSession
from dashboard.views.voice import daily_latency, percentile
from telephony.models import Call

pytestmark = pytest.mark.django_db


def voice_call(store, days_ago: int, totals: list[float], n: int = 0) -> Call:  # noqa: ANN001
    call = Call.objects.create(
        business=store.business,
        store=store,
        call_control_id=f"v3:voice-{days_ago}-{n}",
        from_number="+33612345678",
        to_number="+33100000001",
        status=Call.Status.COMPLETED,
        started_at=timezone.now() - timedelta(days=days_ago),
    )
    turns = [
        {
            "turn": i + 1,
            "pipeline": "local",
            "total_ms": t,
            "endpoint_ms": 500.0,
            "stt_ms": t - 600,
            "agent_ms": 50.0,
            "tts_ms": 40.0,
            "overhead_ms": 10.0,
        }
        for i, t in enumerate(totals)
    ]
    record = AIConversationSession.objects.create(
        business=store.business,
        store=store,
        voice_turns=turns,
        voice_stats={
            "pipeline": "local",
            "interruptions": 2,
            "false_interruptions": 1,
            "backchannels_ignored": 3,
        },
    )
    AIConversationSession.objects.filter(pk=record.pk).update(created_at=call.started_at)
    Call.objects.filter(pk=call.pk).update(conversation=record)
    return call


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile([7.0], 95) == 7


def test_days_are_aggregated_and_slow_days_flagged(pizzeria, settings) -> None:
    settings.VOICE_LATENCY_ALERT_MS = 1000
    voice_call(pizzeria, 0, [700, 720, 740], n=1)
    voice_call(pizzeria, 0, [760], n=2)
    voice_call(pizzeria, 2, [900, 1400, 1600])
    days = daily_latency([pizzeria.pk])
    assert [d["turns"] for d in days] == [4, 3]
    today, slow = days
    assert today["p50"] == 720 and today["p95"] == 760 and not today["alert"]
    assert slow["p95"] == 1600 and slow["alert"]
    assert today["parts"]["endpoint_ms"] == 500


def test_the_reply_speed_page_and_the_call_page_show_the_figures(alice_client, pizzeria, settings) -> None:
    settings.VOICE_LATENCY_ALERT_MS = 1000
    call = voice_call(pizzeria, 1, [900, 1500])
    page = alice_client.get("/calls/voice-speed/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="latency-days"' in html and 'id="latency-alert"' in html and "1500" in html
    detail = alice_client.get(f"/calls/{call.pk}/").content.decode()
    assert 'id="voice-turns"' in detail and 'id="voice-stats"' in detail
    assert "900" in detail and "Fausses interruptions" in detail  # the page speaks French by default
    assert 'id="voice-speed-link"' in alice_client.get("/calls/").content.decode()


def test_another_business_sees_no_figures(carol_client, carol_business, pizzeria) -> None:
    voice_call(pizzeria, 0, [700])
    page = carol_client.get("/calls/voice-speed/")
    assert page.status_code == 200 and 'id="latency-days"' not in page.content.decode()
    assert carol_client.get(f"/calls/voice-speed/?store={pizzeria.pk}").status_code == 404


def test_the_empty_page_says_what_to_expect(alice_client, pizzeria) -> None:
    html = alice_client.get("/calls/voice-speed/").content.decode()
    assert "La voix en temps réel est incluse dans l'offre Pro" in html
