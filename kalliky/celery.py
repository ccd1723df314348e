"""The Celery app. Tasks live in each app's tasks.py; periodic tasks are declared here, in one place."""

import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalliky.settings")

app = Celery("kalliky")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "retry-webhook-events": {"task": "kalliky.retry_webhook_events", "schedule": 30.0},
    "sweep-stale-calls": {"task": "telephony.sweep_stale_calls", "schedule": 300.0},
    # Post-call analysis: queued calls nobody drained, calls whose worker died.
    "sweep-analysis": {"task": "telephony.sweep_analysis", "schedule": 10.0},
    # Numbers of subscriptions cancelled longer than BILLING_RELEASE_GRACE_DAYS go back to Telnyx.
    "release-cancelled-numbers": {"task": "telephony.release_cancelled_numbers", "schedule": 3600.0},
    # Notifications due (scheduled, retries); events also send theirs right after commit.
    "dispatch-notifications": {"task": "notifications.dispatch_due", "schedule": 10.0},
    # Digests are queued once per store and local date, whichever run sees the store's hour.
    "enqueue-daily-digests": {"task": "notifications.enqueue_daily_digests", "schedule": 300.0},
}


@worker_ready.connect
def announce_ready(**kwargs: Any) -> None:
    # `manage.py serve` waits for this file to print its banner after the worker's start-up lines.
    if ready_file := os.environ.get("KALLIKY_WORKER_READY_FILE"):
        Path(ready_file).touch()
