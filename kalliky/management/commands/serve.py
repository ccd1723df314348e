"""`manage.py serve`: the ASGI server and a Celery worker together, stopped together.

This is what `make run` ends with. The worker uses the broker from settings: the embedded
filesystem broker under var/ by default, Redis when REDIS_URL (or CELERY_BROKER_URL) is set.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from nacl.signing import SigningKey

SIMULATOR_API_KEY = "KEYsimulator"


class Command(BaseCommand):
    help = "Serve the app (uvicorn, ASGI) and run a Celery worker until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="Serve HTTP only.")
        parser.add_argument(
            "--simulator-port",
            type=int,
            default=int(os.environ.get("TELNYX_SIMULATOR_PORT", "8790")),
            help="Port of the Telnyx simulator started when TELNYX_API_KEY is empty.",
        )

    def handle(
        self, *args: Any, host: str, port: int, no_worker: bool, simulator_port: int, **options: Any
    ) -> None:
        python = sys.executable
        env = dict(os.environ)
        commands: dict[str, list[str]] = {}
        simulator = ""
        if not settings.TELNYX_API_KEY:
            # No Telnyx account: the simulator plays the phone network, and the app is pointed at
            # it exactly as it would be at api.telnyx.com (base URL, key, webhook signing key).
            simulator = f"http://127.0.0.1:{simulator_port}"
            seed = hashlib.sha256(b"kalliky development telephone network").digest()
            env.update(
                TELNYX_API_KEY=SIMULATOR_API_KEY,
                TELNYX_BASE_URL=f"{simulator}/v2",
                TELNYX_PUBLIC_KEY=base64.b64encode(bytes(SigningKey(seed).verify_key)).decode(),
                TELNYX_SIMULATOR_URL=simulator,
            )
            commands["telnyx-simulator"] = [
                python,
                "-m",
                "tests.fakes.telnyx.server",
                "--port",
                str(simulator_port),
                "--webhook-url",
                f"http://{host}:{port}/api/telnyx/webhook",
                "--seed-hex",
                seed.hex(),
                "--api-key",
                SIMULATOR_API_KEY,
            ]
        stripe_sim = ""
        if not settings.STRIPE_SECRET_KEY and os.environ.get("STRIPE_SIMULATOR", "").lower() in (
            "1",
            "true",
            "yes",
        ):
            # Opt-in: the Stripe fake plays Stripe (Checkout pay page, portal, signed events), so
            # the paid signup can be tried end to end. Without it, signup uses the trial provider.
            stripe_sim = f"http://127.0.0.1:{simulator_port + 1}"
            env.update(
                STRIPE_SECRET_KEY="sk_test_simulator",
                STRIPE_WEBHOOK_SECRET="whsec_simulator",
                STRIPE_API_BASE=stripe_sim,
                STRIPE_PRICE_STARTER="price_sim_starter",
                STRIPE_PRICE_PRO="price_sim_pro",
            )
            commands["stripe-simulator"] = [
                python,
                "-m",
                "tests.fakes.stripe.server",
                "--port",
                str(simulator_port + 1),
                "--webhook-url",
                f"http://{host}:{port}/api/stripe/webhook",
                "--webhook-secret",
                "whsec_simulator",
                "--secret-key",
                "sk_test_simulator",
                "--price",
                "price_sim_starter:12900",
                "--price",
                "price_sim_pro:32900",
            ]
        commands |= {
            "web": [
                python,
                "-m",
                "uvicorn",
                "kalliky.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "info",
            ],
        }
        if settings.TELNYX_REACTIONS == "reactor":
            # Call events are reacted to in their own process (telephony.dispatcher).
            commands["telnyx-reactor"] = [python, str(settings.BASE_DIR / "manage.py"), "telnyx_reactor"]
        if not no_worker:
            # solo pool: one process is plenty on a laptop and behaves with the filesystem broker.
            commands["worker"] = [
                python,
                "-m",
                "celery",
                "-A",
                "kalliky",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                # Embedded beat: periodic jobs (webhook retries) run with no extra process.
                "--beat",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ]
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}  # noqa: S603

        broker = settings.CELERY_BROKER_URL.split("://")[0]
        self.stdout.write(self.style.SUCCESS(f"Kalliky is running on http://{host}:{port}/"))
        self.stdout.write(f"  API docs:   http://{host}:{port}/api/docs")
        self.stdout.write(f"  Admin:      http://{host}:{port}/admin/")
        self.stdout.write(
            f"  Demo login: demo@kalliky.local / {os.environ.get('DEMO_PASSWORD', 'kalliky-demo-2026')}"
        )
        self.stdout.write(f"  Worker:     {'off' if no_worker else 'on, broker ' + broker}")
        self.stdout.write(f"  Reactions:  {settings.TELNYX_REACTIONS} (TELNYX_REACTIONS)")
        if simulator:
            self.stdout.write(f"  Telephone:  Telnyx simulator at {simulator} (no TELNYX_API_KEY set)")
            self.stdout.write(
                "  Call the demo pizzeria:  .venv/bin/python manage.py simulate_call --to +33100000001"
            )
        else:
            self.stdout.write(f"  Telephone:  Telnyx at {settings.TELNYX_BASE_URL}")
        if stripe_sim:
            self.stdout.write(f"  Billing:    Stripe simulator at {stripe_sim} (STRIPE_SIMULATOR=true)")
        elif settings.STRIPE_SECRET_KEY:
            self.stdout.write(f"  Billing:    Stripe at {settings.STRIPE_API_BASE}")
        else:
            self.stdout.write(
                "  Billing:    not configured: signups start a 14-day trial "
                "(STRIPE_SIMULATOR=true to try Checkout)"
            )
        self.stdout.write("Press Ctrl-C to stop.")

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping.")
                        exit_code = proc.returncode or 1
                        stopping = True
                time.sleep(0.3)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in processes.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)
