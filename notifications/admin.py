from django.contrib import admin

from notifications.models import NotificationConfig, NotificationQueueItem, NotificationTemplate


@admin.register(NotificationConfig)
class NotificationConfigAdmin(admin.ModelAdmin):
    list_display = ("business", "store", "action_type", "channel", "is_active")
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


@admin.register(NotificationQueueItem)
class NotificationQueueItemAdmin(admin.ModelAdmin):
    list_display = ("scheduled_at", "action_type", "channel", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "action_type")
    search_fields = ("recipient", "dedupe_key")
    list_select_related = ("business",)
    raw_id_fields = ("business", "config")
    readonly_fields = ("created_at", "updated_at")
