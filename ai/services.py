"""Write paths of the assistant's own settings and self-tests (the API and the owner's pages
call these)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ai import tasks
from ai.models import AssistantSelfTest, IntelligentAIConfig
from kalliky.errors import Conflict
from stores.models import Store


def config_for(store: Store) -> IntelligentAIConfig:
    """The store's assistant settings, created with the defaults on first use."""
    config, _created = IntelligentAIConfig.objects.get_or_create(store=store)
    return config


def config_save(config: IntelligentAIConfig) -> IntelligentAIConfig:
    """Store edited settings; the assistant's context cache follows (ai.signals)."""
    config.save()
    return config


def selftest_start(store: Store) -> AssistantSelfTest:
    """Queue a manual self-test of the store's assistant; one already queued or running (for
    less than ten minutes: an older one is taken as lost) is a Conflict."""
    busy = AssistantSelfTest.objects.filter(
        store=store,
        status__in=(AssistantSelfTest.Status.QUEUED, AssistantSelfTest.Status.RUNNING),
        created_at__gte=timezone.now() - timedelta(minutes=10),
    ).exists()
    if busy:
        raise Conflict("A self-test is already running for this store; wait for its report.")
    report = AssistantSelfTest.objects.create(store=store, trigger=AssistantSelfTest.Trigger.MANUAL)
    tasks.run_selftest.delay(store.pk, AssistantSelfTest.Trigger.MANUAL, report.pk)
    return report
