# ruff: noqa: F811 - fixtures imported from the telephony and ai suites are used by name
"""Stripe's events through `POST /api/stripe/webhook`: verified on the raw body, stored once,
processed into the subscription's status and the store's phone numbers — down to what a caller
hears on the line (the Telnyx simulator)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from billing.models import StripeEvent, Subscription
from kalliky.inbox import EventStatus
from stores.models import Store
from telephony.models import Call, PhoneNumber
from tests.telephony.conftest import PIZZERIA_NUMBER, demo, line, settle, telnyx  # noqa: F401 - fixtures

SECRET = "whsec_test_lifecycle"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stripe"
CALLER = "+33611999888"
_serial = iter(range(1, 10**6))


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> str:
    at = at or int(time.time())
    v1 = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={v1}"


def event(kind: str, obj: dict, *, created: int | None = None) -> dict:
    return {
        "id": f"evt_test_{next(_serial)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or int(time.time()),
        "type": kind,
        "livemode": False,
        "data": {"object": obj},
    }


def invoice(kind: str, sub_id: str, **extra: object) -> dict:
    obj = {
        "id": f"in_{next(_serial)}",
        "object": "invoice",
        "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub_id}},
        "attempt_count": 1,
        **extra,
    }
    return event(kind, obj, created=extra.pop("created", None) if "created" in extra else None)  # type: ignore[arg-type]


def post(client: Client, payload: dict | bytes, signature: str | None = None):  # noqa: ANN201
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/api/stripe/webhook",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature if signature is not None else signed(body),
    )


@pytest.fixture(autouse=True)
def _secret(settings) -> None:
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def test_a_forged_or_stale_signature_is_refused_and_nothing_is_stored(db, client):
    body = json.dumps(invoice("invoice.paid", "sub_x")).encode()
    forged = post(client, body, signed(body, secret="whsec_someone_else"))
    assert forged.status_code == 400 and "Stripe-Signature" in forged.json()["detail"]
    stale = post(client, body, signed(body, at=int(time.time()) - 3600))
    assert stale.status_code == 400
    tampered = post(client, body.replace(b"sub_x", b"sub_y"), signed(body))
    assert tampered.status_code == 400
    assert post(client, b"not json", signed(b"not json")).status_code == 400
    assert not StripeEvent.objects.exists()


def test_every_published_payload_is_accepted(db, client, django_capture_on_commit_callbacks):
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text())
        if "type" not in data:  # data-only sample: wrap it in an envelope
            kind = path.name.removesuffix(".json").rstrip(".0123456789")
            data = event(kind, data.get("object", data))
        data["id"] = f"{data.get('id', 'evt')}_{path.stem}"
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, data)
        assert response.status_code == 200, (path.name, response.content)
    assert StripeEvent.objects.count() == len(list(FIXTURES.glob("*.json")))
    # None is ours: each is ignored or waits for its subscription — none crashed the handler.
    for stored in StripeEvent.objects.all():
        assert stored.status in (EventStatus.IGNORED, EventStatus.RETRYING, EventStatus.PROCESSED), (
            stored.event_type,
            stored.last_error,
        )
        assert "Error:" not in stored.last_error or "LookupError" in stored.last_error, stored.last_error


def test_the_published_signed_delivery_verifies_with_its_secret(db, client, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_750e601a79a762e75cf1ec30b41b2e6f88daafcc644b3a9f29e735b4453ebb9a"
    import stripe

    body = (FIXTURES / "invoice.payment_succeeded.json").read_bytes()
    header = (
        "t=1746757390,v1=bc889a3926c751e3ea753efc027f6adbb11d224b57ebae9e86c0da62461e9f35,"
        "v0=537d1b7f8ebf0452111cafdcd6ee4cf80eb1b1ba62bc2ded7569289edfa0a2b0"
    )
    # Its timestamp is from 2025: verify with an unlimited tolerance, as the door's 300 s would refuse it.
    stripe.WebhookSignature.verify_header(
        body.decode(), header, settings.STRIPE_WEBHOOK_SECRET, tolerance=None
    )
    assert post(client, body, header).status_code == 400  # too old for the door


def test_a_duplicate_event_is_acknowledged_and_applied_once(
    db, client, pizzeria, django_capture_on_commit_callbacks
):
    Subscription.objects.create(
        store=pizzeria, business=pizzeria.business, status="active", stripe_subscription_id="sub_dup"
    )
    failed = invoice("invoice.payment_failed", "sub_dup")
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, failed)
        again = post(client, failed)
    assert first.json()["duplicate"] == "false" and again.json()["duplicate"] == "true"
    assert StripeEvent.objects.get().status == EventStatus.PROCESSED
    assert Subscription.objects.get().status == "past_due"
    assert (
        len(mail.outbox) == 1 and mail.outbox[0].subject == "Échec du paiement pour Pizzeria Alice"
    )  # the store speaks French


def test_an_event_for_a_subscription_not_yet_known_is_retried_later(
    db, client, pizzeria, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, invoice("invoice.paid", "sub_later"))
    stored = StripeEvent.objects.get()
    assert stored.status == EventStatus.RETRYING and "not known yet" in stored.last_error


@pytest.mark.django_db(transaction=True)
def test_unpaid_the_line_says_unavailable_paid_the_assistant_answers(line, demo, settings):
    pizzeria = Store.objects.get(slug="pizzeria-bella-napoli")
    Subscription.objects.filter(store=pizzeria).update(status="active", stripe_subscription_id="sub_pizzeria")
    client = Client()
    number = PhoneNumber.objects.get(number=PIZZERIA_NUMBER)
    assert number.status == PhoneNumber.Status.ACTIVE

    assert post(client, invoice("invoice.payment_failed", "sub_pizzeria")).status_code == 200
    assert Subscription.objects.get(store=pizzeria).status == "past_due"
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.SUSPENDED
    assert any(m.subject.startswith("Échec du paiement") for m in mail.outbox)
    refused = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    refused.wait_for(lambda c: c.state == "hangup", timeout=10)
    assert "indisponible" in refused.spoken[0]
    settle(line)

    assert post(client, invoice("invoice.paid", "sub_pizzeria")).status_code == 200
    assert Subscription.objects.get(store=pizzeria).status == "active"
    number.refresh_from_db()
    assert number.status == PhoneNumber.Status.ACTIVE, number.error
    answered = line.place_call(from_=CALLER, to=PIZZERIA_NUMBER)
    answered.wait_for_speech(1, timeout=10)
    settle(line)
    assert Call.objects.get(call_control_id=answered.call_control_id).status == Call.Status.ANSWERED
