from django.apps import AppConfig


class KallikyConfig(AppConfig):
    name = "kalliky"
    verbose_name = "Kalliky"

    def ready(self) -> None:
        from kalliky import checks  # noqa: F401  (registers the provider checks)
