from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing.lifecycle import handle
        from billing.models import StripeEvent
        from kalliky import inbox

        inbox.register_handler(StripeEvent, handle)
