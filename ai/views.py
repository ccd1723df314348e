"""Dashboard pages of the assistant (thin: tenant check, then render; the chat runs over the
WebSocket in ai/consumers.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ai import tasks
from ai.models import AssistantSelfTest
from kalliky.errors import PermissionDenied
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
            "selftest": AssistantSelfTest.objects.filter(store=store).first(),
        },
    )


@login_required
@require_POST
def run_selftest(request: HttpRequest, store_id: int) -> HttpResponse:
    try:
        store = access_store(request.user, store_id, manage=True)
    except PermissionDenied as exc:  # staff may test, not run the owner's self-test
        raise DjangoPermissionDenied(exc.detail) from None
    busy = AssistantSelfTest.objects.filter(
        store=store,
        status__in=(AssistantSelfTest.Status.QUEUED, AssistantSelfTest.Status.RUNNING),
        created_at__gte=timezone.now() - timedelta(minutes=10),
    ).exists()
    if busy:
        messages.info(request, _("A self-test is already running; its report appears below when it ends."))
    else:
        report = AssistantSelfTest.objects.create(store=store, trigger=AssistantSelfTest.Trigger.MANUAL)
        tasks.run_selftest.delay(store.pk, AssistantSelfTest.Trigger.MANUAL, report.pk)
        messages.success(request, _("Self-test started."))
    return redirect(reverse("assistant:test", args=[store.pk]) + "#selftest")
