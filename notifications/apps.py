from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from billing import deposits
        from billing import events as billing
        from notifications import billing_mail, signals
        from stores import events as business
        from telephony import events as calls

        post_save.connect(
            signals.store_saved, sender="stores.Store", dispatch_uid="notifications_store_defaults"
        )
        # The domain events of the apps below: what happened → who hears about it.
        for signal, receiver, uid in (
            (business.sector_applied, signals.sector_applied, "sector_applied"),
            (business.order_placed, signals.order_placed, "order_placed"),
            (business.booking_made, signals.booking_made, "booking_made"),
            (business.booking_moved, signals.booking_made, "booking_moved"),
            (business.complaint_recorded, signals.complaint_recorded, "complaint_recorded"),
            (calls.callback_requested, signals.callback_requested, "callback_requested"),
            (deposits.payment_link_ready, signals.payment_link_ready, "payment_link_ready"),
            (calls.calls_analysed, signals.calls_analysed, "calls_analysed"),
            (billing.signup_completed, billing_mail.on_signup_completed, "welcome"),
            (billing.subscription_state_changed, billing_mail.on_subscription_state_changed, "standing"),
        ):
            signal.connect(receiver, dispatch_uid=f"notifications_{uid}")
