from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from ai import context, signals
        from billing.events import signup_completed

        signals.connect()
        signup_completed.connect(context.on_signup_completed, dispatch_uid="ai_signup_warmup")
