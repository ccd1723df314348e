"""How fast the phone line answers: a final `call.transcription` leaves the Telnyx simulator →
the `speak` command with the reply reaches it. The app runs as in production (uvicorn, ASGI,
the reaction lanes, the local brain), the simulator plays Telnyx and the callers.

Each caller places an order in four sentences (the demo pizzeria, open for the run); every
sentence is one sample. Prints the table and writes bench/results/call_reaction[.redis].json.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, print_table, write_json  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", "50"))
TURNS = [
    "Bonjour, je voudrais deux margherita grandes et un coca s'il vous plaît",
    "non merci c'est tout",
    "à emporter",
    "oui c'est parfait",
]
GOAL_P95_MS = 25.0
# A caller starts a sentence a moment after the assistant stops (people leave ~200 ms or more);
# without the gap the sample would also time the app filing the previous `call.speak.ended`.
TURN_GAP_S = float(os.environ.get("BENCH_TURN_GAP_S", "0.25"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except Exception:  # noqa: BLE001 - still starting
            time.sleep(0.2)
    raise SystemExit(f"{url} never answered")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))], 2)


def main() -> int:
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'bench_reaction.sqlite3'}"
    if database.startswith("sqlite:///"):
        Path(database.removeprefix("sqlite:///")).unlink(missing_ok=True)
    # Production settings (DEBUG off: no query log, no debug toolbar work), served over plain HTTP.
    production = {
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "LOG_LEVEL": "WARNING",
        "CALL_SILENCE_SECONDS": "600",
    }
    env = {**os.environ, "DATABASE_URL": database, **production}
    os.environ.update(DATABASE_URL=database, DJANGO_SETTINGS_MODULE="kalliky.settings", **production)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    from stores.models import Order, Store
    from tests.factories import open_around_now
    from tests.fakes.telnyx import FakeTelnyx

    open_around_now(Store.objects.get(slug="pizzeria-bella-napoli"))
    port = free_port()
    samples: list[float] = []
    acks: list[float] = []
    with FakeTelnyx() as fake:
        fake.webhook_url = f"http://127.0.0.1:{port}/api/telnyx/webhook"
        env.update(
            TELNYX_API_KEY=fake.api_key,
            TELNYX_BASE_URL=fake.base_url,
            TELNYX_PUBLIC_KEY=fake.public_key,
            TELNYX_MAX_RETRIES="0",
        )
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "uvicorn",
                "kalliky.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/api/openapi.json")
            for n in range(CALLS):
                call = fake.place_call(from_=f"+336{n:08d}", to="+33100000001")
                call.wait_for_speech(1, timeout=15)
                call.wait_for(lambda c: not c.speaking, timeout=15)
                for text in TURNS:
                    time.sleep(TURN_GAP_S)
                    speaks_before = len([c for c in call.commands if c.action == "speak"])
                    envelope = fake.event(
                        "call.transcription",
                        {
                            "call_control_id": call.call_control_id,
                            "call_leg_id": call.call_leg_id,
                            "call_session_id": call.call_session_id,
                            "client_state": call.client_state,
                            "transcription_data": {
                                "transcript": text,
                                "is_final": True,
                                "confidence": 0.95,
                                "transcription_track": "inbound",
                            },
                        },
                    )
                    sent = time.time()
                    status = fake.deliver(envelope)
                    acks.append((time.time() - sent) * 1000)
                    if status != 200:
                        raise SystemExit(f"webhook answered {status}")

                    def replied(c, before=speaks_before) -> bool:  # noqa: ANN001
                        return len([x for x in c.commands if x.action == "speak"]) > before

                    call.wait_for(replied, timeout=15)
                    speak = [c for c in call.commands if c.action == "speak"][speaks_before]
                    if n > 0:  # the first call warms the caches and the brain
                        samples.append((speak.at - sent) * 1000)
                    call.wait_for(lambda c: not c.speaking, timeout=15)
                call.hang_up()
            fake.drain(timeout=30)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    orders = Order.objects.filter(conversation_outcome__isnull=False).count()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    backend = "Redis" if os.environ.get("REDIS_URL") else "local-memory"
    row = {
        "calls": CALLS,
        "samples": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
        "max_ms": round(max(samples), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
        "ack_p50_ms": percentile(acks, 0.50),
        "turn_gap_ms": round(TURN_GAP_S * 1000),
        "orders": orders,
        "goal_p95_ms": GOAL_P95_MS,
        "met": percentile(samples, 0.95) < GOAL_P95_MS,
    }
    print_table(
        f"Final transcription sent → speak received by the simulator (uvicorn, {engine}, {backend} cache, "
        "local brain)",
        [row],
    )
    ok = orders == CALLS
    if not ok:
        print(f"expected {CALLS} orders, found {orders}")
    path = write_json("call_reaction" + (".redis" if os.environ.get("REDIS_URL") else ""), row)
    print(f"\nwritten {path.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
