"""The Celery app. Tasks live in each app's tasks.py; periodic tasks are declared here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalliky.settings")

app = Celery("kalliky")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "retry-webhook-events": {"task": "kalliky.retry_webhook_events", "schedule": 30.0},
    "sweep-stale-calls": {"task": "telephony.sweep_stale_calls", "schedule": 300.0},
}
