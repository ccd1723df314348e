"""`manage.py notification_defaults`: give every store the notification defaults it lacks
(new stores get them when created; this catches stores written around the ORM)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.services import defaults_ensure
from stores.models import Store


class Command(BaseCommand):
    help = "Create missing notification settings and default configurations for every store. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        stores = Store.objects.select_related("business").order_by("pk")
        added = sum(defaults_ensure(store=store) for store in stores.iterator())
        self.stdout.write(
            self.style.SUCCESS(f"{stores.count()} store(s) checked, {added} configuration(s) added.")
        )
