from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The owner's side: every page and socket, the exports, onboarding and `seed_demo`.
    The top layer: it may import every other app, and none imports it."""

    name = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        from dashboard import live
        from stores.events import order_changed

        # An order or its ticket changed: the store's open kitchen boards redraw its card.
        order_changed.connect(live.on_order_changed, dispatch_uid="dashboard.kitchen_boards")
