from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from billing import events as billing_events
        from notifications import billing_mail
        from notifications.signals import store_saved

        post_save.connect(store_saved, sender="stores.Store", dispatch_uid="notifications_store_defaults")
        billing_events.signup_completed.connect(
            billing_mail.on_signup_completed, dispatch_uid="notifications_welcome"
        )
        billing_events.subscription_state_changed.connect(
            billing_mail.on_subscription_state_changed, dispatch_uid="notif_standing"
        )
