"""`manage.py serve`: the ASGI server and a Celery worker together, stopped together.

This is what `make run` ends with. The worker uses the broker from settings: the embedded
filesystem broker under var/ by default, Redis when REDIS_URL (or CELERY_BROKER_URL) is set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kalliky import simulators


def answers(url: str) -> bool:
    """Whether the server answers `url` at all (any HTTP status counts: it is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback address
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Serve the app (uvicorn, ASGI) and run a Celery worker until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="Serve HTTP only.")
        parser.add_argument(
            "--simulator",
            action="store_true",
            help="With DEBUG off and no TELNYX_API_KEY, still start the Telnyx simulator (a demo, never "
            "production: its signing key is public).",
        )
        parser.add_argument(
            "--simulator-port",
            type=int,
            default=int(os.environ.get("TELNYX_SIMULATOR_PORT", "8790")),
            help="Port of the Telnyx simulator started when TELNYX_API_KEY is empty.",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        no_worker: bool,
        simulator: bool,
        simulator_port: int,
        **options: Any,
    ) -> None:
        if not settings.TELNYX_API_KEY and not settings.DEBUG and not simulator:
            # Production never falls back to the simulator: its key is derived from a constant in
            # the source, so anyone could sign call events the app would trust.
            raise CommandError(
                "DEBUG is off and TELNYX_API_KEY is empty: set TELNYX_API_KEY and TELNYX_PUBLIC_KEY "
                "for real calls, or pass --simulator to serve a demo on the Telnyx simulator."
            )
        use_simulator = not settings.TELNYX_API_KEY
        python = sys.executable
        env = dict(os.environ)
        commands: dict[str, list[str]] = {}
        simulator_url = ""
        if use_simulator:
            # No Telnyx account: the simulator plays the phone network, and the app is pointed at
            # it exactly as it would be at api.telnyx.com (base URL, key, webhook signing key).
            simulator_url = f"http://127.0.0.1:{simulator_port}"
            env.update(
                TELNYX_API_KEY=simulators.TELNYX_API_KEY,
                TELNYX_BASE_URL=f"{simulator_url}/v2",
                TELNYX_PUBLIC_KEY=simulators.telnyx_public_key(),
                TELNYX_SIMULATOR_URL=simulator_url,
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
                simulators.TELNYX_SIGNING_SEED.hex(),
                "--api-key",
                simulators.TELNYX_API_KEY,
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
                STRIPE_SECRET_KEY=simulators.STRIPE_SECRET_KEY,
                STRIPE_WEBHOOK_SECRET=simulators.STRIPE_WEBHOOK_SECRET,
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
                simulators.STRIPE_WEBHOOK_SECRET,
                "--secret-key",
                simulators.STRIPE_SECRET_KEY,
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
            # Call events run in their own process (telephony.call_event_worker).
            commands["telnyx-reactor"] = [python, str(settings.BASE_DIR / "manage.py"), "call_event_worker"]
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
                # Background jobs log at WARNING unless LOG_LEVEL says otherwise, so their
                # routine lines do not push the address and the login off the screen.
                "--loglevel",
                os.environ.get("LOG_LEVEL") or "WARNING",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                # Embedded beat: periodic jobs (webhook retries) run with no extra process.
                "--beat",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ]
        worker_ready = settings.VAR_DIR / "worker.ready"
        worker_ready.unlink(missing_ok=True)
        env["KALLIKY_WORKER_READY_FILE"] = str(worker_ready)
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}  # noqa: S603

        broker = settings.CELERY_BROKER_URL.split("://")[0]

        def banner() -> None:
            self.stdout.write(self.style.SUCCESS(f"Kalliky is running on http://{host}:{port}/"))
            self.stdout.write(f"  API docs:   http://{host}:{port}/api/docs")
            self.stdout.write(f"  Admin:      http://{host}:{port}/admin/")
            self.stdout.write(
                f"  Demo login: demo@kalliky.local / {os.environ.get('DEMO_PASSWORD', 'kalliky-demo-2026')}"
            )
            self.stdout.write(f"  Worker:     {'off' if no_worker else 'on, broker ' + broker}")
            self.stdout.write(f"  Reactions:  {settings.TELNYX_REACTIONS} (TELNYX_REACTIONS)")
            if simulator_url:
                self.stdout.write(
                    f"  Telephone:  Telnyx simulator at {simulator_url} (no TELNYX_API_KEY set)"
                )
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
            self.stdout.flush()

        self.stdout.write(f"Starting Kalliky ({', '.join(processes)})…")
        self.stdout.flush()
        # The banner is printed once the server answers, and again once the worker's start-up
        # lines are out, so the address and the login are the last thing on screen.
        local_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - reached locally
        web_url = f"http://{local_host}:{port}/accounts/login/"
        web_answered = False
        worker_announced = no_worker
        started = time.monotonic()
        next_patience = started + 20
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                if not web_answered and answers(web_url):
                    web_answered = True
                    worker_announced = worker_announced or worker_ready.exists()
                    banner()
                if web_answered and not worker_announced and worker_ready.exists():
                    worker_announced = True
                    banner()
                if not web_answered and time.monotonic() > next_patience:
                    next_patience += 20
                    waited = time.monotonic() - started
                    self.stdout.write(f"  …still waiting for the server to answer ({waited:.0f} s)")
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
