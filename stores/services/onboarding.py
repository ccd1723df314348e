"""The guided setup of a new store: trade, catalog, go live. Each step is saved, so a later
visit resumes where the owner stopped."""

from __future__ import annotations

from django.utils import timezone

from stores.models import OnboardingProgress, Store

Step = OnboardingProgress.Step


def onboarding_progress_for(store: Store) -> OnboardingProgress:
    progress, _created = OnboardingProgress.objects.get_or_create(store=store)
    return progress


def onboarding_sector_chosen(progress: OnboardingProgress, sector_key: str) -> None:
    progress.sector, progress.step = sector_key, max(progress.step, Step.CATALOG)
    progress.save(update_fields=["sector", "step", "updated_at"])


def onboarding_catalog_chosen(progress: OnboardingProgress, choice: str) -> None:
    progress.catalog_source, progress.step = choice, max(progress.step, Step.GO_LIVE)
    progress.save(update_fields=["catalog_source", "step", "updated_at"])


def onboarding_finish(progress: OnboardingProgress) -> None:
    progress.completed_at = progress.completed_at or timezone.now()
    progress.step = Step.GO_LIVE
    progress.save(update_fields=["completed_at", "step", "updated_at"])
