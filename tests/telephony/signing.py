"""Sign webhooks the way Telnyx does (Ed25519 over `timestamp|body`) for the inbox tests."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from nacl.signing import SigningKey

KEY = SigningKey(b"k" * 32)
PUBLIC_KEY = base64.b64encode(bytes(KEY.verify_key)).decode()


def signed(body: bytes, *, timestamp: int | None = None, key: SigningKey = KEY) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(ts.encode() + b"|" + body).signature
    return {
        "HTTP_TELNYX_SIGNATURE_ED25519": base64.b64encode(signature).decode(),
        "HTTP_TELNYX_TIMESTAMP": ts,
    }


def envelope(event_type: str, payload: dict[str, Any], *, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "data": {
                "record_type": "event",
                "event_type": event_type,
                "id": event_id or str(uuid.uuid4()),
                "occurred_at": "2026-11-25T10:00:00.000000Z",
                "payload": payload,
            },
            "meta": {"attempt": 1, "delivered_to": "http://testserver/api/telnyx/webhook"},
        }
    ).encode()
