from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ai import context
from ai.models import (
    AIConversationSession,
    AnalysisSuggestion,
    AssistantSelfTest,
    ConversationOutcome,
    IntelligentAIConfig,
    MenuUpload,
    WeatherRecommendation,
)


@admin.register(IntelligentAIConfig)
class IntelligentAIConfigAdmin(admin.ModelAdmin):
    list_display = (
        "store",
        "personality",
        "language",
        "brain",
        "turn_detection",
        "upsell_enabled",
        "is_active",
    )
    list_filter = ("personality", "language", "brain", "is_active")
    search_fields = ("store__name",)
    list_select_related = ("store",)
    raw_id_fields = ("store",)
    change_list_template = "admin/ai/intelligentaiconfig/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # The context cache's counters sit above the assistants they serve.
        extra_context = {**(extra_context or {}), "cache_stats": context.stats()}
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(AIConversationSession)
class AIConversationSessionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "store", "channel", "is_active", "tokens_in", "tokens_out", "cost")
    list_filter = ("is_active", "channel")
    search_fields = ("store__name", "caller_phone")
    list_select_related = ("store",)
    raw_id_fields = ("business", "store")
    readonly_fields = ("created_at", "updated_at", "voice_turns", "voice_stats")


@admin.register(ConversationOutcome)
class ConversationOutcomeAdmin(admin.ModelAdmin):
    list_display = ("conversation", "order", "reservation", "service_booking", "consultation", "exchange")
    raw_id_fields = ("conversation", "order", "reservation", "service_booking", "consultation", "exchange")


@admin.register(WeatherRecommendation)
class WeatherRecommendationAdmin(admin.ModelAdmin):
    list_display = ("date", "store", "condition", "temperature_c")
    list_filter = ("condition",)
    search_fields = ("store__name",)
    list_select_related = ("store",)
    raw_id_fields = ("store",)


@admin.register(AssistantSelfTest)
class AssistantSelfTestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "store", "status", "passed", "total", "trigger")
    list_filter = ("status", "trigger")
    search_fields = ("store__name",)
    list_select_related = ("store",)
    raw_id_fields = ("store",)
    readonly_fields = ("created_at", "finished_at")


@admin.register(AnalysisSuggestion)
class AnalysisSuggestionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "store", "kind", "status", "conversation", "created_ref")
    list_filter = ("status", "kind")
    search_fields = ("store__name", "conversation__caller_phone")
    list_select_related = ("store", "conversation")
    raw_id_fields = ("conversation", "store", "business", "decided_by")
    readonly_fields = ("payload", "created_ref", "decided_at", "decided_by")


@admin.register(MenuUpload)
class MenuUploadAdmin(admin.ModelAdmin):
    list_display = ("created_at", "store", "file_name", "kind", "status", "progress", "uploaded_by")
    list_filter = ("status", "kind")
    search_fields = ("store__name", "file_name", "uploaded_by__email")
    list_select_related = ("store", "uploaded_by")
    raw_id_fields = ("store", "uploaded_by")
    readonly_fields = (
        "size",
        "language",
        "rows",
        "error",
        "result",
        "imported_at",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> Any:
        # Up to 5 MB per row: the list and the form never need the file itself.
        return super().get_queryset(request).defer("content")
