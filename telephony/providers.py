"""Telnyx, behind one small class. The only module that imports the `telnyx` SDK.

The same code talks to the real API in production and to the simulator (tests/fakes/telnyx) in
development and tests: only `TELNYX_BASE_URL` differs. Every call command carries a
`command_id`; callers pass a deterministic one so that a re-sent command (SDK retry, or the event
processed again after a crash) is ignored by Telnyx instead of acted on twice.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import telnyx
from django.conf import settings
from telnyx.lib.webhook_verification import WebhookVerificationError, verify_webhook_signature

log = logging.getLogger(__name__)

CALL_ENDED_CODE = "90018"


class TelnyxNotConfigured(RuntimeError):
    """No API key: the app cannot reach Telnyx (or the simulator)."""


class TelnyxCommandError(RuntimeError):
    """Telnyx refused or failed a command after the SDK's own retries."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in (408, 409, 429)


class CallEnded(TelnyxCommandError):
    """The call hung up before the command arrived (422, code 90018): nothing left to do."""


class InvalidWebhook(ValueError):
    """A webhook whose signature or timestamp does not check out."""


def encode_state(state: Mapping[str, Any]) -> str:
    """client_state must be base64; ours is compact JSON."""
    raw = json.dumps(dict(state), separators=(",", ":"), sort_keys=True).encode()
    return base64.b64encode(raw).decode()


def decode_state(value: str | None) -> dict[str, Any]:
    """Our client_state back, or {} for anything else (null, "", someone else's text)."""
    if not value:
        return {}
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, TypeError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def verify_webhook(body: bytes, headers: Mapping[str, str], *, public_key: str | None = None) -> None:
    """Ed25519 over `timestamp|body`, timestamp within 300 s. Raises InvalidWebhook with the reason."""
    key = public_key if public_key is not None else settings.TELNYX_PUBLIC_KEY
    if not key:
        raise InvalidWebhook("TELNYX_PUBLIC_KEY is not set: webhooks cannot be verified.")
    try:
        verify_webhook_signature(body, headers, key)
    except WebhookVerificationError as exc:
        raise InvalidWebhook(exc.message) from None
    except UnicodeDecodeError:
        raise InvalidWebhook("Body is not UTF-8.") from None


@dataclass(frozen=True)
class NumberOffer:
    phone_number: str
    monthly_cost: str
    features: tuple[str, ...]


@dataclass(frozen=True)
class Application:
    """Our Call Control application; its id is the connection_id numbers are put on."""

    id: str
    name: str

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Application:
        return cls(id=str(data.get("id") or ""), name=str(data.get("application_name") or ""))


@dataclass(frozen=True)
class NumberOrder:
    id: str  # "" when Telnyx answered without one
    status: str  # "pending", "success" or "failure"
    phone_numbers: tuple[str, ...]  # what the order's lines hold (not the numbers' own ids)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> NumberOrder:
        lines = [e for e in data.get("phone_numbers") or [] if isinstance(e, Mapping)]
        return cls(
            id=str(data.get("id") or ""),
            status=str(data.get("status") or ""),
            phone_numbers=tuple(str(e.get("phone_number") or "") for e in lines),
        )


@dataclass(frozen=True)
class OwnedNumber:
    id: str
    phone_number: str
    connection_id: str | None  # None: Telnyx did not say

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> OwnedNumber:
        connection = data.get("connection_id")
        return cls(
            id=str(data.get("id") or ""),
            phone_number=str(data.get("phone_number") or ""),
            connection_id=None if connection is None else str(connection),
        )


class TelnyxProvider:
    """Call control, numbers and SMS over the official SDK (synchronous client)."""

    def __init__(self, *, api_key: str, base_url: str, max_retries: int, timeout: float) -> None:
        if not api_key:
            raise TelnyxNotConfigured(
                "TELNYX_API_KEY is empty: set it (or run `make run`, which starts the Telnyx simulator)."
            )
        self.client = telnyx.Telnyx(
            api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout
        )

    # --- call control ---------------------------------------------------------------------
    def command(self, call_control_id: str, action: str, *, command_id: str, **params: Any) -> None:
        """Send one call command (`answer`, `speak`, `start_transcription`, …).

        The SDK retries 408/409/429/5xx with the same body, hence the same command_id."""
        method = getattr(self.client.calls.actions, action)
        clean = {k: v for k, v in params.items() if v is not None}
        with _telnyx_call(action):
            method(call_control_id, command_id=command_id, **clean)

    # --- numbers ----------------------------------------------------------------------------
    # Every number method raises TelnyxCommandError (after the SDK's own retries), like the call
    # commands, so callers never import the SDK to catch its errors; each returns a typed value.
    def find_application(self, name: str) -> Application | None:
        with _telnyx_call("application lookup"):
            by_name = {"application_name": {"contains": name}}
            for app in self.client.call_control_applications.list(filter=by_name):
                if getattr(app, "application_name", "") == name:
                    return Application.from_data(app.to_dict())
        return None

    def create_application(self, *, name: str, webhook_url: str, failover_url: str = "") -> Application:
        with _telnyx_call("application create"):
            created = self.client.call_control_applications.create(
                application_name=name,
                webhook_event_url=webhook_url,
                webhook_event_failover_url=failover_url or None,
                webhook_api_version="2",
            )
        return Application.from_data(created.data.to_dict() if created.data else {})

    def search_numbers(
        self,
        country_code: str,
        *,
        features: tuple[str, ...] = ("voice", "sms"),
        limit: int = 5,
        locality: str = "",
    ) -> list[NumberOffer]:
        query: dict[str, Any] = {"country_code": country_code, "features": list(features), "limit": limit}
        if locality:
            query["locality"] = locality
        with _telnyx_call("number search"):
            page = self.client.available_phone_numbers.list(filter=query)
        offers = []
        for item in page.data or []:
            cost = getattr(item, "cost_information", None)
            offers.append(
                NumberOffer(
                    phone_number=item.phone_number or "",
                    monthly_cost=str(getattr(cost, "monthly_cost", "") or ""),
                    features=tuple(_feature_name(f) for f in (item.features or [])),
                )
            )
        return offers

    def order_number(self, phone_number: str, *, connection_id: str) -> NumberOrder:
        with _telnyx_call("number order"):
            created = self.client.number_orders.create(
                phone_numbers=[{"phone_number": phone_number}], connection_id=connection_id
            )
        return NumberOrder.from_data(created.data.to_dict(mode="json") if created.data else {})

    def get_order(self, order_id: str) -> NumberOrder:
        with _telnyx_call("order status"):
            got = self.client.number_orders.retrieve(order_id)
        return NumberOrder.from_data(got.data.to_dict(mode="json") if got.data else {})

    def find_number(self, phone_number: str) -> OwnedNumber | None:
        """The owned number by E.164. An order's phone_numbers[].id names the order line, not
        the number: the number's own id (for GET/PATCH/DELETE) is found here."""
        with _telnyx_call("number lookup"):
            for item in self.client.phone_numbers.list(filter={"phone_number": phone_number}):
                if getattr(item, "phone_number", "") == phone_number:
                    return OwnedNumber.from_data(item.to_dict(mode="json"))
        return None

    def get_number(self, number_id: str) -> OwnedNumber:
        with _telnyx_call("number read"):
            got = self.client.phone_numbers.retrieve(number_id)
        return OwnedNumber.from_data(got.data.to_dict(mode="json") if got.data else {})

    def assign_number(self, number_id: str, *, connection_id: str) -> OwnedNumber:
        """Put the number on a connection; connection_id "" takes it off (the SDK types it str)."""
        with _telnyx_call("number update"):
            got = self.client.phone_numbers.update(number_id, connection_id=connection_id)
        return OwnedNumber.from_data(got.data.to_dict(mode="json") if got.data else {})

    def release_number(self, number_id: str) -> None:
        with _telnyx_call("number release"):
            try:
                self.client.phone_numbers.delete(number_id)
            except telnyx.NotFoundError:
                return  # already released: releasing is idempotent

    # --- messaging --------------------------------------------------------------------------
    def send_sms(self, *, from_: str, to: str, text: str) -> str:
        sent = self.client.messages.send(from_=from_, to=to, text=text)
        return getattr(sent.data, "id", "") or ""

    # --- recordings -------------------------------------------------------------------------
    def download(self, url: str) -> bytes:
        """Recording URLs are pre-signed (no bearer); fetched with the SDK's HTTP client."""
        response = self.client._client.get(url, timeout=30.0)  # noqa: SLF001 - the SDK's own pool
        response.raise_for_status()
        return response.content


def _feature_name(feature: object) -> str:
    # Features come as {"name": …} objects; tolerate bare strings too.
    return feature if isinstance(feature, str) else str(getattr(feature, "name", "") or "")


@contextmanager
def _telnyx_call(action: str) -> Iterator[None]:
    try:
        yield
    except telnyx.APIStatusError as exc:
        code, detail = _first_error(exc.body)
        if exc.status_code == 422 and code == CALL_ENDED_CODE:
            raise CallEnded(detail or "Call has already ended", status=422, code=code) from None
        raise TelnyxCommandError(
            f"Telnyx {action} failed ({exc.status_code} {code}): {detail or exc.message}",
            status=exc.status_code,
            code=code,
        ) from None
    except telnyx.APIConnectionError as exc:
        raise TelnyxCommandError(f"Telnyx {action} unreachable: {exc}") from None


def _first_error(body: object) -> tuple[str, str]:
    if isinstance(body, dict):
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("code", "")), str(first.get("detail") or first.get("title") or "")
    return "", ""


@cache
def _provider(api_key: str, base_url: str, max_retries: int, timeout: float) -> TelnyxProvider:
    return TelnyxProvider(api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout)


def get_provider() -> TelnyxProvider:
    """One provider per configuration (tests switch the settings between simulators)."""
    return _provider(
        settings.TELNYX_API_KEY,
        settings.TELNYX_BASE_URL,
        settings.TELNYX_MAX_RETRIES,
        settings.TELNYX_TIMEOUT,
    )
