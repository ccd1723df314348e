"""Every new store starts with its notification defaults (connected in apps.py)."""

from __future__ import annotations

from typing import Any

from stores.models import Store


def store_saved(
    sender: type[Store], instance: Store, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw:  # fixtures (raw) bring their own rows
        from notifications.services import defaults_ensure

        defaults_ensure(store=instance)
