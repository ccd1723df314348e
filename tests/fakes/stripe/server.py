"""A local Stripe that the real `stripe` SDK talks to unmodified, and that sends our webhook the
signed events Stripe would.

    with FakeStripe(webhook_url="http://127.0.0.1:8000/api/stripe/webhook") as fake:
        fake.add_price("price_starter", unit_amount=12900)
        client = stripe.StripeClient(fake.secret_key, base_addresses={"api": fake.api_base},
                                     max_network_retries=0)
        session = client.v1.checkout.sessions.create(params={...})   # session.url → the pay page
        fake.complete_checkout(session.id)     # what the pay page's button does
        fake.fail_payment(sub_id); fake.pay_invoice(sub_id)
        fake.drain()

REST routes (`Authorization: Bearer <secret_key>`, else 401), bodies form-encoded with bracket
keys, answers JSON; errors in Stripe's shape {"error": {type, code, message, param}}:
- POST /v1/customers, GET /v1/customers/{id}, GET /v1/customers/{id}/payment_methods
- POST /v1/checkout/sessions (mode subscription|payment), GET /v1/checkout/sessions/{id},
  POST /v1/checkout/sessions/{id}/expire
- GET|POST|DELETE /v1/subscriptions/{id} (POST: items[0][price] changes the plan,
  cancel_at_period_end, metadata; DELETE cancels)
- POST /v1/billing_portal/sessions; GET /v1/payment_methods?customer=&type=card
- POST /v1/billing/meter_events: a repeated `identifier` is refused with 400
  `resource_already_exists` and not counted. Stripe documents that it enforces identifier
  uniqueness for at least 24 h; the exact error it answers is not verified here.
A POST with an `Idempotency-Key` seen before answers the stored response and does nothing else.
Every request is recorded in `fake.requests`.

Browser pages (no auth): GET /pay/{session} (a form with a Pay button), POST /pay/{session}
(completes the checkout, 303 to its success_url with {CHECKOUT_SESSION_ID} filled in),
GET /portal/{id}.

Events: built when they happen, recorded in `fake.events`, queued and POSTed by one background
thread (never from inside the request that caused them) with `Stripe-Signature: t=…,v1=…`
(HMAC-SHA256 of "{t}.{body}" keyed with the webhook secret). Controls: `duplicate` (each event
twice, same id), `delay` (seconds before each POST), `hold()` / `release(order)` ("as_is",
"reverse", "shuffle"), `resend(event_id)`. A non-2xx answer or no answer is retried after
RETRY_DELAYS. `drain()` waits until nothing is queued or in flight.

Control API for another process (no auth, JSON): GET /_sim/info, GET /_sim/events,
POST /_sim/checkout/{id}/complete, POST /_sim/subscriptions/{id}/fail_payment | /pay,
POST /_sim/config {duplicate, delay, webhook_url}, POST /_sim/drain.

Run by hand: python -m tests.fakes.stripe.server --port 8791 --webhook-url URL --webhook-secret whsec_…
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import http.client
import json
import queue
import random
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"
RETRY_DELAYS = (0.1, 0.3, 0.9)
PERIOD_SECONDS = 30 * 24 * 3600


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, code: str = "", param: str = "", kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = {
            "error": {
                "type": kind or ("invalid_request_error" if status < 500 else "api_error"),
                "code": code,
                "message": message,
                "param": param,
            }
        }


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, Any]
    query: dict[str, Any]


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b][0][c]=v` pairs to nested dicts; dicts whose keys are all indexes become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [key.split("[", 1)[0]] + [p.rstrip("]") for p in key.split("[")[1:]]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def _id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


class FakeStripe:
    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_test_fake",
        secret_key: str = "sk_test_fake",
        port: int = 0,
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.secret_key = secret_key
        self.customers: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.portal_sessions: list[dict[str, Any]] = []
        self.meter_events: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[tuple[str, int | None]] = []
        self.requests: list[RecordedRequest] = []
        self.duplicate = False
        self.delay = 0.0
        self._held: list[dict[str, Any]] | None = None
        self._idempotent: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._lock = threading.RLock()
        self._queue: queue.Queue[tuple[dict[str, Any], int] | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.api_base = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeStripe:
        for target in (self._server.serve_forever, self._deliver_forever):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._queue.put(None)
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_price(
        self, price_id: str, *, unit_amount: int = 12900, currency: str = "eur", recurring: bool = True
    ) -> dict[str, Any]:
        price = {
            "id": price_id,
            "object": "price",
            "active": True,
            "currency": currency,
            "unit_amount": unit_amount,
            "type": "recurring" if recurring else "one_time",
            "recurring": {"interval": "month", "interval_count": 1} if recurring else None,
            "livemode": False,
        }
        self.prices[price_id] = price
        return price

    # --- events and delivery ------------------------------------------------------------------
    def emit(
        self, event_type: str, obj: dict[str, Any], previous_attributes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"object": json.loads(json.dumps(obj))}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event = {
            "id": _id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": _id("req"), "idempotency_key": None},
            "type": event_type,
        }
        with self._lock:
            self.events.append(event)
            if self._held is not None:
                self._held.append(event)
                return event
        self._enqueue(event)
        return event

    def hold(self) -> None:
        with self._lock:
            if self._held is None:
                self._held = []

    def release(self, order: str = "as_is") -> None:
        with self._lock:
            held, self._held = self._held or [], None
        if order == "reverse":
            held = held[::-1]
        elif order == "shuffle":
            random.shuffle(held)
        for event in held:
            self._enqueue(event)

    def resend(self, event_id: str) -> None:
        event = next(e for e in self.events if e["id"] == event_id)
        self._enqueue(event, copies=1)

    def _enqueue(self, event: dict[str, Any], copies: int | None = None) -> None:
        for _ in range(copies or (2 if self.duplicate else 1)):
            with self._idle:
                self._pending += 1
            self._queue.put((event, 0))

    def drain(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def signature(self, body: bytes, at: int | None = None) -> str:
        at = at or int(time.time())
        digest = hmac.new(self.webhook_secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={at},v1={digest}"

    def _deliver_forever(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            event, attempt = item
            if self.delay:
                time.sleep(self.delay)
            status = self._post(event)
            retry = (status is None or status >= 300) and attempt < len(RETRY_DELAYS)
            if retry:
                timer = threading.Timer(RETRY_DELAYS[attempt], self._queue.put, ((event, attempt + 1),))
                timer.daemon = True
                timer.start()
                continue
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _post(self, event: dict[str, Any]) -> int | None:
        url = self.webhook_url
        if not url:
            return 200  # recorded only
        body = json.dumps(event).encode()
        parts = urlsplit(url)
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
            conn.request(
                "POST",
                parts.path or "/",
                body=body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": self.signature(body),
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                },
            )
            status: int | None = conn.getresponse().status
            conn.close()
        except OSError:
            status = None
        with self._lock:
            self.deliveries.append((event["id"], status))
        return status

    # --- what a payer, a bank or the owner does -----------------------------------------------
    def complete_checkout(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            session = self.checkout_sessions.get(session_id)
            if session is None:
                raise KeyError(session_id)
            if session["status"] != "open":
                return session
            now = int(time.time())
            customer_id = (
                session["customer"] or self._create_customer({"email": session["customer_email"]})["id"]
            )
            session["customer"] = customer_id
            self._card_for(customer_id)
            session.update(status="complete", payment_status="paid")
            subscription = invoice = None
            if session["mode"] == "subscription":
                subscription = self._create_subscription(session, customer_id, now)
                invoice = self._invoice(subscription, status="paid")
                session["subscription"] = subscription["id"]
                session["invoice"] = invoice["id"]
            else:
                session["payment_intent"] = _id("pi")
        if subscription is not None:
            self.emit("customer.subscription.created", subscription)
        self.emit("checkout.session.completed", session)
        if invoice is not None:
            self.emit("invoice.paid", invoice)
        return session

    def create_subscription(
        self, *, price_id: str, email: str = "owner@example.test", metadata: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A paying customer that exists already (set up outside a checkout); emits nothing."""
        with self._lock:
            customer = self._create_customer({"email": email})
            self._card_for(customer["id"])
            session = {
                "line_items": [{"price": price_id, "quantity": 1}],
                "subscription_data": {"metadata": metadata},
            }
            sub = self._create_subscription(session, customer["id"], int(time.time()))
            self._invoice(sub, status="paid")
            return sub

    def fail_payment(self, subscription_id: str) -> dict[str, Any]:
        return self._bill(subscription_id, paid=False)

    def pay_invoice(self, subscription_id: str) -> dict[str, Any]:
        return self._bill(subscription_id, paid=True)

    def _bill(self, subscription_id: str, *, paid: bool) -> dict[str, Any]:
        with self._lock:
            sub = self.subscriptions[subscription_id]
            before = sub["status"]
            invoice = self._invoice(sub, status="paid" if paid else "open")
            sub["status"] = "active" if paid else "past_due"
            sub["latest_invoice"] = invoice["id"]
        self.emit("invoice.paid" if paid else "invoice.payment_failed", invoice)
        self.emit("customer.subscription.updated", sub, {"status": before})
        return invoice

    def cancel_subscription(self, subscription_id: str) -> dict[str, Any]:
        with self._lock:
            sub = self.subscriptions[subscription_id]
            sub.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
        self.emit("customer.subscription.deleted", sub)
        return sub

    # --- objects ------------------------------------------------------------------------------
    def _create_customer(self, form: dict[str, Any]) -> dict[str, Any]:
        customer = {
            "id": _id("cus"),
            "object": "customer",
            "email": form.get("email"),
            "name": form.get("name"),
            "metadata": form.get("metadata") or {},
            "created": int(time.time()),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _card_for(self, customer_id: str) -> None:
        if any(pm["customer"] == customer_id for pm in self.payment_methods.values()):
            return
        method = {
            "id": _id("pm"),
            "object": "payment_method",
            "type": "card",
            "customer": customer_id,
            "card": {
                "brand": "visa",
                "last4": "4242",
                "exp_month": 12,
                "exp_year": time.gmtime().tm_year + 1,
            },
            "created": int(time.time()),
            "livemode": False,
        }
        self.payment_methods[method["id"]] = method

    def _item(self, price_id: str, quantity: int, now: int) -> dict[str, Any]:
        return {
            "id": _id("si"),
            "object": "subscription_item",
            "price": self.prices[price_id],
            "quantity": quantity,
            "current_period_start": now,
            "current_period_end": now + PERIOD_SECONDS,
        }

    def _create_subscription(self, session: dict[str, Any], customer_id: str, now: int) -> dict[str, Any]:
        items = [self._item(li["price"], int(li.get("quantity", 1)), now) for li in session["line_items"]]
        sub = {
            "id": _id("sub"),
            "object": "subscription",
            "status": "active",
            "customer": customer_id,
            "metadata": (session.get("subscription_data") or {}).get("metadata") or {},
            "items": {"object": "list", "data": items, "has_more": False},
            "cancel_at_period_end": False,
            "canceled_at": None,
            "created": now,
            "start_date": now,
            "latest_invoice": None,
            "livemode": False,
        }
        self.subscriptions[sub["id"]] = sub
        return sub

    def _invoice(self, sub: dict[str, Any], *, status: str) -> dict[str, Any]:
        amount = sum(i["price"]["unit_amount"] * i["quantity"] for i in sub["items"]["data"])
        now = int(time.time())
        invoice = {
            "id": _id("in"),
            "object": "invoice",
            "customer": sub["customer"],
            "status": status,
            "amount_due": amount,
            "amount_paid": amount if status == "paid" else 0,
            "currency": sub["items"]["data"][0]["price"]["currency"],
            "attempt_count": 1,
            "next_payment_attempt": None if status == "paid" else now + 3 * 24 * 3600,
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]},
            },
            "created": now,
            "livemode": False,
        }
        self.invoices[invoice["id"]] = invoice
        sub["latest_invoice"] = invoice["id"]
        return invoice

    # --- the REST API -------------------------------------------------------------------------
    def handle_api(
        self, method: str, path: str, form: dict[str, Any], query: dict[str, Any]
    ) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p][1:]  # without "v1"
        with self._lock:
            match (method, parts):
                case ("POST", ["customers"]):
                    return 200, self._create_customer(form)
                case ("GET", ["customers", cid]):
                    return 200, self._get(self.customers, cid)
                case ("GET", ["customers", cid, "payment_methods"]):
                    self._get(self.customers, cid)
                    return 200, self._list(
                        path, [m for m in self.payment_methods.values() if m["customer"] == cid]
                    )
                case ("GET", ["payment_methods"]):
                    customer = query.get("customer")
                    found = [
                        m for m in self.payment_methods.values() if not customer or m["customer"] == customer
                    ]
                    return 200, self._list(path, found)
                case ("POST", ["checkout", "sessions"]):
                    return 200, self._create_session(form)
                case ("GET", ["checkout", "sessions", sid]):
                    return 200, self._get(self.checkout_sessions, sid)
                case ("POST", ["checkout", "sessions", sid, "expire"]):
                    session = self._get(self.checkout_sessions, sid)
                    if session["status"] != "open":
                        raise StripeError(
                            400, f"Only open sessions can be expired; {sid} is {session['status']}."
                        )
                    session["status"] = "expired"
                    self.emit("checkout.session.expired", session)
                    return 200, session
                case ("GET", ["subscriptions", sub_id]):
                    return 200, self._get(self.subscriptions, sub_id)
                case ("POST", ["subscriptions", sub_id]):
                    return 200, self._update_subscription(sub_id, form)
                case ("DELETE", ["subscriptions", sub_id]):
                    self._get(self.subscriptions, sub_id)
                    return 200, self.cancel_subscription(sub_id)
                case ("POST", ["billing_portal", "sessions"]):
                    return 200, self._portal(form)
                case ("POST", ["billing", "meter_events"]):
                    return 200, self._meter_event(form)
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _get(self, table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        if key not in table:
            raise StripeError(404, f"No such object: '{key}'", code="resource_missing", param="id")
        return table[key]

    def _list(self, url: str, data: list[dict[str, Any]]) -> dict[str, Any]:
        return {"object": "list", "data": data, "has_more": False, "url": url}

    def _require(self, form: dict[str, Any], *names: str) -> None:
        for name in names:
            if not form.get(name):
                raise StripeError(
                    400, f"Missing required param: {name}.", code="parameter_missing", param=name
                )

    def _create_session(self, form: dict[str, Any]) -> dict[str, Any]:
        self._require(form, "mode", "success_url", "line_items")
        mode = form["mode"]
        if mode not in ("subscription", "payment"):
            raise StripeError(400, f"Invalid mode: {mode}", code="parameter_invalid_string", param="mode")
        line_items = form["line_items"] if isinstance(form["line_items"], list) else [form["line_items"]]
        total, currency = 0, "eur"
        for n, item in enumerate(line_items):
            if "price" in item:
                if item["price"] not in self.prices:
                    raise StripeError(
                        400,
                        f"No such price: '{item['price']}'",
                        code="resource_missing",
                        param=f"line_items[{n}][price]",
                    )
                price = self.prices[item["price"]]
                total += price["unit_amount"] * int(item.get("quantity", 1))
                currency = price["currency"]
            elif "price_data" in item:
                data = item["price_data"]
                total += int(data.get("unit_amount", 0)) * int(item.get("quantity", 1))
                currency = data.get("currency", currency)
            else:
                raise StripeError(
                    400,
                    "Each line item needs a price or price_data.",
                    code="parameter_missing",
                    param=f"line_items[{n}]",
                )
        if mode == "subscription" and any("price" not in i for i in line_items):
            raise StripeError(400, "Subscription mode needs recurring prices.", param="line_items")
        if form.get("customer") and form["customer"] not in self.customers:
            raise StripeError(
                400, f"No such customer: '{form['customer']}'", code="resource_missing", param="customer"
            )
        now = int(time.time())
        sid = f"cs_test_{secrets.token_hex(24)}"
        session = {
            "id": sid,
            "object": "checkout.session",
            "url": f"{self.api_base}/pay/{sid}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": mode,
            "amount_total": total,
            "currency": currency,
            "metadata": form.get("metadata") or {},
            "client_reference_id": form.get("client_reference_id"),
            "customer": form.get("customer"),
            "customer_email": form.get("customer_email"),
            "subscription": None,
            "payment_intent": None,
            "invoice": None,
            "success_url": form["success_url"],
            "cancel_url": form.get("cancel_url"),
            "locale": form.get("locale"),
            "line_items": line_items,
            "subscription_data": form.get("subscription_data") or {},
            "payment_intent_data": form.get("payment_intent_data") or {},
            "created": now,
            "expires_at": int(form.get("expires_at") or now + 24 * 3600),
            "livemode": False,
        }
        self.checkout_sessions[sid] = session
        return session

    def _update_subscription(self, sub_id: str, form: dict[str, Any]) -> dict[str, Any]:
        sub = self._get(self.subscriptions, sub_id)
        previous: dict[str, Any] = {}
        if "cancel_at_period_end" in form:
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = form["cancel_at_period_end"] == "true"
        if isinstance(form.get("metadata"), dict):
            previous["metadata"] = dict(sub["metadata"])
            sub["metadata"].update(form["metadata"])
        items = form.get("items")
        if items:
            previous["items"] = json.loads(json.dumps(sub["items"]))
            for change in items if isinstance(items, list) else [items]:
                price = change.get("price")
                if price not in self.prices:
                    raise StripeError(
                        400, f"No such price: '{price}'", code="resource_missing", param="items[0][price]"
                    )
                target = next((i for i in sub["items"]["data"] if i["id"] == change.get("id")), None)
                if target is None:
                    sub["items"]["data"].append(
                        self._item(price, int(change.get("quantity", 1)), int(time.time()))
                    )
                else:
                    target["price"] = self.prices[price]
        if previous:
            self.emit("customer.subscription.updated", sub, previous)
        return sub

    def _portal(self, form: dict[str, Any]) -> dict[str, Any]:
        self._require(form, "customer")
        self._get(self.customers, form["customer"])
        pid = _id("bps")
        session = {
            "id": pid,
            "object": "billing_portal.session",
            "url": f"{self.api_base}/portal/{pid}",
            "customer": form["customer"],
            "return_url": form.get("return_url"),
            "created": int(time.time()),
            "livemode": False,
        }
        self.portal_sessions.append(session)
        return session

    def _meter_event(self, form: dict[str, Any]) -> dict[str, Any]:
        self._require(form, "event_name", "payload")
        identifier = form.get("identifier") or _id("mev")
        if any(e["identifier"] == identifier for e in self.meter_events):
            raise StripeError(
                400,
                f"An event already exists with identifier {identifier}.",
                code="resource_already_exists",
                param="identifier",
            )
        event = {
            "object": "billing.meter_event",
            "event_name": form["event_name"],
            "identifier": identifier,
            "payload": form["payload"],
            "timestamp": int(form.get("timestamp") or time.time()),
            "created": int(time.time()),
            "livemode": False,
        }
        self.meter_events.append(event)
        return event

    def idempotent(self, key: str, path: str) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            return self._idempotent.get((key, path))

    def remember(self, key: str, path: str, answer: tuple[int, dict[str, Any]]) -> None:
        with self._lock:
            self._idempotent[(key, path)] = answer

    # --- browser pages ------------------------------------------------------------------------
    def pay_page(self, sid: str) -> str:
        session = self.checkout_sessions[sid]
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        if session["status"] != "open":
            done = html.escape(self._success_url(session))
            body = f"<p>This checkout is {session['status']}.</p><p><a href='{done}'>Continue</a></p>"
        else:
            body = (
                f"<p>{html.escape(session.get('customer_email') or '')}</p><p>Total: {amount}</p>"
                "<form method='post'><button type='submit'>Pay</button></form>"
                f"<p><a href='{html.escape(session.get('cancel_url') or '')}'>Cancel</a></p>"
            )
        return f"<!doctype html><title>Pay Kalliky (Stripe test mode)</title><h1>Test payment</h1>{body}"

    def _success_url(self, session: dict[str, Any]) -> str:
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])

    def portal_page(self, pid: str) -> str:
        portal = next(p for p in self.portal_sessions if p["id"] == pid)
        subs = [s for s in self.subscriptions.values() if s["customer"] == portal["customer"]]
        rows = "".join(f"<li>{s['id']}: {s['status']}</li>" for s in subs)
        back = html.escape(portal.get("return_url") or "/")
        title = "<title>Billing portal (Stripe test mode)</title>"
        return f"<!doctype html>{title}<ul>{rows}</ul><a href='{back}'>Return</a>"


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            return

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self._dispatch("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._dispatch("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self._dispatch("DELETE")

        def _send(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", _id("req"))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            query = parse_form(parse_qsl(url.query, keep_blank_values=True))
            path = url.path
            if path.startswith("/_sim/"):
                return self._sim(method, path, raw)
            if path.startswith("/pay/") or path.startswith("/portal/"):
                return self._page(method, path)
            form = parse_form(parse_qsl(raw.decode(), keep_blank_values=True)) if raw else {}
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake._lock:  # noqa: SLF001 - the fake's own handler
                fake.requests.append(RecordedRequest(method, path, headers, form, query))
            if headers.get("authorization") != f"Bearer {fake.secret_key}":
                error = StripeError(
                    401, "Invalid API Key provided.", code="api_key_invalid", kind="invalid_request_error"
                )
                return self._json(401, error.body)
            key = headers.get("idempotency-key", "") if method == "POST" else ""
            if key and (seen := fake.idempotent(key, path)) is not None:
                return self._json(*seen)
            try:
                answer = fake.handle_api(method, path, form, query)
            except StripeError as exc:
                answer = (exc.status, exc.body)
            if key and answer[0] < 500:
                fake.remember(key, path, answer)
            return self._json(*answer)

        def _page(self, method: str, path: str) -> None:
            kind, _, ident = path.strip("/").partition("/")
            if kind == "portal":
                try:
                    return self._send(200, fake.portal_page(ident).encode(), "text/html; charset=utf-8")
                except StopIteration:
                    return self._send(404, b"No such portal session", "text/plain")
            if ident not in fake.checkout_sessions:
                return self._send(404, b"No such checkout session", "text/plain")
            if method == "POST":
                session = fake.complete_checkout(ident)
                return self._send(303, b"", "text/plain", {"Location": fake._success_url(session)})  # noqa: SLF001
            return self._send(200, fake.pay_page(ident).encode(), "text/html; charset=utf-8")

        def _sim(self, method: str, path: str, raw: bytes) -> None:
            body = json.loads(raw or b"{}")
            parts = path.strip("/").split("/")[1:]
            try:
                match (method, parts):
                    case ("GET", ["info"]):
                        return self._json(200, {"api_base": fake.api_base, "webhook_url": fake.webhook_url})
                    case ("GET", ["events"]):
                        return self._json(200, {"data": fake.events})
                    case ("POST", ["checkout", sid, "complete"]):
                        return self._json(200, fake.complete_checkout(sid))
                    case ("POST", ["subscriptions", sub_id, "fail_payment"]):
                        return self._json(200, fake.fail_payment(sub_id))
                    case ("POST", ["subscriptions", sub_id, "pay"]):
                        return self._json(200, fake.pay_invoice(sub_id))
                    case ("POST", ["config"]):
                        for name in ("duplicate", "delay", "webhook_url"):
                            if name in body:
                                setattr(fake, name, body[name])
                        return self._json(200, {"ok": True})
                    case ("POST", ["drain"]):
                        return self._json(200, {"drained": fake.drain(float(body.get("timeout", 10)))})
            except KeyError as exc:
                return self._json(404, {"error": f"unknown {exc}"})
            return self._json(404, {"error": "unknown control route"})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="A local Stripe for Kalliky's development.")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default="whsec_test_fake")
    parser.add_argument("--secret-key", default="sk_test_fake")
    parser.add_argument(
        "--price", action="append", default=[], help="price_id:unit_amount (cents), repeatable"
    )
    args = parser.parse_args()
    fake = FakeStripe(
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        secret_key=args.secret_key,
        port=args.port,
    )
    for spec in args.price:
        price_id, _, amount = spec.partition(":")
        fake.add_price(price_id, unit_amount=int(amount or 0))
    fake.start()
    print(f"Stripe fake on {fake.api_base} → {fake.webhook_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
