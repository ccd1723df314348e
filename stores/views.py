"""Dashboard pages (thin: tenant-scoped selectors, then render)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from stores.selectors import store_cards_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cards = store_cards_for(request.user)
    current_store_id = None
    chosen = request.GET.get("store", "")
    if chosen:
        # The store switch narrows the page to one store; someone else's id is a 404 like any other.
        cards = [card for card in cards if str(card.store.pk) == chosen]
        if not cards:
            raise Http404("Store not found.")
        current_store_id = cards[0].store.pk
    return render(request, "dashboard/home.html", {"cards": cards, "current_store_id": current_store_id})
