"""Notifications fixtures: the pizzeria with an active number, a real local webhook receiver
that checks our signature, and the Telnyx simulator for texts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from notifications.channels.webhook import SIGNATURE_HEADER, verify
from notifications.models import NotificationQueueItem
from stores.models import Store
from telephony.models import PhoneNumber
from tests.telephony.conftest import telnyx  # noqa: F401 - the simulator fixture, shared

PIZZERIA_NUMBER = "+33100000001"


@pytest.fixture(autouse=True)
def in_english(request) -> None:
    """API answers in English here (the French ones have their own test)."""
    for name in ("alice_client", "bob_client", "carol_client"):
        if name in request.fixturenames:
            request.getfixturevalue(name).defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def line(pizzeria: Store) -> PhoneNumber:
    """The pizzeria's active number: texts to callers are sent from it."""
    return PhoneNumber.objects.create(
        business=pizzeria.business, store=pizzeria, number=PIZZERIA_NUMBER, status=PhoneNumber.Status.ACTIVE
    )


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    signed: bool
    answered: int

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A business's webhook endpoint on 127.0.0.1: records what arrives and whether our
    signature checks out with the store's secret; answers `status`; can be taken down."""

    secret: str = ""
    status: int = 200
    deliveries: list[Delivery] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kalliky"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                signed = verify(receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body)
                answer = receiver.status if signed else 401
                with receiver._lock:
                    receiver.deliveries.append(Delivery(dict(self.headers), body, signed, answer))
                self.send_response(answer)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def accepted(self) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.answered == 200]


@pytest.fixture
def receiver(pizzeria: Store) -> Iterator[Receiver]:
    receiver = Receiver(secret=pizzeria.notification_settings.webhook_secret)
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit dispatch as a real commit would (tests run in a transaction)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def statuses() -> list[str]:
    return list(NotificationQueueItem.objects.order_by("pk").values_list("status", flat=True))


def api(client: Client, method: str, url: str, body: Any = None) -> Any:
    payload = json.dumps(body) if body is not None else ""
    return client.generic(method, url, payload, content_type="application/json")
