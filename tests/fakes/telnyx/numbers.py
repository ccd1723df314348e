"""The account side of the Telnyx fake: number search and orders, owned numbers, Call Control applications
and outbound messages. Plain state plus response builders; the server calls these under its lock.

Number inventory is deterministic: the same 40 numbers per country on every run (FR +33 1 84 88 …,
US +1 212 555 …, GB +44 20 7946 0…, DE +49 30 90182 …, ES +34 910 …), minus the ones already ordered.
"""

from __future__ import annotations

import math
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.telnyx import errors
from tests.fakes.telnyx.errors import Refused


@dataclass(frozen=True)
class Country:
    iso: str
    calling_code: str
    prefix: str  # the E.164 prefix of every inventory number, country code included
    width: int  # digits appended to the prefix
    locality: str
    region: str


COUNTRIES: dict[str, Country] = {
    c.iso: c
    for c in (
        Country("FR", "33", "+3318488", 4, "Paris", "Ile-de-France"),
        Country("US", "1", "+1212555", 4, "New York", "NY"),
        Country("GB", "44", "+4420794600", 2, "London", "Greater London"),
        Country("DE", "49", "+49309018", 4, "Berlin", "Berlin"),
        Country("ES", "34", "+34910", 6, "Madrid", "Madrid"),
    )
}
INVENTORY_SIZE = 40
DEFAULT_SEARCH_LIMIT = 10  # unverified: callers should always send filter[limit]
DEFAULT_PAGE_SIZE = 20
FEATURES = ("voice", "sms")
COST = {"monthly_cost": "1.00", "upfront_cost": "1.00", "currency": "USD"}


def inventory(country: Country) -> list[str]:
    return [f"{country.prefix}{n:0{country.width}d}" for n in range(1, INVENTORY_SIZE + 1)]


def country_of(phone_number: str) -> Country | None:
    for country in COUNTRIES.values():
        if phone_number.startswith(country.prefix):
            return country
    return None


def numeric_id() -> str:
    """A 19-digit id, the shape Telnyx uses for numbers and connections."""
    return str(10**18 + secrets.randbelow(9 * 10**18))


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


class Query:
    """A parsed query string: `filter[country_code]=FR` → get("filter[country_code]")."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def get(self, *keys: str) -> str | None:
        for key in keys:
            if self._values.get(key):
                return self._values[key][0]
        return None

    def get_list(self, *keys: str) -> list[str]:
        """Every value of these keys, comma-separated values split (the SDK sends arrays comma-joined)."""
        out: list[str] = []
        for key in keys:
            for value in self._values.get(key, []):
                out.extend(part.strip() for part in value.split(",") if part.strip())
        return out

    def get_int(self, key: str, default: int) -> int:
        value = self.get(key)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise Refused(errors.invalid(key, f"'{key}' must be an integer.")) from exc


def paginate(items: list[dict[str, Any]], query: Query) -> dict[str, Any]:
    """The `{data, meta}` page the SDK's DefaultFlatPagination reads (page[number], page[size])."""
    size = max(1, query.get_int("page[size]", DEFAULT_PAGE_SIZE))
    number = max(1, query.get_int("page[number]", 1))
    start = (number - 1) * size
    return {
        "data": items[start : start + size],
        "meta": {
            "page_number": number,
            "page_size": size,
            "total_pages": max(1, math.ceil(len(items) / size)),
            "total_results": len(items),
        },
    }


class Account:
    """Numbers, orders, applications and messages of the one fake account."""

    def __init__(self, now_iso: Callable[[], str]) -> None:
        self._now_iso = now_iso
        self.phone_numbers: dict[str, dict[str, Any]] = {}  # id → number record
        self.orders: dict[str, dict[str, Any]] = {}  # id → order record (with private "_" keys)
        self.applications: dict[str, dict[str, Any]] = {}  # id → application record
        self.messages: list[dict[str, Any]] = []
        self._polls: dict[str, int] = {}  # order id → retrievals so far
        self._fails: dict[str, bool] = {}  # order id → will fail (fail_orders when it was placed)
        self.order_polls_until_done = 1
        self.fail_orders = False

    # --- lookups ---
    def number(self, phone_number: str) -> dict[str, Any] | None:
        for record in self.phone_numbers.values():
            if record["phone_number"] == phone_number:
                return record
        return None

    def _taken(self) -> set[str]:
        taken = {record["phone_number"] for record in self.phone_numbers.values()}
        for order in self.orders.values():
            if order["status"] == "pending":
                taken.update(n["phone_number"] for n in order["phone_numbers"])
        return taken

    # --- available_phone_numbers ---
    def search(self, query: Query) -> dict[str, Any]:
        iso = (query.get("filter[country_code]") or "US").upper()
        wanted = set(query.get_list("filter[features]", "filter[features][]"))
        limit = max(1, query.get_int("filter[limit]", DEFAULT_SEARCH_LIMIT))
        contains = digits(query.get("filter[phone_number][contains]") or "")
        starts = digits(query.get("filter[phone_number][starts_with]") or "")
        ends = digits(query.get("filter[phone_number][ends_with]") or "")
        country = COUNTRIES.get(iso)
        found: list[dict[str, Any]] = []
        if country is not None and wanted <= set(FEATURES):
            taken = self._taken()
            for phone_number in inventory(country):
                national = digits(phone_number)[len(country.calling_code) :]
                if phone_number in taken or contains not in national:
                    continue
                if not national.startswith(starts) or not national.endswith(ends):
                    continue
                found.append(self._available(phone_number, country))
                if len(found) >= limit:
                    break
        return {"data": found, "meta": {"total_results": len(found), "best_effort_results": 0}}

    @staticmethod
    def _available(phone_number: str, country: Country) -> dict[str, Any]:
        return {
            "record_type": "available_phone_number",
            "phone_number": phone_number,
            "vanity_format": "",
            "best_effort": False,
            "quickship": True,
            "reservable": True,
            "features": [{"name": name} for name in FEATURES],
            "cost_information": dict(COST),
            "region_information": [
                {"region_type": "country_code", "region_name": country.iso},
                {"region_type": "location", "region_name": country.locality},
                {"region_type": "state", "region_name": country.region},
            ],
        }

    # --- number_orders ---
    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("phone_numbers")
        if not isinstance(wanted, list) or not wanted:
            raise Refused(errors.missing("phone_numbers"))
        taken = self._taken()
        numbers: list[dict[str, Any]] = []
        for n, item in enumerate(wanted):
            phone_number = item.get("phone_number") if isinstance(item, dict) else None
            if not isinstance(phone_number, str) or not phone_number:
                raise Refused(errors.missing(f"phone_numbers/{n}/phone_number"))
            country = country_of(phone_number)
            if country is None or phone_number not in inventory(country) or phone_number in taken:
                raise Refused(
                    errors.invalid(
                        f"phone_numbers/{n}/phone_number", f"{phone_number} is not available for purchase."
                    )
                )
            numbers.append(
                {
                    "id": str(uuid.uuid4()),
                    "record_type": "number_order_phone_number",
                    "phone_number": phone_number,
                    "country_code": country.iso,
                    "country_iso_alpha2": country.iso,
                    "phone_number_type": "local",
                    "bundle_id": None,
                    "regulatory_requirements": [],
                    "requirements_met": True,
                    "requirements_status": "approved",
                    "status": "pending",
                }
            )
            taken.add(phone_number)
        now = self._now_iso()
        order = {
            "id": str(uuid.uuid4()),
            "record_type": "number_order",
            "status": "pending",
            "connection_id": body.get("connection_id"),
            "messaging_profile_id": body.get("messaging_profile_id"),
            "billing_group_id": body.get("billing_group_id"),
            "customer_reference": body.get("customer_reference"),
            "phone_numbers": numbers,
            "phone_numbers_count": len(numbers),
            "requirements_met": True,
            "sub_number_orders_ids": [str(uuid.uuid4())],
            "created_at": now,
            "updated_at": now,
        }
        self.orders[order["id"]] = order
        self._polls[order["id"]] = 0
        self._fails[order["id"]] = self.fail_orders
        if self.order_polls_until_done <= 0:
            self._complete(order)
        return order

    def retrieve_order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            raise Refused(errors.not_found(f"Number order {order_id} not found."))
        if order["status"] == "pending":
            self._polls[order_id] += 1
            if self._polls[order_id] >= self.order_polls_until_done:
                self._complete(order)
        return order

    def _complete(self, order: dict[str, Any]) -> None:
        failed = self._fails.get(order["id"], False)
        order["status"] = "failure" if failed else "success"
        order["updated_at"] = self._now_iso()
        for item in order["phone_numbers"]:
            item["status"] = order["status"]
            if not failed:
                self.add_number(item["phone_number"], order.get("connection_id"), source="number_order")

    # --- phone_numbers ---
    def add_number(
        self, phone_number: str, connection_id: str | None = None, *, source: str = "number_order"
    ) -> dict[str, Any]:
        """An active number owned by the account (what a successful order leaves behind)."""
        existing = self.number(phone_number)
        if existing is not None:
            return existing
        now = self._now_iso()
        record: dict[str, Any] = {
            "id": numeric_id(),
            "record_type": "phone_number",
            "phone_number": phone_number,
            "status": "active",
            "connection_id": connection_id,
            "connection_name": None,
            "messaging_profile_id": None,
            "messaging_profile_name": None,
            "billing_group_id": None,
            "customer_reference": None,
            "external_pin": None,
            "tags": [],
            "phone_number_type": "local",
            "source_type": source,
            "deletion_lock_enabled": False,
            "emergency_enabled": False,
            "emergency_address_id": None,
            "call_forwarding_enabled": True,
            "call_recording_enabled": False,
            "caller_id_name_enabled": False,
            "cnam_listing_enabled": False,
            "hd_voice_enabled": False,
            "purchased_at": now,
            "activated_at": now,
            "created_at": now,
            "updated_at": now,
        }
        self.phone_numbers[record["id"]] = record
        return record

    def get_number(self, number_id: str) -> dict[str, Any]:
        record = self.phone_numbers.get(number_id)
        if record is None:
            raise Refused(errors.not_found(f"Phone number {number_id} not found."))
        return record

    def update_number(self, number_id: str, body: dict[str, Any]) -> dict[str, Any]:
        record = self.get_number(number_id)
        for key in (
            "connection_id",
            "billing_group_id",
            "customer_reference",
            "external_pin",
            "hd_voice_enabled",
            "tags",
            "address_id",
        ):
            if key in body:
                record[key] = body[key]
        if "connection_id" in body:
            app = self.applications.get(str(body["connection_id"])) if body["connection_id"] else None
            record["connection_name"] = app["application_name"] if app else None
        record["updated_at"] = self._now_iso()
        return record

    def delete_number(self, number_id: str) -> dict[str, Any]:
        record = self.phone_numbers.pop(number_id, None)
        if record is None:
            raise Refused(errors.not_found(f"Phone number {number_id} not found."))
        return {**record, "status": "deleted", "updated_at": self._now_iso()}

    def list_numbers(self, query: Query) -> dict[str, Any]:
        wanted = digits(query.get("filter[phone_number]") or "")
        connection_id = query.get("filter[connection_id]")
        status = query.get("filter[status]")
        items = [
            record
            for record in self.phone_numbers.values()
            if wanted in digits(record["phone_number"])
            and (connection_id is None or str(record.get("connection_id")) == connection_id)
            and (status is None or record["status"] == status)
        ]
        return paginate(items, query)

    # --- call_control_applications ---
    def create_application(self, body: dict[str, Any]) -> dict[str, Any]:
        for field in ("application_name", "webhook_event_url"):
            if not isinstance(body.get(field), str) or not body[field]:
                raise Refused(errors.missing(field))
        now = self._now_iso()
        inbound = {
            "channel_limit": None,
            "shaken_stir_enabled": False,
            "sip_subdomain": None,
            "sip_subdomain_receive_settings": "from_anyone",
        }
        outbound = {"channel_limit": None, "outbound_voice_profile_id": None}
        app: dict[str, Any] = {
            "id": numeric_id(),
            "record_type": "call_control_application",
            "active": True,
            "anchorsite_override": "Latency",
            "application_name": body["application_name"],
            "call_cost_in_webhooks": False,
            "dtmf_type": "RFC 2833",
            "first_command_timeout": False,
            "first_command_timeout_secs": 30,
            "inbound": {**inbound, **(body.get("inbound") or {})},
            "outbound": {**outbound, **(body.get("outbound") or {})},
            "redact_dtmf_debug_logging": False,
            "tags": body.get("tags") or [],
            "webhook_api_version": str(body.get("webhook_api_version") or "1"),
            "webhook_event_url": body["webhook_event_url"],
            "webhook_event_failover_url": body.get("webhook_event_failover_url") or "",
            "webhook_timeout_secs": body.get("webhook_timeout_secs"),
            "created_at": now,
            "updated_at": now,
        }
        self.applications[app["id"]] = app
        return app

    def get_application(self, app_id: str) -> dict[str, Any]:
        app = self.applications.get(app_id)
        if app is None:
            raise Refused(errors.not_found(f"Call control application {app_id} not found."))
        return app

    def update_application(self, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
        app = self.get_application(app_id)
        for key, value in body.items():
            if key in app and key not in ("id", "record_type", "created_at"):
                app[key] = value
        app["updated_at"] = self._now_iso()
        return app

    def delete_application(self, app_id: str) -> dict[str, Any]:
        app = self.get_application(app_id)
        del self.applications[app_id]
        return app

    def list_applications(self, query: Query) -> dict[str, Any]:
        contains = (query.get("filter[application_name][contains]") or "").lower()
        items = [app for app in self.applications.values() if contains in app["application_name"].lower()]
        return paginate(items, query)

    # --- messages ---
    def send_message(self, body: dict[str, Any]) -> dict[str, Any]:
        to = body.get("to")
        if isinstance(to, list):
            to = to[0] if to else None
        if not isinstance(to, str) or not to:
            raise Refused(errors.missing("to"))
        if not body.get("from") and not body.get("messaging_profile_id"):
            raise Refused(errors.missing("from"))
        if not body.get("text") and not body.get("media_urls"):
            raise Refused(errors.missing("text"))
        text = body.get("text") or ""
        now = self._now_iso()
        message: dict[str, Any] = {
            "record_type": "message",
            "direction": "outbound",
            "id": str(uuid.uuid4()),
            "type": "MMS" if body.get("media_urls") else "SMS",
            "messaging_profile_id": body.get("messaging_profile_id"),
            "organization_id": str(uuid.uuid4()),
            "from": {"phone_number": body.get("from"), "carrier": "Telnyx", "line_type": "VoIP"},
            "to": [{"phone_number": to, "status": "queued", "carrier": "", "line_type": ""}],
            "cc": [],
            "text": text,
            "subject": body.get("subject"),
            "media": [
                {"url": url, "content_type": None, "size": None} for url in body.get("media_urls") or []
            ],
            "webhook_url": body.get("webhook_url"),
            "webhook_failover_url": body.get("webhook_failover_url"),
            "encoding": "GSM-7" if text.isascii() else "UCS-2",
            "parts": max(1, math.ceil(len(text) / (160 if text.isascii() else 70))),
            "tags": [],
            "cost": None,
            "received_at": now,
            "sent_at": None,
            "completed_at": None,
            "valid_until": None,
            "errors": [],
        }
        self.messages.append(message)
        return message
