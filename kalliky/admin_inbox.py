"""Admin for webhook inboxes (Telnyx, Stripe): dead letters are visible and replayable."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kalliky import inbox


class WebhookEventAdmin(admin.ModelAdmin):
    list_display = (
        "event_id",
        "event_type",
        "status",
        "attempts",
        "received_at",
        "next_attempt_at",
        "short_error",
    )
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "event_type")
    readonly_fields = (
        "event_id",
        "event_type",
        "payload",
        "received_at",
        "occurred_at",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "processed_at",
    )
    date_hierarchy = "received_at"
    actions = ("replay_events",)

    @admin.display(description=_("last error"))
    def short_error(self, obj: inbox.WebhookEvent) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events come from the provider only

    @admin.action(description=_("Replay selected events"))
    def replay_events(self, request: HttpRequest, queryset: QuerySet) -> None:
        handler = inbox.handler_for(queryset.model)
        if handler is None:
            self.message_user(
                request,
                _("No handler is registered for %(model)s: nothing was replayed.")
                % {"model": queryset.model._meta.verbose_name_plural},
                messages.WARNING,
            )
            return
        outcomes = [inbox.replay(event, handler) for event in queryset]
        ok = sum(1 for status in outcomes if status == inbox.EventStatus.PROCESSED)
        self.message_user(
            request,
            ngettext("%(ok)d of %(n)d event processed.", "%(ok)d of %(n)d events processed.", len(outcomes))
            % {"ok": ok, "n": len(outcomes)},
            messages.SUCCESS if ok == len(outcomes) else messages.WARNING,
        )
