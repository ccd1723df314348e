"""Celery tasks of the call loop: the recording download, the stale-call sweep; and the event a
promised call-back publishes.

They are the heavy or slow parts of a call, kept out of the reaction lanes."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from telephony import line_limits
from telephony.callcontrol import mark_ready_for_analysis
from telephony.models import Call
from telephony.providers import get_provider

log = logging.getLogger(__name__)


@shared_task(
    name="telephony.download_recording",
    bind=True,
    max_retries=5,
    default_retry_delay=10,
    acks_late=True,
)
def download_recording(self, call_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    """Fetch the recording into our storage while its signed URL is valid (10 minutes)."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None or call.recording_file or not call.recording_url:
        return "nothing to do"
    try:
        content = get_provider().download(call.recording_url)
    except Exception as exc:
        if self.request.retries < self.max_retries and not settings.CELERY_TASK_ALWAYS_EAGER:
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from None
        log.error("recording of call %s could not be downloaded: %s", call_id, exc)
        with transaction.atomic():
            call = Call.objects.select_for_update().get(pk=call_id)
            call.control["recording_failed"] = f"{type(exc).__name__}: {exc}"[:500]
            call.save(update_fields=["control", "updated_at"])
            mark_ready_for_analysis(call)
        return "failed"
    extension = os.path.splitext(call.recording_url.split("?", 1)[0])[1] or ".mp3"
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call_id)
        if not call.recording_file:
            call.recording_file.save(f"call-{call.pk}{extension}", ContentFile(content), save=False)
            call.save(update_fields=["recording_file", "updated_at"])
        mark_ready_for_analysis(call)
    return call.recording_file.name


@shared_task(name="telephony.sweep_stale_calls")
def sweep_stale_calls() -> int:
    """Calls still 'on the line' long after any call could last lost their hang-up: close them
    as failed and give their line back."""
    cutoff = timezone.now() - timedelta(seconds=settings.CALL_STALE_SECONDS)
    stale = Call.objects.filter(
        ended_at__isnull=True,
        status__in=[Call.Status.RINGING, Call.Status.ANSWERED, Call.Status.TRANSFERRED, Call.Status.REJECTED],
        started_at__lt=cutoff,
    )
    count = 0
    for call in stale.iterator():
        with transaction.atomic():
            locked = Call.objects.select_for_update().get(pk=call.pk)
            if locked.ended_at is not None:
                continue
            locked.ended_at = timezone.now()
            locked.status = Call.Status.FAILED
            locked.hangup_cause = "no_hangup_received"
            locked.save(update_fields=["ended_at", "status", "hangup_cause", "updated_at"])
        line_limits.release(call.business_id, str(call.pk))
        count += 1
    return count
