"""Webhooks: the event as JSON, POSTed to the business's URL and signed with the store's secret.

    Kalliky-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{raw body}")>
    Kalliky-Event: new_order            Kalliky-Delivery: <queue item id, the same on retries>

A receiver recomputes v1 over the raw body, compares in constant time and refuses an old t.
Anything but a 2xx answer within the timeout is a failure, retried with backoff; redirects are
not followed (the signed body must reach the address the owner gave, or fail visibly)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from notifications import selectors
from notifications.channels import ChannelError, NotificationChannel
from notifications.models import NotificationQueueItem

SIGNATURE_HEADER = "Kalliky-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (used by our tests; the README shows the same in a few lines)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def body_of(item: NotificationQueueItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "type": item.action_type,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "store": {"id": item.store_id, "name": item.payload.get("vars", {}).get("store_name", "")},
        "language": item.payload.get("language", ""),
        "data": item.payload.get("data", {}),
        "values": item.payload.get("vars", {}),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)


class WebhookChannel(NotificationChannel):
    def send(self, item: NotificationQueueItem) -> None:
        secret = selectors.webhook_secret(item.store_id)
        if not secret:
            raise ChannelError("The store has no webhook secret.", permanent=True)
        if not settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE:
            _refuse_private(item.recipient)
        body = json.dumps(body_of(item), separators=(",", ":"), sort_keys=True, default=str).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked (http/https) on save
            item.recipient,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Kalliky-Webhooks/1.0",
                SIGNATURE_HEADER: sign(secret, int(time.time()), body),
                "Kalliky-Event": item.action_type,
                "Kalliky-Delivery": str(item.pk),
            },
        )
        try:
            with _OPENER.open(request, timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise ChannelError(f"The webhook answered HTTP {exc.code}.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ChannelError(f"The webhook could not be reached: {reason}.") from None
        if not 200 <= status < 300:
            raise ChannelError(f"The webhook answered HTTP {status}.")


def _refuse_private(url: str) -> None:
    """Production: never POST to our own network (the address is resolved, not just read)."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ChannelError(f"The webhook host cannot be resolved: {exc}.") from None
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_global:
            raise ChannelError("The webhook address resolves to a private network.", permanent=True)
