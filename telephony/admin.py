from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kalliky.admin_inbox import WebhookEventAdmin
from telephony.analysis_tasks import queue_analysis
from telephony.models import (
    Call,
    CallbackTicket,
    EscalationStep,
    PhoneNumber,
    PhoneNumberEvent,
    TelnyxEvent,
)


class PhoneNumberEventInline(admin.TabularInline):
    model = PhoneNumberEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "action", "from_status", "to_status", "actor", "detail")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001 - the audit is append-only
        return False


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    inlines = (PhoneNumberEventInline,)
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
    raw_id_fields = ("business", "store", "phone_number", "customer", "conversation", "exchange")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "started_at"
    actions = ("rerun_analysis",)

    @admin.action(description=_("Re-run the post-call analysis"))
    def rerun_analysis(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        queued = sum(
            queue_analysis(pk, force=True)
            for pk in queryset.exclude(ended_at=None).values_list("pk", flat=True)
        )
        self.message_user(request, _("%(n)d analyses queued.") % {"n": queued})


@admin.register(TelnyxEvent)
class TelnyxEventAdmin(WebhookEventAdmin):
    list_display = (*WebhookEventAdmin.list_display, "call_control_id")
    search_fields = (*WebhookEventAdmin.search_fields, "call_control_id")
    readonly_fields = (*WebhookEventAdmin.readonly_fields, "call_control_id", "commands")


@admin.register(PhoneNumberEvent)
class PhoneNumberEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "phone_number", "action", "from_status", "to_status", "actor")
    list_filter = ("action", "to_status")
    search_fields = ("phone_number__number", "detail")
    raw_id_fields = ("phone_number", "actor")
    readonly_fields = ("created_at",)


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin):
    list_display = ("store", "position", "label", "phone", "timeout_secs", "starts", "ends")
    search_fields = ("store__name", "label", "phone")
    raw_id_fields = ("store",)


@admin.register(CallbackTicket)
class CallbackTicketAdmin(admin.ModelAdmin):
    list_display = ("created_at", "store", "phone", "status", "sms_sent_at")
    list_filter = ("status",)
    search_fields = ("phone", "summary", "store__name")
    raw_id_fields = ("business", "store", "call", "customer")
    readonly_fields = ("created_at", "updated_at")
