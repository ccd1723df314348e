"""Dashboard pages of the assistant (thin: tenant check, then render; the chat runs over the
WebSocket in ai/consumers.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kalliky.tenancy import access_store, managed_business_ids


@login_required
def test_assistant(request: HttpRequest, store_id: int) -> HttpResponse:
    store = access_store(request.user, store_id)
    # Staff may test in sandbox only; the socket checks this again, the page just says so.
    can_go_live = store.business_id in managed_business_ids(request.user)
    # Strings the script shows; rendered here so they follow the page's language.
    strings = {
        "you": _("You said:"),
        "assistant": _("The assistant said:"),
        "connecting": _("Connecting…"),
        "connected": _("Connected"),
        "closed": _("Connection lost."),
        "refused": _("You no longer have access to this store's assistant. Reload the page."),
        "ended_hangup": _("The assistant ended the conversation."),
        "ended_transfer": _("The assistant would now transfer the caller to a person."),
        "sandbox": _("Sandbox"),
        "live": _("Live"),
        "ok": _("ok"),
        "error": _("error"),
        "no_tools": _("No tool called on this turn."),
        "turn": _("Turn"),
        "empty_cart": _("The cart is empty."),
    }
    return render(
        request,
        "ai/test_assistant.html",
        {
            "store": store,
            "current_store_id": store.pk,
            "can_go_live": can_go_live,
            "openai_available": bool(settings.OPENAI_API_KEY),
            "ws_path": f"/ws/stores/{store.pk}/assistant/",
            "chat_strings": strings,
        },
    )
