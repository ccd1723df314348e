from django.contrib import admin

from billing.deposits import request_payment_link
from billing.models import Commission, PaymentLink, PendingSignup, StripeEvent, Subscription
from billing.tasks import report_commission
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
    raw_id_fields = ("user", "business", "store")
    exclude = ("password_hash", "login_token_hash")
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
        ids = list(queryset.exclude(status__in=("reported", "waived")).values_list("pk", flat=True))
        queryset.filter(pk__in=ids).update(status="pending")
        for pk in ids:
            report_commission.delay(pk)
        self.message_user(request, f"{len(ids)} commission(s) queued for reporting.")


@admin.register(PaymentLink)
class PaymentLinkAdmin(admin.ModelAdmin):
    list_display = ("store", "kind", "object_id", "amount", "currency", "status", "sms_sent_at", "paid_at")
    list_filter = ("status", "kind")
    search_fields = ("store__name", "phone", "checkout_session_id")
    list_select_related = ("store",)
    raw_id_fields = ("store",)
    readonly_fields = ("created_at", "updated_at")
    actions = ("send_again",)

    @admin.action(description="Send the payment link again (those not paid)")
    def send_again(self, request, queryset):  # noqa: ANN001, ANN201 - the admin's signature
        links = list(queryset.exclude(status=PaymentLink.Status.PAID).values_list("pk", flat=True))
        PaymentLink.objects.filter(pk__in=links).update(status=PaymentLink.Status.PENDING)
        for pk in links:
            request_payment_link.delay(pk)
        self.message_user(request, f"{len(links)} payment link(s) queued.")
