"""Celery tasks of the assistant: thin wrappers over ai.selftest and ai.menu_upload (the post-call
analysis is driven by telephony.analysis_tasks)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from ai import selftest
from ai.menu_upload import menu_upload_extract
from ai.models import AssistantSelfTest
from stores.models import Store

DEBOUNCE_KEY = "ai:selftest:pending:{}"


@shared_task(name="ai.run_selftest")
def run_selftest(
    store_id: int, trigger: str = AssistantSelfTest.Trigger.MANUAL, report_id: int | None = None
) -> int | None:
    cache.delete(DEBOUNCE_KEY.format(store_id))
    store = Store.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        return None
    report = AssistantSelfTest.objects.filter(pk=report_id, store=store).first() if report_id else None
    return selftest.run(store, trigger=trigger, report=report).pk


def schedule_after_change(store_id: int) -> None:
    """Re-run the self-test once the owner has finished editing: a burst of catalog edits
    schedules one run, SELFTEST_DEBOUNCE_SECONDS after the first."""
    if not settings.ASSISTANT_SELFTEST_ON_CHANGE:
        return
    delay = settings.SELFTEST_DEBOUNCE_SECONDS
    if cache.add(DEBOUNCE_KEY.format(store_id), 1, timeout=delay + 60):
        run_selftest.apply_async(args=(store_id, AssistantSelfTest.Trigger.CHANGE), countdown=delay)


@shared_task(name="ai.extract_menu")
def extract_menu(upload_id: int) -> str:
    """Read an uploaded menu into rows to review (ai.menu_upload.menu_upload_extract): the
    upload's progress moves as it goes and a failure is recorded on it, never raised."""
    upload = menu_upload_extract(upload_id)
    return upload.status if upload is not None else "nothing to do"
