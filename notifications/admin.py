from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import actions, outbox
from notifications.models import (
    NotificationConfig,
    NotificationQueueItem,
    NotificationTemplate,
    StoreNotificationSettings,
)


@admin.register(NotificationConfig)
class NotificationConfigAdmin(admin.ModelAdmin):
    list_display = ("business", "store", "action_type", "channel", "is_active", "min_severity")
    list_filter = ("action_type", "channel", "is_active")
    search_fields = ("business__name", "store__name")
    list_select_related = ("business", "store")
    raw_id_fields = ("business", "store")


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("action_type", "channel", "language", "business", "subject")
    list_filter = ("action_type", "channel", "language")
    search_fields = ("subject", "body", "business__name")
    list_select_related = ("business",)
    raw_id_fields = ("business",)
    readonly_fields = ("variables", "allowed_variables")

    @admin.display(description=_("variables this action offers"))
    def allowed_variables(self, obj: NotificationTemplate) -> str:
        names = actions.variables_of(obj.action_type) if obj.action_type else ()
        return ", ".join(f"{{{{ {n} }}}}" for n in names) or "—"


@admin.register(StoreNotificationSettings)
class StoreNotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("store", "digest_hour", "updated_at")
    search_fields = ("store__name",)
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(NotificationQueueItem)
class NotificationQueueItemAdmin(admin.ModelAdmin):
    list_display = (
        "scheduled_at",
        "action_type",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "channel", "action_type")
    search_fields = ("recipient", "dedupe_key", "last_error")
    list_select_related = ("business",)
    raw_id_fields = ("business", "store", "config")
    readonly_fields = ("created_at", "updated_at", "last_error", "attempts", "sent_at", "dedupe_key")
    date_hierarchy = "scheduled_at"
    actions = ("replay_items",)

    @admin.display(description=_("last error"))
    def short_error(self, obj: NotificationQueueItem) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Replay selected notifications"))
    def replay_items(self, request: HttpRequest, queryset: QuerySet[NotificationQueueItem]) -> None:
        selected = list(queryset)
        requeued = outbox.replay(selected)
        skipped = len(selected) - len(requeued)
        self.message_user(
            request,
            ngettext(
                "%(n)d notification queued again (%(skipped)d already sent or being sent).",
                "%(n)d notifications queued again (%(skipped)d already sent or being sent).",
                len(requeued),
            )
            % {"n": len(requeued), "skipped": skipped},
            messages.SUCCESS if not skipped else messages.WARNING,
        )
