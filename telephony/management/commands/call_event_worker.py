"""`manage.py call_event_worker`: run stored Telnyx call events in a process of its own.

Run one next to the web processes when TELNYX_REACTIONS=reactor (docker-compose does; `manage.py
serve` starts it itself in that mode). A second one waits as a standby. SIGTERM or Ctrl-C stops
it after its lanes finish what they hold (TELNYX_REACTOR_DRAIN_SECONDS).
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telephony import call_event_worker


class Command(BaseCommand):
    help = "Run the Telnyx call events stored by the web processes (TELNYX_REACTIONS=reactor)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--nice",
            type=int,
            default=int(os.environ.get("TELNYX_REACTOR_NICE", "0")),
            help="lower this process's CPU priority (0-19) so that, on a box shared with the web "
            "processes, webhook acknowledgements go first under a burst (env TELNYX_REACTOR_NICE)",
        )

    def handle(self, *args: Any, nice: int, **options: Any) -> None:
        if settings.TELNYX_REACTIONS != "reactor":
            raise CommandError(
                f"TELNYX_REACTIONS is {settings.TELNYX_REACTIONS!r}: the web processes react "
                "themselves. Set TELNYX_REACTIONS=reactor for the web processes and this one."
            )
        if nice > 0:
            os.nice(min(nice, 19))
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        ready = threading.Event()
        worker = threading.Thread(
            target=call_event_worker.run, args=(stop,), kwargs={"ready": ready}, daemon=True
        )
        worker.start()
        if ready.wait(timeout=30):
            how = "PostgreSQL notifications" if call_event_worker.uses_notify() else "a scan every 50 ms"
            # The words operators (and the serve test) look for in the logs, kept from the old name.
            self.stdout.write(f"telnyx reactor: reacting to call events ({how}); Ctrl-C to stop", ending="\n")
        while worker.is_alive():
            worker.join(timeout=0.5)
        self.stdout.write("telnyx reactor: stopped")
