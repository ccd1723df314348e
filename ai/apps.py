from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from ai import signals

        signals.connect()
