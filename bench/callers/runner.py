"""Plays generated conversations through ai.agent (begin/respond/finish: the entry the phone,
the test chat and `manage.py chat` use), sandboxed with a frozen clock in a rolled-back
transaction like ai.scenarios, and judges each on the rows it wrote."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max

from ai import agent
from bench.callers.caller import MAX_TURNS, Caller, cart_lines
from bench.callers.generator import Conversation, Generator, Line
from bench.callers.judge import Outcome, Verdict, judge
from stores.models import Consultation, Order, Reservation, ServiceBooking

DEMO = ("pizzeria-bella-napoli", "elegance-hair-salon", "cabinet-conseil-durand")


@dataclass
class Played:
    conv: Conversation
    verdict: Verdict
    transcript: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""


class _Rollback(Exception):
    pass


def _marks(store: Any) -> dict[str, int]:

    return {
        m.__name__: m.objects.filter(store=store).aggregate(m=Max("pk"))["m"] or 0
        for m in (Order, Reservation, ServiceBooking, Consultation)
    }


def _outcome(store: Any, marks: dict[str, int]) -> Outcome:

    tz = ZoneInfo(store.timezone)
    orders = Order.objects.filter(store=store, pk__gt=marks["Order"]).prefetch_related("items").order_by("pk")
    bookings = ServiceBooking.objects.filter(store=store, pk__gt=marks["ServiceBooking"]).select_related(
        "service", "resource"
    )
    return Outcome(
        orders=[
            [Line(li.name, li.quantity, tuple(v["value"] for v in li.variations)) for li in o.items.all()]
            for o in orders
        ],
        bookings=[
            {
                "service": b.service.name,
                "starts_at": b.starts_at.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes"),
                "resource": b.resource.name if b.resource else None,
            }
            for b in bookings
        ],
        reservations=[
            {
                "party_size": r.party_size,
                "starts_at": r.starts_at.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes"),
            }
            for r in Reservation.objects.filter(store=store, pk__gt=marks["Reservation"])
        ],
        consultations=Consultation.objects.filter(store=store, pk__gt=marks["Consultation"]).count(),
    )


def play(conv: Conversation, store: Any, brain: str = "local") -> Played:

    caller = Caller(conv)
    transcript: list[tuple[str, str]] = []
    replies: list[str] = []
    error = ""
    verdict = Verdict("wrong", [], ["not judged"])
    try:
        with transaction.atomic():
            marks = _marks(store)
            now = datetime.fromisoformat(conv.now).replace(tzinfo=ZoneInfo(store.timezone))
            session, greeting = agent.begin(
                store, channel="selftest", sandbox=True, brain=brain, now=now, lang=conv.lang
            )
            transcript.append(("assistant", greeting.text))
            line: str | None = caller.opening()
            cart: dict[str, Any] = {}
            for _ in range(MAX_TURNS):
                if line is None:
                    break
                reply = agent.respond(session, line)
                transcript += [("caller", line), ("assistant", reply.text)]
                replies.append(reply.text)
                cart = reply.cart or cart
                if reply.ended:
                    break
                line = caller.next_line(reply.text, reply.cart or {})
            agent.finish(session)
            out = _outcome(store, marks)
            heard = caller.first_readback
            if heard is None and not out.orders and cart:
                heard = cart_lines(cart)
            verdict = judge(conv, out, corrections=caller.corrections, heard=heard, replies=replies)
            raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # a crash is a wrong outcome with its reason, not a dead run
        error = f"{type(exc).__name__}: {exc}"
        verdict = Verdict("wrong", [], [error])
    return Played(conv, verdict, transcript, error)


def generate(stores: dict[str, tuple[Any, str]], per_store: int, seed: int) -> list[tuple[Conversation, Any]]:
    """`stores`: slug → (store, "demo" | "unseen")."""
    out = []
    for store, group in stores.values():
        for conv in Generator(store, group).make(per_store, seed):
            out.append((conv, store))
    return out


def summarize(played: list[Played]) -> dict[str, Any]:
    """Rates by group, by language and by group × category × language."""

    def rate(rows: list[Played]) -> dict[str, Any]:
        n = len(rows)
        exact = sum(p.verdict.outcome == "exact" for p in rows)
        corrected = sum(p.verdict.outcome == "corrected" for p in rows)
        return {
            "n": n,
            "exact": round(exact / n, 3) if n else None,
            "exact_after_correction": round((exact + corrected) / n, 3) if n else None,
            "needed_correction": corrected,
            "silent_drops": sum(bool(p.verdict.silent_drops) for p in rows),
        }

    groups: dict[tuple[str, ...], list[Played]] = defaultdict(list)
    for p in played:
        c = p.conv
        groups[("all",)].append(p)
        groups[("group", c.group)].append(p)
        groups[("group_lang", c.group, c.lang)].append(p)
        groups[("cell", c.group, c.category, c.lang)].append(p)
    return {"|".join(k): rate(v) for k, v in sorted(groups.items())}
