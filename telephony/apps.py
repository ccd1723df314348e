from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        # Workers and the admin's replay find how Telnyx events are processed here.
        from kalliky import inbox
        from telephony import callcontrol
        from telephony.models import TelnyxEvent

        inbox.register_handler(TelnyxEvent, callcontrol.handle)
