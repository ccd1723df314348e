from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        # Workers and the admin's replay find how Telnyx events are processed here.
        from billing import events as billing_events
        from kalliky import inbox
        from telephony import callcontrol, numbers
        from telephony.analysis_tasks import on_call_ready
        from telephony.models import TelnyxEvent

        inbox.register_handler(TelnyxEvent, callcontrol.handle)
        # Billing says what happened to a subscription; the numbers follow.
        billing_events.subscription_state_changed.connect(
            numbers.on_subscription_state_changed, dispatch_uid="telephony_numbers_standing"
        )
        billing_events.signup_completed.connect(
            numbers.on_signup_completed, dispatch_uid="telephony_first_number"
        )
        # Post-call analysis: the call loop announces each call once, when all it needs is stored.
        callcontrol.call_ready_for_analysis.connect(on_call_ready, dispatch_uid="telephony-analysis-ready")
