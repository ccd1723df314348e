"""Navigation helpers for the base layout."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

from stores.access import stores_for

register = template.Library()

NAV_STORES_LIMIT = 50  # past this, the switch becomes a search (not needed yet)


@register.simple_tag(takes_context=True)
def nav_stores(context: template.Context) -> list[tuple[int, str]]:
    """(id, name) of the stores the visitor may act on, for the store switch; one query."""
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return list(stores_for(request.user).order_by("name").values_list("pk", "name")[:NAV_STORES_LIMIT])
