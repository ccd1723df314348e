"""`manage.py simulate_call`: call a store from the terminal through the Telnyx simulator.

The simulator (started by `make run` when no TELNYX_API_KEY is set) plays the phone network: it
places the call, sends the app the webhooks Telnyx would send, and turns what you type into
`call.transcription` events. What the assistant speaks is printed as it is spoken, and what the
call produced (orders, bookings) is printed after the hang-up.

With `--voice` (a store on a realtime-voice plan, the app run with VOICE_MEDIA_STREAMS=true) the
call is a media stream: what you type is spoken with espeak-ng on the line in real time, the
assistant answers with audio (its length is printed), and the conversation as the app heard and
answered it is printed after the hang-up.

With `--now "2026-12-07 12:00"` (the store's local time, or ISO 8601 with an offset) the call runs
as if it were then: the simulator passes the time as a custom SIP header, which the app honours on
the simulator only (telephony.sandbox). Without it, calling a closed store prints a hint.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ai import clock
from stores.availability import store_tz
from stores.models import Consultation, Reservation, ServiceBooking
from telephony.models import Call, PhoneNumber
from telephony.sandbox import PRETEND_NOW_HEADER
from telephony.selectors import (
    consultations_of_call,
    orders_of_call,
    reservations_of_call,
    service_bookings_of_call,
)

DEFAULT_SIMULATOR = os.environ.get("TELNYX_SIMULATOR_URL", "http://127.0.0.1:8790")


class Command(BaseCommand):
    help = "Place a simulated phone call to one of our numbers and talk to the assistant."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", required=True, help="The store's number, e.g. +33100000001.")
        parser.add_argument("--from", dest="from_", default="+33612345678", help="The caller's number.")
        parser.add_argument(
            "--say", action="append", default=[], help="A sentence to say (repeat for each turn)."
        )
        parser.add_argument("--simulator", default=DEFAULT_SIMULATOR, help="The simulator's address.")
        parser.add_argument("--wait", type=float, default=15.0, help="Seconds to wait for each answer.")
        parser.add_argument(
            "--voice", action="store_true", help="Speak on the call's media stream (realtime-voice plans)."
        )
        parser.add_argument("--lang", default="en", help="The voice's language with --voice (en, fr…).")
        parser.add_argument(
            "--now",
            default="",
            help='Pretend it is this time: "2026-12-07 12:00" (the store\'s local time; simulator only).',
        )

    def handle(
        self, *args: Any, to: str, from_: str, say: list[str], simulator: str, wait: float, **o: Any
    ) -> None:
        self.base = simulator.rstrip("/")
        self.wait = wait
        self.voice, self.lang = bool(o.get("voice")), str(o.get("lang") or "en")
        headers = self._clock(to, str(o.get("now") or ""))
        try:
            placed = self._post("/_sim/calls", {"from": from_, "to": to, "custom_headers": headers})
        except urllib.error.URLError as exc:
            raise CommandError(
                f"The Telnyx simulator does not answer at {self.base} ({exc.reason}). Start the app with "
                "`make run` (it starts the simulator when TELNYX_API_KEY is empty), or pass --simulator."
            ) from None
        call_id = placed["call_control_id"]
        self.stdout.write(f"Calling {to} from {from_}…")
        heard = self._listen(call_id, 0)
        if heard is None:
            return
        if say:
            for sentence in say:
                heard = self._turn(call_id, sentence, heard)
                if heard is None:
                    return
        else:
            self.stdout.write("Speak by typing; an empty line hangs up.")
            while True:
                try:
                    sentence = input("You: ").strip()
                except EOFError:
                    break
                if not sentence:
                    break
                heard = self._turn(call_id, sentence, heard, echo=False)
                if heard is None:
                    return
        self._post(f"/_sim/calls/{call_id}/hangup", {})
        self.stdout.write("You hung up.")
        self._report(call_id)

    def _clock(self, to: str, now: str) -> list[dict[str, str]]:
        """The pretend-time header for --now; without it, a hint when the store is closed."""
        try:
            number = PhoneNumber.objects.select_related("store").filter(number=to).first()
        except DatabaseError:  # not the app's database (or not migrated): no store to look at
            number = None
        store = number.store if number is not None else None
        tz = store_tz(store) if store is not None else ZoneInfo(settings.TIME_ZONE)
        if now:
            try:
                moment = clock.parse_moment(now, tz)
            except ValueError as exc:
                raise CommandError(f"--now: {exc}.") from None
            if store is None:  # the app reads a time without an offset in the store's zone
                self.stdout.write(f"Pretending it is {now.strip()} (the store's local time).")
                return [{"name": PRETEND_NOW_HEADER, "value": now.strip()}]
            self.stdout.write(f"Pretending it is {moment:%A %Y-%m-%d %H:%M} ({tz}).")
            return [{"name": PRETEND_NOW_HEADER, "value": moment.isoformat()}]
        if store is not None:
            default = clock.sandbox_default(store)
            if default.closed:
                hint = f"{store.name} is closed now: the assistant will take no order."
                if default.moment is not None:
                    hint += f' To try ordering, pretend it is open: --now "{default.moment:%Y-%m-%d %H:%M}".'
                self.stdout.write(self.style.WARNING(hint))
        return []

    def _turn(self, call_id: str, sentence: str, heard: int, *, echo: bool = True) -> int | None:
        if echo:
            self.stdout.write(f"You: {sentence}")
        if self.voice:
            self._post(f"/_sim/calls/{call_id}/speak", {"text": sentence, "lang": self.lang}, timeout=60)
        else:
            self._post(f"/_sim/calls/{call_id}/say", {"text": sentence})
        return self._listen(call_id, heard)

    def _listen(self, call_id: str, heard: int) -> int | None:
        """Print what the assistant says after `heard` sentences; None once the call is over."""
        if self.voice:
            return self._listen_to_stream(call_id, heard)
        deadline = time.monotonic() + self.wait
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            state = self._get(f"/_sim/calls/{call_id}")
            spoken = state.get("spoken") or []
            for text in spoken[heard:]:
                self.stdout.write(self.style.SUCCESS(f"Assistant: {text}"))
            if len(spoken) > heard:
                heard, quiet_since = len(spoken), time.monotonic()
            if state.get("state") == "hangup":
                self.stdout.write("The line hung up.")
                self._report(call_id)
                return None
            # An answer is complete once nothing new has been said for a moment.
            if quiet_since is not None and time.monotonic() - quiet_since > 0.6:
                return heard
            time.sleep(0.1)
        if heard == 0:
            raise CommandError(
                f"No answer within {self.wait:.0f} s. Is the app running, with {self.base} as its"
                " TELNYX_BASE_URL?"
            )
        return heard

    def _listen_to_stream(self, call_id: str, heard_ms: int) -> int | None:
        """Wait for the assistant's audio after `heard_ms` and for it to end; print its length."""
        deadline = time.monotonic() + self.wait
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            state = self._get(f"/_sim/calls/{call_id}")
            stream = state.get("stream") or {}
            if state.get("state") == "hangup":
                self.stdout.write("The line hung up.")
                self._report(call_id)
                return None
            played = int(stream.get("played_ms") or 0)
            if played > heard_ms and not stream.get("playing"):
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.6:
                    self.stdout.write(
                        self.style.SUCCESS(f"Assistant: ({(played - heard_ms) / 1000:.1f} s of speech)")
                    )
                    return played
            else:
                quiet_since = None
            time.sleep(0.1)
        raise CommandError(
            f"No audio on the call's media stream within {self.wait:.0f} s. --voice needs a store on a"
            " realtime-voice plan (the demo pizzeria) and the app run with VOICE_MEDIA_STREAMS=true."
        )

    def _report(self, call_id: str) -> None:
        deadline = time.monotonic() + 5
        call = None
        while time.monotonic() < deadline:
            call = Call.objects.filter(call_control_id=call_id).first()
            if call is not None and call.ended_at is not None:
                break
            time.sleep(0.2)
        if call is None:
            self.stdout.write("The app has no record of this call (is this the app's database?).")
            return
        self.stdout.write(f"Call {call.get_status_display()}, {call.duration_seconds} s.")
        if self.voice and call.transcript:
            self.stdout.write("What the app heard and said:\n" + call.transcript)
        for order in orders_of_call(call).select_related("store").prefetch_related("items"):
            line = f"Order #{order.number}: {order.total} {order.store.currency}"
            self.stdout.write(self.style.SUCCESS(line))
            for item in order.items.all():
                self.stdout.write(f"  {item}")
        for model, of_call in (
            (Reservation, reservations_of_call),
            (ServiceBooking, service_bookings_of_call),
            (Consultation, consultations_of_call),
        ):
            for booking in of_call(call):
                self.stdout.write(self.style.SUCCESS(f"{model._meta.verbose_name.capitalize()}: {booking}"))

    def _get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310 - local simulator
            return json.load(response)

    def _post(self, path: str, body: dict[str, Any], *, timeout: float = 5) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - local simulator
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
        return json.loads(raw) if raw else {}
