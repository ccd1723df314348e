"""Notification dispatch throughput for one worker: items claimed, sent and recorded per second,
by email (local-memory and file backends) and by webhook to a receiver on 127.0.0.1."""

from __future__ import annotations

import platform
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_table, setup_django, write_json  # noqa: E402

EMAILS = 2_000
WEBHOOKS = 1_000
BATCH = 100


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def receiver() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hooks/kalliky"


def seed():  # noqa: ANN201
    from accounts.models import Business, Membership, User
    from stores.models import Store

    user, _ = User.objects.get_or_create(email="bench-notify@kalliky.local")
    business, _ = Business.objects.get_or_create(owner=user, name="Bench Notifications")
    Membership.objects.get_or_create(user=user, business=business, defaults={"role": "owner"})
    store, _ = Store.objects.get_or_create(business=business, slug="bench-notify", defaults={"name": "Bench"})
    store.notifications.all().delete()  # each run starts from an empty queue
    return store


def fill(store: Any, channel: str, recipient: Callable[[int], str], count: int) -> None:
    # App modules load only after main() has set Django up on the bench database.
    from django.db import transaction
    from django.utils import timezone

    from notifications import variables
    from notifications.outbox import Outgoing, enqueue

    context = variables.sample("new_order", store, "fr")
    payload = {"language": "fr", "vars": context.for_action("new_order"), "data": context.data}
    run = uuid.uuid4().hex[:8]
    now = timezone.now()
    with transaction.atomic():
        enqueue(
            business_id=store.business_id,
            store_id=store.pk,
            messages=[
                Outgoing("new_order", channel, recipient(n), f"bench:{run}:{n}", now, payload)
                for n in range(count)
            ],
        )


def drain(count: int) -> dict[str, Any]:
    """One worker dispatching until the queue is empty: the figure is items per second."""
    # App modules load only after main() has set Django up on the bench database.
    from django.db import connection

    from notifications import outbox

    executed = [0]

    def counting(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        executed[0] += 1
        return execute(sql, params, many, context)

    sent = failed = 0
    started = time.perf_counter()
    with connection.execute_wrapper(counting):
        while True:
            report = outbox.dispatch(limit=BATCH)
            if not report.claimed:
                break
            sent += report.sent
            failed += report.failed
    seconds = time.perf_counter() - started
    if sent != count:
        raise SystemExit(f"sent {sent} of {count} ({failed} failed)")
    return {
        "items": count,
        "seconds": round(seconds, 2),
        "items_per_s": round(count / seconds),
        "ms_per_item": round(1000 * seconds / count, 2),
        "queries_per_item": round(executed[0] / count, 2),
    }


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.core import mail
    from django.db import connection

    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    store = seed()
    rows = []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    fill(store, "email", lambda n: f"owner{n % 50}@bench.test", EMAILS)
    rows.append({"case": "email, local-memory backend", **drain(EMAILS)})
    mail.outbox = []

    with tempfile.TemporaryDirectory() as folder:
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = folder
        fill(store, "email", lambda n: f"owner{n % 50}@bench.test", EMAILS)
        rows.append({"case": "email, file backend", **drain(EMAILS)})

    server, url = receiver()
    try:
        fill(store, "webhook", lambda n: f"{url}?n={n}", WEBHOOKS)
        rows.append({"case": "webhook, signed POST to 127.0.0.1", **drain(WEBHOOKS)})
    finally:
        server.shutdown()

    print_table(
        f"Notification dispatch, one worker, batches of {BATCH} ({connection.vendor}, "
        "claim + render + send + record)",
        rows,
    )
    path = write_json(
        f"notify_dispatch{'' if connection.vendor == 'sqlite' else '.' + connection.vendor}",
        {
            "benchmark": "notify_dispatch",
            "batch": BATCH,
            "database": connection.vendor,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "results": rows,
        },
    )
    print(f"\nwritten {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
