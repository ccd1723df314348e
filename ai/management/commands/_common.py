"""Shared by the assistant's management commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from stores.models import Store


def store_by_slug(slug: str) -> Store:
    """A store by slug, or a clear error (slugs are unique per business, not globally)."""
    matches = list(Store.objects.select_related("business").filter(slug=slug)[:5])
    if not matches:
        known = ", ".join(Store.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none yet"
        raise CommandError(f"No store with slug {slug!r}. Known stores: {known}.")
    if len(matches) > 1:
        owners = ", ".join(f"{s.pk} ({s.business.name})" for s in matches)
        raise CommandError(f"Several stores are called {slug!r}: {owners}. Pass the numeric id instead.")
    return matches[0]


def store_by_ref(ref: str) -> Store:
    if ref.isdigit():
        store = Store.objects.select_related("business").filter(pk=int(ref)).first()
        if store is None:
            raise CommandError(f"No store with id {ref}.")
        return store
    return store_by_slug(ref)
