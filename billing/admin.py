from django.contrib import admin

from billing.models import Commission, PendingSignup, StripeEvent, Subscription
from kalliky.admin_inbox import WebhookEventAdmin


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("store", "business", "plan", "status", "current_period_end", "cancel_at_period_end")
    list_filter = ("plan", "status", "cancel_at_period_end")
    search_fields = ("store__name", "business__name", "stripe_subscription_id", "stripe_customer_id")
    list_select_related = ("store", "business")
    raw_id_fields = ("store", "business")
    readonly_fields = ("created_at", "updated_at")


@admin.register(PendingSignup)
class PendingSignupAdmin(admin.ModelAdmin):
    list_display = ("email", "plan", "status", "created_at", "completed_at")
    list_filter = ("status", "plan")
    search_fields = ("email", "checkout_session_id")
    raw_id_fields = ("user",)
    exclude = ("password_hash",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(StripeEvent)
class StripeEventAdmin(WebhookEventAdmin):
    pass


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ("order", "store", "plan", "amount", "currency", "status", "reported_at")
    list_filter = ("status", "plan")
    search_fields = ("meter_event_identifier", "store__name")
    list_select_related = ("order", "store")
    raw_id_fields = ("store", "business", "order")
    actions = ("report_again",)

    @admin.action(description="Report the selected commissions to Stripe again")
    def report_again(self, request, queryset) -> None:  # noqa: ANN001 - admin action signature
        from billing.tasks import report_commission

        ids = list(queryset.exclude(status__in=("reported", "waived")).values_list("pk", flat=True))
        queryset.filter(pk__in=ids).update(status="pending")
        for pk in ids:
            report_commission.delay(pk)
        self.message_user(request, f"{len(ids)} commission(s) queued for reporting.")
