"""`manage.py chat --store <slug>`: talk to a store's assistant in the terminal.

Interactive on a terminal; scripted otherwise: one caller line per input line, one reply per
output line (the greeting goes to stderr), exit at end of input or when the assistant hangs up
or transfers."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ai import agent
from ai.management.commands._common import store_by_ref
from kalliky.phones import to_e164


class Command(BaseCommand):
    help = "Chat with a store's assistant (sandbox: test orders unless --live)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="Store slug (or id)")
        parser.add_argument(
            "--brain", choices=("local", "openai"), default="", help="Default: the store's brain"
        )
        parser.add_argument(
            "--phone", default="", help="Caller's number, e.g. +33612345678 (returning caller)"
        )
        parser.add_argument(
            "--live", action="store_true", help="Write real orders and bookings, not test ones"
        )
        parser.add_argument("--now", default="", help="Pretend it is this time (ISO 8601, store time zone)")
        parser.add_argument("--verbose-tools", action="store_true", help="Print each tool call")

    def handle(self, *args: Any, **options: Any) -> None:
        store = store_by_ref(options["store"])
        phone = ""
        if options["phone"]:
            try:
                phone = to_e164(options["phone"])
            except ValueError as exc:
                raise CommandError(f"--phone: {exc}") from None
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError("--now must look like 2026-12-04T19:30") from None
            if now.tzinfo is None:
                now = now.replace(tzinfo=ZoneInfo(store.timezone))
        interactive = sys.stdin.isatty()
        session, greeting = agent.begin(
            store,
            channel="cli",
            caller_phone=phone,
            sandbox=not options["live"],
            brain=options["brain"],
            now=now,
        )
        if interactive:
            mode = "LIVE" if options["live"] else "sandbox"
            self.stdout.write(self.style.NOTICE(f"{store.name} — {mode}, Ctrl-D to hang up"))
            self.stdout.write(f"assistant> {greeting.text}")
        else:
            self.stderr.write(greeting.text)
        try:
            while True:
                if interactive:
                    try:
                        line = input("you> ")
                    except EOFError:
                        break
                else:
                    raw = sys.stdin.readline()
                    if not raw:
                        break
                    line = raw.rstrip("\n")
                reply = agent.respond(session, line)
                if interactive:
                    self.stdout.write(f"assistant> {reply.text}")
                    if options["verbose_tools"]:
                        for call in reply.tool_calls:
                            self.stdout.write(
                                self.style.HTTP_INFO(
                                    f"   · {call['tool']}({call['arguments']}) → "
                                    f"{'ok' if call['result'].get('ok') else call['result'].get('error')}"
                                )
                            )
                    if reply.cart["lines"]:
                        self.stdout.write(self.style.HTTP_INFO(f"   cart total {reply.cart['total']}"))
                else:
                    self.stdout.write(reply.text.replace("\n", " "))
                    self.stdout.flush()
                if reply.ended:
                    break
        finally:
            agent.finish(session)
