"""The Stripe fake speaks what the real SDK expects and signs what Stripe signs: driven through the
official `stripe` package, with a local receiver standing in for our webhook."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import HTTPError

import pytest
import stripe

from tests.fakes.stripe import FakeStripe
from tests.fakes.stripe.server import parse_form


class Receiver:
    """A webhook endpoint that verifies every delivery like our app does."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.events: list[dict] = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    stripe.Webhook.construct_event(body, self.headers["Stripe-Signature"], receiver.secret)
                except stripe.SignatureVerificationError:
                    receiver.refused += 1
                    self.send_response(400)
                else:
                    receiver.events.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(webhook_secret="whsec_unit", secret_key="sk_test_unit") as fake:
        fake.add_price("price_starter", unit_amount=12900)
        yield fake


@pytest.fixture
def receiver(fake: FakeStripe) -> Iterator[Receiver]:
    receiver = Receiver(fake.webhook_secret)
    fake.webhook_url = receiver.url
    yield receiver
    receiver.server.shutdown()


def sdk(fake: FakeStripe, key: str | None = None) -> stripe.StripeClient:
    return stripe.StripeClient(
        key or fake.secret_key, base_addresses={"api": fake.api_base}, max_network_retries=0
    )


def checkout(fake: FakeStripe) -> stripe.checkout.Session:
    return sdk(fake).v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": "price_starter", "quantity": 1}],
            "customer_email": "owner@example.test",
            "success_url": "http://127.0.0.1:1/done?session_id={CHECKOUT_SESSION_ID}",
            "metadata": {"kalliky_pending_signup": "7"},
            "subscription_data": {"metadata": {"kalliky_pending_signup": "7"}},
        }
    )


def test_bracket_forms_become_nested_objects():
    pairs = [
        ("line_items[0][price]", "p"),
        ("line_items[0][quantity]", "1"),
        ("metadata[a]", "b"),
        ("mode", "x"),
    ]
    assert parse_form(pairs) == {
        "line_items": [{"price": "p", "quantity": "1"}],
        "metadata": {"a": "b"},
        "mode": "x",
    }


def test_checkout_pay_page_and_signed_events(fake, receiver):
    session = checkout(fake)
    assert session.status == "open" and session.url == f"{fake.api_base}/pay/{session.id}"
    assert session.amount_total == 12900 and session.metadata["kalliky_pending_signup"] == "7"
    page = urllib.request.urlopen(session.url, timeout=5).read().decode()
    assert "<form" in page and "129.00 EUR" in page

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            return None

    with pytest.raises(HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(
            urllib.request.Request(session.url, data=b"", method="POST")
        )
    assert answer.value.code == 303
    assert answer.value.headers["Location"] == f"http://127.0.0.1:1/done?session_id={session.id}"
    assert fake.drain(timeout=5)
    assert receiver.types() == ["customer.subscription.created", "checkout.session.completed", "invoice.paid"]
    assert receiver.refused == 0
    completed = receiver.events[1]
    assert completed["object"] == "event" and completed["api_version"] == "2026-10-28.endive"
    obj = completed["data"]["object"]
    assert (
        obj["status"] == "complete"
        and obj["payment_status"] == "paid"
        and obj["subscription"].startswith("sub_")
    )
    paid = receiver.events[2]["data"]["object"]
    assert paid["parent"]["subscription_details"]["subscription"] == obj["subscription"]
    # Completing again changes nothing.
    fake.complete_checkout(session.id)
    assert len(fake.events) == 3
    retrieved = sdk(fake).v1.checkout.sessions.retrieve(session.id)
    assert retrieved.status == "complete"


def test_subscription_billing_cycle_and_plan_change(fake, receiver):
    fake.add_price("price_pro", unit_amount=32900)
    session = checkout(fake)
    fake.complete_checkout(session.id)
    sub_id = fake.checkout_sessions[session.id]["subscription"]
    client = sdk(fake)
    fake.fail_payment(sub_id)
    assert client.v1.subscriptions.retrieve(sub_id).status == "past_due"
    fake.pay_invoice(sub_id)
    assert client.v1.subscriptions.retrieve(sub_id).status == "active"
    item = client.v1.subscriptions.retrieve(sub_id)["items"]["data"][0]
    client.v1.subscriptions.update(sub_id, params={"items": [{"id": item["id"], "price": "price_pro"}]})
    client.v1.subscriptions.cancel(sub_id)
    assert fake.drain(timeout=5)
    assert receiver.types()[3:] == [
        "invoice.payment_failed",
        "customer.subscription.updated",
        "invoice.paid",
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]
    assert receiver.events[4]["data"]["previous_attributes"] == {"status": "active"}
    assert receiver.events[-1]["data"]["object"]["status"] == "canceled"
    cards = client.v1.payment_methods.list(
        params={"customer": session_customer(fake, session.id), "type": "card"}
    )
    assert cards.data[0].card.last4 == "4242"
    portal = client.v1.billing_portal.sessions.create(params={"customer": session_customer(fake, session.id)})
    assert "Billing portal" in urllib.request.urlopen(portal.url, timeout=5).read().decode()


def session_customer(fake: FakeStripe, session_id: str) -> str:
    return fake.checkout_sessions[session_id]["customer"]


def test_duplicate_hold_and_reverse_delivery(fake, receiver):
    fake.duplicate = True
    fake.hold()
    fake.complete_checkout(checkout(fake).id)
    assert receiver.events == [] and fake.drain(timeout=1)
    fake.release(order="reverse")
    assert fake.drain(timeout=5)
    assert receiver.types() == [
        "invoice.paid",
        "invoice.paid",
        "checkout.session.completed",
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.created",
    ]
    assert receiver.events[0]["id"] == receiver.events[1]["id"]


def test_failed_deliveries_are_retried(fake, receiver):
    receiver.secret = "whsec_not_the_fakes"  # every delivery refused with 400
    fake.emit("invoice.paid", {"id": "in_1", "object": "invoice"})
    assert fake.drain(timeout=5)
    assert [status for _, status in fake.deliveries] == [400, 400, 400, 400]


def test_meter_events_dedupe_on_identifier(fake):
    client = sdk(fake)
    params = {
        "event_name": "commission",
        "identifier": "order-1",
        "payload": {"stripe_customer_id": "c", "value": "5"},
    }
    event = client.v1.billing.meter_events.create(params=params)
    assert event.identifier == "order-1" and event.payload["value"] == "5"
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.billing.meter_events.create(params=params)
    assert again.value.code == "resource_already_exists"
    assert len(fake.meter_events) == 1
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.billing.meter_events.create(params={"event_name": "commission"})
    assert missing.value.code == "parameter_missing" and missing.value.param == "payload"


def test_errors_keys_and_idempotency(fake):
    with pytest.raises(stripe.AuthenticationError):
        sdk(fake, key="sk_test_wrong").v1.customers.create(params={"email": "a@b.c"})
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        sdk(fake).v1.subscriptions.retrieve("sub_nope")
    assert unknown.value.code == "resource_missing" and unknown.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as bad_price:
        sdk(fake).v1.checkout.sessions.create(
            params={"mode": "subscription", "line_items": [{"price": "price_x"}], "success_url": "http://x/"}
        )
    assert bad_price.value.param == "line_items[0][price]"
    first = sdk(fake).v1.customers.create(params={"email": "a@b.c"}, options={"idempotency_key": "k1"})
    second = sdk(fake).v1.customers.create(params={"email": "a@b.c"}, options={"idempotency_key": "k1"})
    assert first.id == second.id and len(fake.customers) == 1
