"""Scripted conversations with an expected outcome in the database.

The same runner serves the YAML scenario suite (tests/ai/scenarios/*.yaml) and the self-test
generated from a store's own data. A scenario names a store, a frozen local time, the caller's
lines, and what must exist afterwards (orders with their lines and total, reservations, service
bookings, consultations, complaints, transfer or hang-up). Everything it writes is sandboxed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import yaml
from django.db import transaction
from django.db.models import Max

from ai import agent, context
from ai.nlu.text import normalize
from stores.models import (
    Consultation,
    Customer,
    CustomerExchange,
    Order,
    Product,
    Reservation,
    ServiceBooking,
    Store,
)
from stores.services.bookings import reservation_save
from stores.services.orders import order_create


@dataclass
class ScenarioResult:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    transcript: list[dict[str, str]] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "failures": self.failures,
            "transcript": self.transcript,
            "error": self.error,
        }

    def explain(self) -> str:
        """The failures and the conversation, for a test's failure message."""
        lines = [f"scenario {self.name!r} failed"]
        lines += [f"- {failure}" for failure in self.failures]
        if self.error:
            lines.append(f"- error: {self.error}")
        lines.append("transcript:")
        for turn in self.transcript:
            if "caller" in turn:
                lines.append(f"  caller:    {turn['caller']}")
            lines.append(f"  assistant: {turn.get('assistant', '')}")
        return "\n".join(lines)


def load_file(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    for item in items:
        item.setdefault("name", path.stem)
        item["_file"] = path.name
    return items


def load_dir(folder: Path) -> list[dict[str, Any]]:
    scenarios: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        scenarios.extend(load_file(path))
    return scenarios


class _Rollback(Exception):
    pass


@dataclass
class Talk:
    """What a door heard: the greeting, one reply per caller line played (fewer when the call ended
    early), and the ending actions it saw (hangup, transfer)."""

    greeting: str
    replies: list[str]
    actions: list[str] = field(default_factory=list)


class Door(Protocol):
    """A way into the assistant (the agent itself, `manage.py chat`, the test chat's WebSocket…).
    It plays the caller's lines in sandbox on the scenario's store, clock and caller number, and
    must stop at a reply that ends the call."""

    def __call__(self, store: Store, spec: dict[str, Any], lines: list[str]) -> Talk: ...


def scenario_now(spec: dict[str, Any], store: Store) -> datetime | None:
    """The scenario's frozen moment, in the store's time zone."""
    return (
        datetime.fromisoformat(str(spec["now"])).replace(tzinfo=ZoneInfo(store.timezone))
        if spec.get("now")
        else None
    )


def run(
    spec: dict[str, Any], *, store: Store | None = None, rollback: bool = False, door: Door | None = None
) -> ScenarioResult:
    """Play one scenario. With rollback=True nothing it wrote survives (the self-test). `door`
    plays the turns another way in; the setup and the judgement stay the same."""
    result = ScenarioResult(name=str(spec.get("name", "?")), passed=False)
    try:
        with transaction.atomic():
            _play(spec, store, result, door or _agent_door)
            if rollback:
                raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # a crash is a failed scenario with its reason, not a dead run
        result.passed = False
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        if spec.get("setup", {}).get("product_status"):
            # The setup edited the catalog with bulk updates: the cached context must not outlive them.
            context.invalidate((store or Store.objects.get(slug=spec["store"])).pk)
    return result


def _agent_door(store: Store, spec: dict[str, Any], lines: list[str]) -> Talk:
    """The agent called directly, in the scenario's language."""
    session, greeting = agent.begin(
        store,
        channel="selftest",
        caller_phone=str(spec.get("phone", "")),
        sandbox=True,
        brain=spec.get("brain", "local"),
        now=scenario_now(spec, store),
        lang=spec.get("lang"),
    )
    talk = Talk(greeting=greeting.text, replies=[])
    for line in lines:
        reply = agent.respond(session, line)
        talk.replies.append(reply.text)
        talk.actions.extend(a.get("action", "") for a in reply.actions)
        if reply.ended:
            break
    agent.finish(session)
    return talk


def _play(spec: dict[str, Any], store: Store | None, result: ScenarioResult, door: Door) -> None:
    store = store or Store.objects.get(slug=spec["store"])
    _setup(store, spec.get("setup") or {}, str(spec.get("phone", "")), scenario_now(spec, store))
    marks = _watermarks(store)
    turns = spec.get("turns") or []
    lines = [turn["caller"] if isinstance(turn, dict) else str(turn) for turn in turns]
    talk = door(store, spec, lines)
    result.transcript.append({"assistant": talk.greeting})
    if spec.get("expect_greeting"):
        _contains(result, "greeting", talk.greeting, spec["expect_greeting"])
    for n, (turn, line, reply) in enumerate(zip(turns, lines, talk.replies, strict=False)):
        result.transcript.append({"caller": line, "assistant": reply})
        if isinstance(turn, dict) and turn.get("expect_reply"):
            _contains(result, f"turn {n + 1}", reply, turn["expect_reply"])
        if isinstance(turn, dict) and turn.get("reject_reply"):
            for bad in _as_list(turn["reject_reply"]):
                if normalize(str(bad)) in normalize(reply):
                    result.failures.append(f"turn {n + 1}: reply should not say {bad!r}: {reply!r}")
    _check(spec.get("expect") or {}, store, marks, talk.actions, result)
    result.passed = not result.failures


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _contains(result: ScenarioResult, where: str, text: str, wanted: Any) -> None:
    for piece in _as_list(wanted):
        if normalize(str(piece)) not in normalize(text):
            result.failures.append(f"{where}: expected {piece!r} in {text!r}")


def _setup(store: Store, setup: dict[str, Any], phone: str, now: datetime | None) -> None:
    for name, status in (setup.get("product_status") or {}).items():
        updated = Product.objects.filter(store=store, name=name).update(status=status)
        if not updated:
            raise ValueError(f"setup.product_status: no product {name!r} in {store.slug}")
        context.invalidate(store.pk)
    if setup.get("customer_name") and phone:
        Customer.objects.update_or_create(
            business=store.business, phone=phone, defaults={"name": setup["customer_name"]}
        )
    for order in setup.get("past_orders") or []:
        items = []
        for line in order["items"]:
            product = Product.objects.prefetch_related("variations").get(store=store, name=line["item"])
            wanted = {normalize(v) for v in _as_list(line.get("options", []))}
            items.append(
                {
                    "product_id": product.pk,
                    "quantity": int(line.get("quantity", 1)),
                    "variation_ids": [v.pk for v in product.variations.all() if normalize(v.value) in wanted],
                    "notes": str(line.get("notes", "")),
                }
            )
        order_create(store=store, items=items, customer_phone=phone, source="call")
    for booking in setup.get("reservations") or []:
        tz = ZoneInfo(store.timezone)
        reservation_save(
            store=store,
            customer_name=booking.get("name", ""),
            customer_phone=booking.get("phone", phone),
            party_size=int(booking["party_size"]),
            starts_at=datetime.fromisoformat(booking["starts_at"]).replace(tzinfo=tz),
            duration_minutes=int(booking.get("duration_minutes", 90)),
        )


def _watermarks(store: Store) -> dict[str, int]:
    """The newest row of each kind before the conversation: only what it adds is judged."""
    models = {
        "order": Order,
        "reservation": Reservation,
        "service": ServiceBooking,
        "consultation": Consultation,
    }
    marks = {
        name: model.objects.filter(store=store).aggregate(m=Max("pk"))["m"] or 0
        for name, model in models.items()
    }
    marks["exchange"] = CustomerExchange.objects.filter(store=store).aggregate(m=Max("pk"))["m"] or 0
    return marks


def _check(
    expect: dict[str, Any], store: Store, marks: dict[str, int], actions: list[str], result: ScenarioResult
) -> None:
    tz = ZoneInfo(store.timezone)
    orders = list(
        Order.objects.filter(store=store, source="test", pk__gt=marks["order"])
        .prefetch_related("items")
        .order_by("pk")
    )
    if "orders" in expect:
        wanted = expect["orders"] or []
        if len(orders) != len(wanted):
            result.failures.append(f"orders: expected {len(wanted)}, got {len(orders)}")
        for want, got in zip(wanted, orders, strict=False):
            _check_order(want, got, result)
    reservations = list(
        Reservation.objects.filter(store=store, source="test", pk__gt=marks["reservation"]).order_by("pk")
    )
    if "reservations" in expect:
        wanted = expect["reservations"] or []
        if len(reservations) != len(wanted):
            result.failures.append(f"reservations: expected {len(wanted)}, got {len(reservations)}")
        for want, got in zip(wanted, reservations, strict=False):
            if "party_size" in want and got.party_size != int(want["party_size"]):
                result.failures.append(
                    f"reservation party: expected {want['party_size']}, got {got.party_size}"
                )
            _check_time(result, "reservation", want.get("starts_at"), got.starts_at, tz)
            if "name" in want and normalize(got.customer_name) != normalize(want["name"]):
                result.failures.append(
                    f"reservation name: expected {want['name']!r}, got {got.customer_name!r}"
                )
    bookings = list(
        ServiceBooking.objects.filter(store=store, source="test", pk__gt=marks["service"])
        .select_related("service", "resource")
        .order_by("pk")
    )
    if "service_bookings" in expect:
        wanted = expect["service_bookings"] or []
        if len(bookings) != len(wanted):
            result.failures.append(f"service bookings: expected {len(wanted)}, got {len(bookings)}")
        for want, got in zip(wanted, bookings, strict=False):
            if "service" in want and got.service.name != want["service"]:
                result.failures.append(f"service: expected {want['service']!r}, got {got.service.name!r}")
            if "resource" in want and (got.resource.name if got.resource else None) != want["resource"]:
                result.failures.append(f"with: expected {want['resource']!r}, got {got.resource}")
            _check_time(result, "service booking", want.get("starts_at"), got.starts_at, tz)
    consultations = list(
        Consultation.objects.filter(store=store, source="test", pk__gt=marks["consultation"]).order_by("pk")
    )
    if "consultations" in expect:
        wanted = expect["consultations"] or []
        if len(consultations) != len(wanted):
            result.failures.append(f"consultations: expected {len(wanted)}, got {len(consultations)}")
        for want, got in zip(wanted, consultations, strict=False):
            for key in ("urgency", "status"):
                if key in want and getattr(got, key) != want[key]:
                    result.failures.append(
                        f"consultation {key}: expected {want[key]!r}, got {getattr(got, key)!r}"
                    )
            if "problem_contains" in want and normalize(want["problem_contains"]) not in normalize(
                got.problem
            ):
                result.failures.append(f"consultation problem: {got.problem!r}")
            if "preferred_at" in want:
                _check_time(result, "consultation", want["preferred_at"], got.preferred_at, tz)
    exchanges = (
        list(
            CustomerExchange.objects.filter(store=store, type="complaint", pk__gt=marks["exchange"]).order_by(
                "pk"
            )
        )
        if "exchanges" in expect
        else []
    )
    if "exchanges" in expect:
        wanted = expect["exchanges"] or []
        if len(exchanges) != len(wanted):
            result.failures.append(f"complaints: expected {len(wanted)}, got {len(exchanges)}")
        for want, got in zip(wanted, exchanges, strict=False):
            for key, attr in (("category", "category"), ("severity", "severity")):
                if key in want and getattr(got, attr) != want[key]:
                    result.failures.append(
                        f"complaint {key}: expected {want[key]!r}, got {getattr(got, attr)!r}"
                    )
    if "actions" in expect:
        for action in _as_list(expect["actions"] or []):
            if action not in actions:
                result.failures.append(f"action {action!r} expected, got {actions}")
        if not expect["actions"] and actions:
            result.failures.append(f"no action expected, got {actions}")


def _check_order(want: dict[str, Any], got: Order, result: ScenarioResult) -> None:
    lines = list(got.items.all())
    wanted_lines = want.get("lines") or []
    if len(lines) != len(wanted_lines):
        result.failures.append(
            f"order lines: expected {len(wanted_lines)}, got {[f'{li.quantity} {li.name}' for li in lines]}"
        )
    for wl in wanted_lines:
        match = next(
            (
                li
                for li in lines
                if li.name == wl["name"]
                and li.quantity == int(wl.get("quantity", 1))
                and {normalize(o) for o in _as_list(wl.get("options", []))}
                <= {normalize(v["value"]) for v in li.variations}
                and normalize(str(wl.get("notes", ""))) in normalize(li.notes)
            ),
            None,
        )
        if match is None:
            seen = [(li.quantity, li.name, [v["value"] for v in li.variations], li.notes) for li in lines]
            result.failures.append(f"order line {wl} not found in {seen}")
    if "total" in want and got.total != Decimal(str(want["total"])):
        result.failures.append(f"order total: expected {want['total']}, got {got.total}")
    if "delivery_type" in want and got.delivery_type != want["delivery_type"]:
        result.failures.append(f"delivery: expected {want['delivery_type']}, got {got.delivery_type}")


def _check_time(
    result: ScenarioResult, what: str, wanted: str | None, got: datetime | None, tz: ZoneInfo
) -> None:
    if wanted is None:
        return
    expected = datetime.fromisoformat(str(wanted)).replace(tzinfo=tz)
    if got is None or got != expected:
        local = got.astimezone(tz).isoformat() if got else None
        result.failures.append(f"{what} time: expected {expected.isoformat()}, got {local}")
