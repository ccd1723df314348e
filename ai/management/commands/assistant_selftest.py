"""`manage.py assistant_selftest --store <slug>`: generate scenarios from the store's own data,
run them against its assistant (nothing is kept), print pass/fail per scenario."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ai import selftest
from ai.management.commands._common import store_by_ref
from ai.models import AssistantSelfTest


class Command(BaseCommand):
    help = "Run the scenarios generated from a store's catalog, hours and services."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="Store slug (or id)")
        parser.add_argument("--now", default="", help="Pretend it is this local time (ISO 8601)")
        parser.add_argument("--verbose", action="store_true", help="Print the transcript of failures")

    def handle(self, *args: Any, **options: Any) -> None:
        store = store_by_ref(options["store"])
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"]).replace(tzinfo=ZoneInfo(store.timezone))
            except ValueError:
                raise CommandError("--now must look like 2026-12-04T19:30") from None
        report = selftest.run(store, trigger=AssistantSelfTest.Trigger.COMMAND, now=now)
        if report.status == AssistantSelfTest.Status.ERROR:
            raise CommandError(f"The self-test could not run: {report.error}")
        for result in report.results:
            mark = self.style.SUCCESS("PASS") if result["passed"] else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark}  {result['name']}")
            if not result["passed"]:
                for failure in result["failures"] + ([result["error"]] if result["error"] else []):
                    self.stdout.write(f"        {failure}")
                if options["verbose"]:
                    for line in result["transcript"]:
                        for who in ("caller", "assistant"):
                            if who in line:
                                self.stdout.write(f"        {who}: {line[who]}")
        style = self.style.SUCCESS if report.passed == report.total else self.style.WARNING
        self.stdout.write(style(f"{report.passed}/{report.total} scenarios passed (report #{report.pk})."))
        if report.passed != report.total:
            raise SystemExit(1)
