"""`manage.py preload_store_cache`: build the assistant's context of every active store, in
batches, so the first call of the day does not pay for it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ai import context
from stores.models import Store


class Command(BaseCommand):
    help = "Warm the assistant's store context cache for every active store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=50)
        parser.add_argument("--force", action="store_true", help="Rebuild even the stores already cached")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        ids = list(Store.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        if options["force"]:
            for store_id in ids:
                context.invalidate(store_id)
        size = max(1, options["batch_size"])
        built = 0
        for start in range(0, len(ids), size):
            batch = Store.objects.filter(pk__in=ids[start : start + size])
            built += context.preload(list(batch), batch_size=size)
            self.stdout.write(f"  {min(start + size, len(ids))}/{len(ids)} stores")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{built} context(s) built, {len(ids) - built} already cached, {elapsed:.2f} s."
            )
        )
