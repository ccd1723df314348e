from django.contrib import admin

from kalliky.admin_inbox import WebhookEventAdmin
from telephony.models import Call, PhoneNumber, TelnyxEvent


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    list_display = ("number", "business", "store", "status", "country", "monthly_price", "activated_at")
    list_filter = ("status", "country")
    search_fields = ("number", "telnyx_id", "business__name", "store__name")
    list_select_related = ("business", "store")
    raw_id_fields = ("business", "store")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "from_number",
        "to_number",
        "store",
        "status",
        "duration_seconds",
        "sentiment",
    )
    list_filter = ("status", "direction", "sentiment", "analysis_status")
    search_fields = ("call_control_id", "call_session_id", "from_number", "to_number")
    list_select_related = ("store", "business")
    raw_id_fields = ("business", "store", "phone_number", "customer")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "started_at"


@admin.register(TelnyxEvent)
class TelnyxEventAdmin(WebhookEventAdmin):
    list_display = (*WebhookEventAdmin.list_display, "call_control_id")
    search_fields = (*WebhookEventAdmin.search_fields, "call_control_id")
