"""Post-call analysis throughput: how many finished calls one Celery worker analyses per second
(local analyzer, broker and cache on Redis), and the latency of one analysis in process.

The calls are queued the way telephony queues them (`telephony.analysis_tasks.queue_analysis`: status QUEUED,
then a drain task kicked); the worker drains them in batches of ANALYSIS_BATCH_SIZE. A baseline
row times the same no-op broker round trip per call, to show why one message per call cannot
reach the goal on this machine.

Each call is an order call as the assistant leaves it: a conversation record (messages, end
state) and the order its tool confirmed. Notification configs are switched off so the figure is
the analysis itself (notification dispatch has its own benchmark).

    DATABASE_URL=… REDIS_URL=redis://127.0.0.1:6379/14 python bench/post_call_analysis.py [--calls 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES = [
    {"role": "assistant", "content": "Pizzeria Bella Napoli, bonjour ! Cet appel est enregistré."},
    {"role": "user", "content": "Bonjour, je voudrais deux margherita grandes et un coca s'il vous plaît"},
    {"role": "assistant", "content": "Deux margherita grandes et un coca. Autre chose ?"},
    {"role": "user", "content": "non merci c'est tout"},
    {"role": "assistant", "content": "Sur place, à emporter ou en livraison ?"},
    {"role": "user", "content": "à emporter"},
    {"role": "assistant", "content": "Trente euros à emporter. Je confirme ?"},
    {"role": "user", "content": "oui c'est parfait, merci beaucoup"},
    {"role": "assistant", "content": "C'est confirmé, merci et à bientôt !"},
]


def _redis_up(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not there"
        return False


def seed(n: int) -> list[int]:
    # App modules load only after main() has set Django up on the bench database.
    from django.core.management import call_command
    from django.utils import timezone

    from ai import outcomes
    from ai.models import AIConversationSession
    from notifications.models import NotificationConfig
    from stores.models import Store
    from stores.services.orders import order_create
    from telephony.models import Call

    if not Store.objects.filter(slug="pizzeria-bella-napoli").exists():
        call_command("seed_demo", verbosity=0)
    store = Store.objects.get(slug="pizzeria-bella-napoli")
    NotificationConfig.objects.filter(store=store).update(is_active=False)
    margherita = store.products.get(name="Margherita")
    grande = margherita.variations.get(value="Grande")
    coke = store.products.get(name="Coca-Cola 33 cl")
    now = timezone.now()
    ids = []
    for k in range(n):
        phone = f"+3361{k % 5000:07d}"
        call = Call.objects.create(
            business=store.business,
            store=store,
            call_control_id=f"bench:{uuid.uuid4().hex}",
            from_number=phone,
            to_number="+33100000001",
            status=Call.Status.COMPLETED,
            started_at=now - timedelta(minutes=3),
            answered_at=now - timedelta(minutes=3),
            ended_at=now,
            duration_seconds=180,
        )
        order = order_create(
            store=store,
            items=[
                {"product_id": margherita.pk, "quantity": 2, "variation_ids": [grande.pk]},
                {"product_id": coke.pk, "quantity": 1},
            ],
            customer_phone=phone,
            source="call",
        )
        call.customer_id = order.customer_id
        call.save(update_fields=["customer"])
        conversation = AIConversationSession.objects.create(
            business=store.business,
            store=store,
            messages=MESSAGES,
            state={"cart": [], "pending": {}, "lang": "fr"},
            is_active=False,
        )
        call.conversation = conversation
        call.save(update_fields=["conversation"])
        outcomes.record(conversation.pk, order)
        ids.append(call.pk)
    return ids


def _wait_done(ids: list[int], t0: float) -> float:
    from telephony.models import Call

    done = 0
    while done < len(ids):
        time.sleep(0.05)
        done = Call.objects.filter(pk__in=ids, analysis_status=Call.AnalysisStatus.DONE).count()
        if time.perf_counter() - t0 > 600:
            raise SystemExit(f"only {done} of {len(ids)} calls analysed in 10 minutes")
    return time.perf_counter() - t0


def _wait_drained(t0: float) -> float | None:
    """Until the broker holds no message, delivered or not (Redis only)."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    while client.llen("celery") + client.hlen("unacked"):
        time.sleep(0.02)
        if time.perf_counter() - t0 > 600:
            raise SystemExit("the baseline did not drain in 10 minutes")
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--latency-calls", type=int, default=200)
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    if _redis_up(redis_url):
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
        print("Redis is not reachable: broker and cache fall back to the embedded defaults.")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_analysis.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kalliky.settings"
    os.environ.setdefault("KALLIKY_VAR_DIR", str(ROOT / "var" / "bench_analysis"))
    os.environ["AI_ANALYZER"] = "local"
    os.environ["AI_BRAIN"] = "local"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Imported once django.setup() has run (above).
    from bench.common import measure, print_table, write_json
    from kalliky.celery import app
    from telephony.analysis import analyze_call
    from telephony.analysis_tasks import analyze_call as analyze_task
    from telephony.analysis_tasks import queue_analysis

    started = time.perf_counter()
    latency_ids = seed(args.latency_calls)
    ids = seed(args.calls)
    seeded_s = time.perf_counter() - started

    # In process: one analysis, end to end (gather, analyze, apply), no broker.
    pending = iter(latency_ids)
    latency = measure(lambda: analyze_call(next(pending)), repeat=args.latency_calls - 10, warmup=10)

    if settings.REDIS_URL:
        app.control.purge()
    log = open(ROOT / "var" / "bench_analysis_worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kalliky", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env={**os.environ, "DEBUG": "false"}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(3)  # the worker boots; the clock starts at the first publish
        t0 = time.perf_counter()
        for call_id in ids:
            queue_analysis(call_id)
        published = time.perf_counter() - t0
        elapsed = _wait_done(ids, t0)
        # Baseline: one message per call for calls already analysed (the task reads one row
        # and returns): the broker and worker cost alone.
        t1 = time.perf_counter()
        for call_id in ids:
            analyze_task.delay(call_id)
        baseline = _wait_drained(t1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    row = {
        "calls": len(ids),
        "worker": "1 (solo pool)",
        "broker": "Redis" if settings.REDIS_URL else settings.CELERY_BROKER_URL.split(":")[0],
        "database": engine,
        "calls_per_s": round(len(ids) / elapsed, 1),
        "goal_calls_per_s": 200,
        "batch": settings.ANALYSIS_BATCH_SIZE,
        "one_msg_per_call_noop_per_s": round(len(ids) / baseline, 1) if baseline else None,
        "one_call_p50_ms": latency["p50_ms"],
        "one_call_p95_ms": latency["p95_ms"],
        "publish_s": round(published, 2),
        "seed_s": round(seeded_s, 1),
    }
    print_table("Post-call analysis (local analyzer), one Celery worker", [row])
    name = (
        "post_call_analysis"
        + (f".{engine}" if engine != "sqlite3" else "")
        + (".redis" if settings.REDIS_URL else "")
    )
    path = write_json(name, {**row, "machine": platform.platform(), "python": platform.python_version()})
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
