"""Dashboard pages (thin: tenant-scoped selectors, then render)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stores.selectors import store_cards_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"cards": store_cards_for(request.user)})
