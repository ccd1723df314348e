from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        # Workers and the admin's replay find how Telnyx events are processed here.
        from kalliky import inbox
        from telephony import callcontrol
        from telephony.analysis_tasks import on_call_ready
        from telephony.models import TelnyxEvent

        inbox.register_handler(TelnyxEvent, callcontrol.handle)
        # Post-call analysis: the call loop announces each call once, when all it needs is stored.
        callcontrol.call_ready_for_analysis.connect(on_call_ready, dispatch_uid="telephony-analysis-ready")
