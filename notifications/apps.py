from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications.signals import store_saved

        post_save.connect(store_saved, sender="stores.Store", dispatch_uid="notifications_store_defaults")
