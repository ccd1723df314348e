"""`POST /api/telnyx/webhook`: verify, store once, acknowledge, react off the request path.

1. The Ed25519 signature over `timestamp|raw body` and the timestamp (±300 s) are checked
   before anything is parsed: a failure is a 401 with the reason, and nothing is stored.
2. The event is inserted once, keyed by `data.id`; a repeat is acknowledged and not processed.
3. The answer goes back at once; the reaction runs in the call's lane of the reaction pool
   (telephony.call_lanes), then the inbox's retry schedule if it fails.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from ninja import Router

from kalliky import inbox
from telephony import call_lanes, callcontrol
from telephony.models import TelnyxEvent
from telephony.providers import InvalidWebhook, verify_webhook

log = logging.getLogger(__name__)

# In "reactor" mode the door's INSERT notifies the call event worker on this channel.
CHANNEL = "telnyx_events"
router = Router(tags=["telephony"])

REJECTED_COUNTER = "telnyx:webhooks:rejected:{reason}"


def _count_rejection(reason: str) -> None:
    key = REJECTED_COUNTER.format(reason=reason)
    if not cache.add(key, 1, None):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, None)


def _reject(status: int, code: str, detail: str) -> tuple[int, dict[str, str]]:
    _count_rejection(code)
    log.warning("Telnyx webhook rejected (%s): %s", code, detail)
    return status, {"detail": detail, "code": code}


class Rejected(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail

    def answer(self) -> tuple[int, dict[str, str]]:
        return _reject(self.status, self.code, self.detail)


@dataclass(frozen=True)
class Incoming:
    """A verified, parsed event: what the inbox stores and the lane it is reacted to in."""

    event_id: str
    event_type: str
    data: dict[str, Any]
    lane: str

    def fields(self) -> dict[str, Any]:
        payload = self.data.get("payload") if isinstance(self.data.get("payload"), dict) else {}
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "payload": self.data,
            "occurred_at": _occurred_at(self.data.get("occurred_at")),
            "call_control_id": str(payload.get("call_control_id") or "")[:255],
        }


def parse(body: bytes, headers: Mapping[str, str]) -> Incoming:
    """Verify the signature and timestamp, then read the envelope. Raises Rejected; touches
    neither the database nor the cache, so the async door can call it in its event loop."""
    try:
        verify_webhook(body, headers)
    except InvalidWebhook as exc:
        raise Rejected(401, "invalid_signature", f"Webhook rejected: {exc}") from None
    try:
        envelope = json.loads(body)
    except ValueError:
        raise Rejected(400, "malformed_json", "The body is not JSON.") from None
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, dict) or not data.get("id") or not data.get("event_type"):
        raise Rejected(400, "not_an_event", "Not a Telnyx event: data.id and data.event_type are required.")
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    return Incoming(
        event_id=str(data["id"])[:255],
        event_type=str(data["event_type"])[:100],
        data=data,
        lane=callcontrol.lane_of(payload),
    )


def answer(created: bool) -> tuple[int, dict[str, str]]:
    return 200, {"status": "accepted" if created else "duplicate"}


def receive(body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, str]]:
    """The whole door, framework-free: (HTTP status, JSON body). Used by the API route and by
    the ASGI fast path (telephony.asgi), which skips Django's request machinery for this URL."""
    try:
        incoming = parse(body, headers)
    except Rejected as rejected:
        return rejected.answer()
    return answer(save_and_queue(incoming))


def save_and_queue(incoming: Incoming) -> bool:
    """Save the event once and queue it in the call's lane (in this process, or through the
    call event worker in "reactor" mode). False for a repeat."""
    event_pk = inbox.insert_once(TelnyxEvent, notify=notify_channel(), **incoming.fields())
    if event_pk is not None:
        queue_in_lane(event_pk, incoming.lane)
    return event_pk is not None


def notify_channel() -> str:
    return CHANNEL if settings.TELNYX_REACTIONS == "reactor" else ""


def queue_in_lane(event_pk: int, lane: str) -> None:
    """After the event is committed: queue it in this process's lanes, unless the call event
    worker runs it (it was told at commit, telephony.call_event_worker)."""
    if settings.TELNYX_REACTIONS != "reactor":
        # process() locks and reads the row itself: the id is all the lane needs.
        call_lanes.submit(lane, lambda: process_event(TelnyxEvent(pk=event_pk)))


@router.post(
    "/webhook",
    auth=None,
    summary="Telnyx call-control webhook",
    description="Signed by Telnyx (Ed25519). 200 once stored (a repeat of an event id is acknowledged "
    "and not processed again); 401 on a bad signature or timestamp; 400 on a body that is not an event.",
)
def telnyx_webhook(request: HttpRequest) -> JsonResponse:
    status, body = receive(request.body, request.headers)
    return JsonResponse(body, status=status)


def queue_own_event(*, event_id: str, event_type: str, data: dict[str, Any], lane: str) -> bool:
    """Save and queue an event we made ourselves (a timer, a refused transfer, the media stream
    handing the call back) as if Telnyx had sent it."""
    own = Incoming(event_id=event_id[:255], event_type=event_type[:100], data=data, lane=lane)
    return save_and_queue(own)


def _occurred_at(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def process_event(event: TelnyxEvent) -> inbox.EventStatus:
    return inbox.process(event, callcontrol.handle)
