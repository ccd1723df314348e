from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing import commission, deposits
        from billing.lifecycle import handle
        from billing.models import StripeEvent
        from kalliky import inbox
        from stores import events

        inbox.register_handler(StripeEvent, handle)
        # A confirmed order carries its commission, and a payment link where the store asks one;
        # a booking, its deposit link. After the stores' commit (stores.events).
        events.order_placed.connect(commission.on_order_placed, dispatch_uid="billing_commission")
        events.order_placed.connect(deposits.on_order_placed, dispatch_uid="billing_order_payment_link")
        events.booking_made.connect(deposits.on_booking_made, dispatch_uid="billing_booking_deposit")
