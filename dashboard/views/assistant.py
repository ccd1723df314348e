"""Dashboard pages of the assistant (thin: tenant check, then render; the chat runs over the
WebSocket in dashboard/consumers_assistant.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import managed_business_ids
from ai import clock, menu_import
from ai import services as ai_services
from ai.models import AssistantSelfTest
from ai.voice import preview
from ai.voice.tts import TTSError
from kalliky.errors import Conflict, PermissionDenied
from kalliky.languages import supported_language
from stores.access import access_store
from stores.availability import store_tz
from stores.models.dietary import ALLERGENS, DIETARY_TAGS, label_of


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
    pretend = clock.sandbox_default(store)
    tz = store_tz(store)
    pretend_line = ""
    if pretend.closed and pretend.moment is not None:
        when = date_format(pretend.moment.astimezone(tz), "l j F H:i")
        pretend_line = _("The store is closed now; the chat pretends it is %(when)s.") % {"when": when}
    elif pretend.closed:
        pretend_line = _("The store is closed now and does not open in the next two weeks.")
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
            "pretend_line": pretend_line,
            # The value of a datetime-local input: the store's wall clock, to the minute.
            "pretend_value": f"{pretend.moment.astimezone(tz):%Y-%m-%dT%H:%M}" if pretend.moment else "",
            "store_timezone": str(tz),
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
    try:
        ai_services.selftest_start(store)
    except Conflict:
        messages.info(request, _("A self-test is already running; its report appears below when it ends."))
    else:
        messages.success(request, _("Self-test started."))
    return redirect(reverse("assistant:test", args=[store.pk]) + "#selftest")


@login_required
def menu_import_page(request: HttpRequest, store_id: int) -> HttpResponse:
    """Upload a menu, watch it being read, review the rows, import them. The work is done by the
    script over /api/ai (ai/menu_api.py); this page carries the markup and the strings."""
    try:
        store = access_store(request.user, store_id, manage=True)
    except PermissionDenied as exc:  # staff may take orders, not rewrite the menu
        raise DjangoPermissionDenied(exc.detail) from None
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    strings = {
        "choose": _("Choose a file first."),
        "too_large": menu_import.too_large_message(),
        "sending": _("Sending the file…"),
        "queued": _("Waiting for the file to be read…"),
        "reading": _("Reading the file…"),
        "read": _("%(count)s items found. Check them below, then import."),
        "failed": _("The file could not be read."),
        "network": _("The server could not be reached: check your connection and try again."),
        "stalled": _("Reading is taking longer than usual. Keep this page open, or try again later."),
        "action_label": _("What to do with row %(row)s"),
        "category_label": _("Category of row %(row)s"),
        "name_label": _("Name of row %(row)s"),
        "description_label": _("Description of row %(row)s"),
        "price_label": _("Price of row %(row)s"),
        "matches": _("Matches existing: %(name)s (%(price)s)"),
        "no_match": _("New item"),
        "sizes": _("Sizes: %(sizes)s"),
        "facts": _("Diet & allergens: %(facts)s"),
        "fact_names": {key: label_of(key) for key in (*DIETARY_TAGS, *ALLERGENS)},
        "import_none": _("Nothing to import"),
        "import_one": _("Import 1 item"),
        "import_many": _("Import %(count)s items"),
        "importing": _("Importing…"),
        "fix_rows": _("Some rows need fixing: see the messages in the table."),
        "imported": _("Menu imported: %(created)s created, %(updated)s updated, %(skipped)s skipped."),
        "leftovers": _("Remove the %(count)s template items that are not in this menu"),
        "leftover_ordered": _("(already ordered)"),
        "removed": _("%(removed)s template items removed."),
    }
    config = {
        "storeId": store.pk,
        "maxBytes": menu_import.MAX_BYTES,
        "currency": store.currency,
        "uploadUrl": reverse("api:menu_upload"),
        # The id is appended by the script.
        "statusUrl": reverse("api:upload_status", kwargs={"upload_id": 0}).removesuffix("0"),
        "processUrl": reverse("api:process_menu"),
    }
    return render(
        request,
        "ai/menu_import.html",
        {
            "store": store,
            "current_store_id": store.pk,
            "accept": menu_import.ACCEPT,
            "max_mb": menu_import.MAX_BYTES // (1024 * 1024),
            "max_rows": menu_import.MAX_ROWS,
            "photo_reader": menu_import.photo_reader(),
            "next_url": next_url,
            "dashboard_url": reverse("dashboard:home"),
            "menu_strings": strings,
            "menu_config": config,
        },
    )


@login_required
@require_GET
def voice_preview(request: HttpRequest, store_id: int) -> HttpResponse:
    """A short WAV of the chosen voice saying a sample sentence in the assistant's language."""
    store = access_store(request.user, store_id)
    provider, voice = request.GET.get("provider", "phone"), request.GET.get("voice", "")
    known = preview.OPENAI_VOICES if provider == "openai" else tuple(preview.PHONE_VOICES)
    if provider not in ("phone", "openai") or voice not in known:
        return HttpResponseBadRequest(_("Choose a voice from the list."))
    lang = supported_language(ai_services.config_for(store).language, store.language)
    with translation.override(lang):
        text = _("Hello, this is %(store)s. How can I help you?") % {"store": store.name}
    try:
        audio = preview.preview_wav(text=text, lang=lang, voice=voice, provider=provider)
    except TTSError:
        return HttpResponse(_("No speech engine is installed on this server."), status=503)
    response = HttpResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "private, max-age=3600"
    return response
