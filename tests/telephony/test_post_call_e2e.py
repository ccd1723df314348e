"""After the call, end to end, with a real Celery worker (a `celery worker --beat` subprocess on
the test database): the Telnyx simulator places the call, the app takes the order, the caller
hangs up, the recording is downloaded, the call is analysed, and the notifications go out — the
owner's email to the outbox, the caller's SMS to the simulator, the webhook to a local receiver
that checks the signature. Nothing here runs eagerly."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import Client

from notifications.channels.webhook import SIGNATURE_HEADER, verify
from notifications.models import NotificationQueueItem
from stores.models import Customer, CustomerExchange, Order, PreparationTicket
from telephony.models import Call
from telephony.selectors import call_id_of, exchanges_of_call
from tests.celery_worker import celery_worker, worker_log
from tests.telephony.conftest import PIZZERIA_NUMBER, settle, wait_until
from tests.telephony.test_calls_e2e import ORDER_TURNS, converse

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = "+33699887766"


class Receiver:
    """The business's webhook endpoint: verifies each delivery's signature, records it."""

    def __init__(self, secret: str, port: int = 0) -> None:
        self.secret = secret
        self.deliveries: list[dict] = []
        self.rejected = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if verify(receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body):
                    receiver.deliveries.append(json.loads(body))
                    self.send_response(204)
                else:
                    receiver.rejected += 1
                    self.send_response(401)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/kalliky"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def owner(demo) -> Client:
    client = Client()
    client.force_login(demo["pizzeria-bella-napoli"].business.owner)
    return client


@pytest.fixture
def worker(line, tmp_path, settings):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        "TELNYX_API_KEY": line.api_key,
        "TELNYX_BASE_URL": line.base_url,
        "TELNYX_PUBLIC_KEY": line.public_key,
        "EMAIL_URL": f"filemail://{outbox}" if not str(outbox).startswith("/") else f"filemail:///{outbox}",
        "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE": "true",
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
        "NOTIFICATIONS_RETRY_MAX_SECONDS": "2",
        "NOTIFICATIONS_MAX_ATTEMPTS": "3",
        "STT_PROVIDER": "local",
    }
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    with celery_worker(tmp_path, env) as process:
        process.outbox = outbox
        yield process


def texts_to(line, phone: str) -> list[dict]:
    return [m for m in line.messages if m["to"][0]["phone_number"] == phone]


def emails(outbox: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(outbox.glob("*.log")))


def add_webhook(owner: Client, store_id: int, url: str, *actions: str) -> str:
    for action in actions:
        response = owner.post(
            "/api/app/notifications/configs",
            {"store_id": store_id, "action_type": action, "channel": "webhook", "recipients": [url]},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    settings = owner.get(f"/api/app/notifications/stores/{store_id}/settings").json()
    return settings["webhook_secret"]


def analysed(call_id: int | None = None) -> Call | None:
    calls = Call.objects.filter(analysis_status=Call.AnalysisStatus.DONE)
    return calls.filter(pk=call_id).first() if call_id else calls.first()


def footprint() -> dict:
    return {
        "orders": list(Order.objects.values_list("pk", "total")),
        "tickets": PreparationTicket.objects.count(),
        "complaints": CustomerExchange.objects.filter(type="complaint").count(),
        "queue": sorted(NotificationQueueItem.objects.values_list("dedupe_key", flat=True)),
        "customers": list(Customer.objects.values_list("phone", "total_spent", "order_count")),
    }


def test_an_order_call_ends_in_the_kitchen_the_owners_inbox_the_callers_phone_and_the_webhook(
    line, demo, worker, owner, tmp_path
):
    pizzeria = demo["pizzeria-bella-napoli"]
    receiver = Receiver("")
    receiver.secret = add_webhook(owner, pizzeria.pk, receiver.url, "new_order")
    try:
        call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
        converse(call, ORDER_TURNS)
        call.hang_up()
        settle(line)
        row = wait_until(analysed, timeout=60, what="the analysis (worker log in tmp)")
        assert row.recording_file, worker_log(tmp_path)

        # One order (the one the assistant confirmed), its kitchen ticket, the customer's totals.
        order = Order.objects.get()
        assert call_id_of(order) == row.pk and order.total == Decimal("30.00")
        assert PreparationTicket.objects.filter(order=order).count() == 1
        customer = Customer.objects.get(phone=CALLER)
        assert customer.order_count == 1 and customer.total_spent == Decimal("30.00")
        assert customer.behavior.favorite_products[0] == "Margherita"
        assert row.sentiment and row.ai_summary.startswith("Commande n°")

        # The notifications, each where it belongs.
        wait_until(lambda: receiver.deliveries, timeout=30, what="the webhook delivery")
        [delivery] = receiver.deliveries
        assert receiver.rejected == 0
        assert delivery["type"] == "new_order"
        wait_until(lambda: "Margherita" in emails(worker.outbox), timeout=30, what="the owner's email")
        assert pizzeria.business.owner.email in emails(worker.outbox)
        sms = wait_until(lambda: texts_to(line, CALLER), timeout=30, what="the caller's SMS")
        assert len(sms) == 1 and "30" in sms[0]["text"]
        assert sms[0]["from"]["phone_number"] == PIZZERIA_NUMBER
        wait_until(
            lambda: (
                not NotificationQueueItem.objects.exclude(status="sent")
                .filter(action_type="new_order")
                .exists()
            ),
            timeout=30,
            what="every order notification sent",
        )

        # Re-running the analysis changes nothing and sends nothing again.
        before = footprint()
        assert owner.post(f"/api/ai/process-call/{row.pk}").status_code == 202
        wait_until(lambda: analysed(row.pk), timeout=60, what="the re-run")
        time.sleep(1.0)  # room for a (wrong) second delivery to arrive
        assert footprint() == before
        assert len(receiver.deliveries) == 1
        assert len(texts_to(line, CALLER)) == 1
    finally:
        receiver.close()


def test_a_webhook_receiver_down_is_retried_then_dead_then_replayed_once(line, demo, worker, owner, tmp_path):
    pizzeria = demo["pizzeria-bella-napoli"]
    down = Receiver("")
    port, url = down.port, down.url
    down.close()  # nothing listens there: connection refused
    secret = add_webhook(owner, pizzeria.pk, url, "complaint")

    call = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    converse(
        call,
        [
            "Je veux faire une réclamation, ma pizza est arrivée froide "
            "avec une heure de retard, c'est inadmissible"
        ],
    )
    call.hang_up()
    settle(line)
    row = wait_until(analysed, timeout=60, what="the analysis")

    # A complaint with its severity, and the complaint alert to the owner.
    complaint = exchanges_of_call(row).get(type="complaint")
    assert complaint.severity in ("high", "emergency") and complaint.follow_up_required
    wait_until(lambda: "froide" in emails(worker.outbox), timeout=30, what="the complaint alert")

    item = wait_until(
        lambda: NotificationQueueItem.objects.filter(channel="webhook", status="dead").first(),
        timeout=90,
        what="the webhook dead-lettered after its retries",
    )
    assert item.attempts == 3 and item.last_error

    receiver = Receiver(secret, port=port)
    try:
        response = owner.post(f"/api/app/notifications/queue/{item.pk}/retry")
        assert response.status_code == 200, response.content
        wait_until(lambda: receiver.deliveries, timeout=60, what="the replayed delivery")
        time.sleep(1.0)
        assert len(receiver.deliveries) == 1 and receiver.deliveries[0]["type"] == "complaint"
        item.refresh_from_db()
        assert item.status == "sent"
    finally:
        receiver.close()
