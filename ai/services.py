"""Write paths of the assistant's own settings (the API and the owner's pages call these)."""

from __future__ import annotations

from ai.models import IntelligentAIConfig
from stores.models import Store


def config_for(store: Store) -> IntelligentAIConfig:
    """The store's assistant settings, created with the defaults on first use."""
    config, _created = IntelligentAIConfig.objects.get_or_create(store=store)
    return config


def config_save(config: IntelligentAIConfig) -> IntelligentAIConfig:
    """Store edited settings; the assistant's context cache follows (ai.signals)."""
    config.save()
    return config
