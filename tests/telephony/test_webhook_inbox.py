"""The webhook door: signature and timestamp first, then one stored event per Telnyx id."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from kalliky.inbox import EventStatus
from telephony.models import TelnyxEvent
from tests.telephony.signing import PUBLIC_KEY, envelope, signed

URL = "/api/telnyx/webhook"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telnyx" / "webhooks"


@pytest.fixture(autouse=True)
def telnyx_key(settings):
    settings.TELNYX_PUBLIC_KEY = PUBLIC_KEY


def post(client, body: bytes, headers: dict[str, str]):
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_a_signed_event_is_stored_once_and_a_repeat_is_acknowledged(client):
    body = envelope("call.playback.ended", {"call_control_id": "v3:abc"}, event_id="evt-1")
    first = post(client, body, signed(body))
    second = post(client, body, signed(body))
    assert first.status_code == 200 and first.json() == {"status": "accepted"}
    assert second.status_code == 200 and second.json() == {"status": "duplicate"}
    event = TelnyxEvent.objects.get()
    assert event.event_id == "evt-1" and event.call_control_id == "v3:abc"
    assert event.status == EventStatus.PROCESSED and event.attempts == 1


@pytest.mark.django_db
def test_a_forged_signature_is_refused_and_nothing_is_stored(client):
    body = envelope("call.initiated", {"call_control_id": "v3:x", "to": "+33100000001"})
    forged = signed(body, key=SigningKey(b"z" * 32))
    response = post(client, body, forged)
    assert response.status_code == 401
    assert "Signature verification failed" in response.json()["detail"]
    assert not TelnyxEvent.objects.exists()


@pytest.mark.django_db
def test_a_body_changed_after_signing_is_refused(client):
    body = envelope("call.initiated", {"call_control_id": "v3:x"})
    headers = signed(body)
    response = post(client, body.replace(b"v3:x", b"v3:y"), headers)
    assert response.status_code == 401
    assert not TelnyxEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("skew", [-301, 400])
def test_a_stale_or_future_timestamp_is_refused(client, skew):
    body = envelope("call.initiated", {"call_control_id": "v3:x"})
    response = post(client, body, signed(body, timestamp=int(time.time()) + skew))
    assert response.status_code == 401
    assert "timestamp" in response.json()["detail"]
    assert not TelnyxEvent.objects.exists()


@pytest.mark.django_db
def test_missing_headers_are_refused_with_the_header_named(client):
    body = envelope("call.initiated", {})
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 401
    assert "telnyx-signature-ed25519" in response.json()["detail"]


@pytest.mark.django_db
def test_without_a_public_key_nothing_is_accepted(client, settings):
    settings.TELNYX_PUBLIC_KEY = ""
    body = envelope("call.initiated", {})
    response = post(client, body, signed(body))
    assert response.status_code == 401
    assert "TELNYX_PUBLIC_KEY" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"data": {"event_type": "call.initiated"}}', b'{"data": "x"}'],
)
def test_a_signed_body_that_is_not_an_event_is_a_400_and_stores_nothing(client, body):
    response = post(client, body, signed(body))
    assert response.status_code == 400
    assert response.json()["code"] in ("malformed_json", "not_an_event")
    assert not TelnyxEvent.objects.exists()


@pytest.mark.django_db
def test_an_unknown_event_type_is_recorded_as_ignored(client):
    body = envelope("call.something.new", {"call_control_id": "v3:x", "extra": {"nested": [1]}})
    response = post(client, body, signed(body))
    assert response.status_code == 200
    event = TelnyxEvent.objects.get()
    assert event.status == EventStatus.IGNORED
    assert "Unknown event type" in event.last_error


@pytest.mark.django_db
def test_a_call_to_an_unknown_number_is_recorded_and_refused(client):
    body = envelope(
        "call.initiated",
        {"call_control_id": "v3:u", "direction": "incoming", "from": "+33611111111", "to": "+33199999999"},
    )
    response = post(client, body, signed(body))
    assert response.status_code == 200
    event = TelnyxEvent.objects.get()
    assert event.status == EventStatus.IGNORED
    assert "+33199999999" in event.last_error
    assert [c["action"] for c in event.commands] == ["reject"]


def _published_samples() -> list[Path]:
    samples = sorted(FIXTURES.glob("*.json"))
    assert samples, f"no published Telnyx samples under {FIXTURES}"
    return samples


@pytest.mark.django_db
@pytest.mark.parametrize("path", _published_samples(), ids=lambda p: p.name)
def test_every_published_sample_is_accepted_without_error(client, path):
    sample = json.loads(path.read_text())
    wrapped = sample if "data" in sample else {"data": sample}
    body = json.dumps(wrapped).encode()
    response = post(client, body, signed(body))
    assert response.status_code == 200, response.content
    event = TelnyxEvent.objects.get()
    assert event.event_type == wrapped["data"]["event_type"]
    assert event.status in (EventStatus.PROCESSED, EventStatus.IGNORED), event.last_error
