"""Scenarios generated from a store's own catalog, hours and services, run against its assistant.

Each scenario is what a caller of this very store would ask: order each category's first
available item (with a size when it has sizes), book the first and the last slot of a day,
ask for a table on a closed day, order an out-of-stock item, order while closed. Runs inside a
rolled-back transaction, so the self-test never leaves an order or a booking behind."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ai import context
from ai import scenarios as runner
from ai.context import ItemCtx, StoreContext
from ai.models import AssistantSelfTest
from stores import availability
from stores.models import Store, UniversalService

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}
LINES = {
    "fr": {
        "order": "Bonjour, je voudrais {qty} {item}{size}",
        "done": "non merci c'est tout",
        "takeaway": "à emporter",
        "yes": "oui",
        "reserve": "Je voudrais réserver une table pour {party} personnes le {day} à {time}",
        "book": "Je voudrais prendre rendez-vous pour {service} le {day} à {time}",
        "name": "Martin",
        "closed_word": "fermés",
        "unavailable_word": "disponible",
        "consult": "Bonjour, j'aurais besoin d'un rendez-vous pour un conseil sur ma situation",
        "prefer": "le {day} à {time}",
    },
    "en": {
        "order": "Hello, I'd like {qty} {item}{size}",
        "done": "no thanks that's all",
        "takeaway": "for pick up",
        "yes": "yes",
        "reserve": "I'd like to book a table for {party} people on {day} at {time}",
        "book": "I'd like to book a {service} on {day} at {time}",
        "name": "Martin",
        "closed_word": "closed",
        "unavailable_word": "available",
        "consult": "Hello, I would need an appointment for some advice about my situation",
        "prefer": "on {day} at {time}",
    },
}
QTY_WORDS = {"fr": {1: "une", 2: "deux"}, "en": {1: "one", 2: "two"}}


def _day_words(d: date, lang: str) -> str:
    return f"{d.day} {MONTHS['fr'][d.month - 1]}" if lang == "fr" else f"{MONTHS['en'][d.month - 1]} {d.day}"


def _time_words(t: time, lang: str) -> str:
    if lang == "fr":
        return f"{t.hour}h{t.minute:02d}" if t.minute else f"{t.hour}h"
    suffix = "am" if t.hour < 12 else "pm"
    h12 = t.hour % 12 or 12
    return f"{h12}:{t.minute:02d} {suffix}" if t.minute else f"{h12} {suffix}"


def _open_moment(store: Store, start: datetime) -> datetime | None:
    """A moment well inside an opening period, from `start` on."""
    if availability.is_open_at(store, start):
        closes = availability.closes_at(store, start)
        if closes and closes - start >= timedelta(minutes=90):
            return start
    opening = availability.next_opening(store, start + timedelta(minutes=1))
    return opening + timedelta(minutes=15) if opening else None


def _closed_moment(store: Store, start: datetime) -> datetime | None:
    probe = start
    for _ in range(14 * 24 * 2):
        probe += timedelta(minutes=30)
        if not availability.is_open_at(store, probe) and 9 <= probe.hour <= 20:
            return probe
    return None


def _first_day_slots(slots_fn: Any, after: date, days: int = 14) -> list[availability.Slot]:
    """The slots of the first day after `after` (within `days`) that has any."""
    for n in range(1, days + 1):
        slots = slots_fn(after + timedelta(days=n))
        if slots:
            return slots
    return []


def _next_closed_day(store: Store, after: date) -> date | None:
    return next(
        (
            after + timedelta(days=n)
            for n in range(1, 15)
            if not availability.opening_periods(store, after + timedelta(days=n))
        ),
        None,
    )


def _order_turns(ctx: StoreContext, lang: str, item: ItemCtx, qty: int, size: Any) -> list[str]:
    t = LINES[lang]
    size_words = f" {size.value.lower()}" if size is not None else ""
    turns = [t["order"].format(qty=QTY_WORDS[lang][qty], item=item.name, size=size_words), t["done"]]
    if ctx.delivery_enabled:
        turns.append(t["takeaway"])
    turns.append(t["yes"])
    return turns


def build(store: Store, *, now: datetime | None = None) -> list[dict[str, Any]]:
    ctx = context.get_context(store)
    lang = ctx.language if ctx.language in LINES else "fr"
    t = LINES[lang]
    base = context.local_now(ctx, now)
    specs: list[dict[str, Any]] = []

    def add(name: str, at: datetime, turns: list[str], expect: dict[str, Any], **extra: Any) -> None:
        specs.append(
            {
                "name": name,
                "store": store.slug,
                "lang": lang,
                "now": at.replace(tzinfo=None).isoformat(timespec="minutes"),
                "turns": turns,
                "expect": expect,
                **extra,
            }
        )

    open_at = _open_moment(store, base)
    if ctx.has_products and open_at is not None:
        for category in ctx.categories:
            item = next((i for i in ctx.items if i.category == category and i.available), None)
            if item is None:
                continue
            sizes = [v for v in item.sizes if v.is_available]
            size = sizes[-1] if item.needs_size else None
            qty = 2
            unit = size.unit_price(item.price) if size is not None else item.price
            if item.sizes and size is None:  # one size: the tool picks it
                unit = item.sizes[0].unit_price(item.price)
            add(
                f"order {item.name}" + (f" ({size.value})" if size else ""),
                open_at,
                _order_turns(ctx, lang, item, qty, size),
                {
                    "orders": [
                        {
                            "lines": [
                                {"name": item.name, "quantity": qty, "options": [size.value] if size else []}
                            ],
                            "total": str((unit * qty).quantize(Decimal("0.01"))),
                        }
                    ]
                },
            )
        unavailable = next((i for i in ctx.items if not i.available), None)
        setup: dict[str, Any] = {}
        if unavailable is None:
            unavailable = next(
                (i for i in ctx.items if not i.needs_size), ctx.items[0] if ctx.items else None
            )
            if unavailable is not None:
                setup = {"product_status": {unavailable.name: "out_of_stock"}}
        if unavailable is not None:
            add(
                f"out of stock: {unavailable.name}",
                open_at,
                [
                    {
                        "caller": t["order"].format(qty=QTY_WORDS[lang][1], item=unavailable.name, size=""),
                        "expect_reply": [t["unavailable_word"]],
                    }
                ],
                {"orders": []},
                setup=setup,
            )
        closed_at = _closed_moment(store, base)
        if closed_at is not None and ctx.items:
            item = next((i for i in ctx.items if i.available and not i.needs_size), ctx.items[0])
            add(
                f"order while closed ({closed_at:%a %H:%M})",
                closed_at,
                [
                    {
                        "caller": t["order"].format(qty=QTY_WORDS[lang][1], item=item.name, size=""),
                        "expect_reply": [t["closed_word"]],
                    },
                    t["yes"],
                ],
                {"orders": []},
            )
    if ctx.has_reservations and open_at is not None:
        slots = _first_day_slots(
            lambda d: availability.reservation_slots(store, d, 2, now=open_at), open_at.date()
        )
        if slots:
            for label, slot in (("first", slots[0]), ("last", slots[-1])):
                local = slot.starts_at.astimezone(base.tzinfo)
                add(
                    f"table for 2, {label} slot {local:%a %H:%M}",
                    open_at,
                    [
                        t["reserve"].format(
                            party=2, day=_day_words(local.date(), lang), time=_time_words(local.time(), lang)
                        ),
                        t["name"],
                        t["yes"],
                    ],
                    {
                        "reservations": [
                            {"party_size": 2, "starts_at": local.replace(tzinfo=None).isoformat()}
                        ]
                    },
                )
        closed_day = _next_closed_day(store, open_at.date())
        if closed_day is not None:
            add(
                f"table on a closed day ({closed_day:%a %d %b})",
                open_at,
                [
                    t["reserve"].format(
                        party=2, day=_day_words(closed_day, lang), time=_time_words(time(20, 0), lang)
                    )
                ],
                {"reservations": []},
            )
    service = next((s for s in ctx.services if s.pattern != UniversalService.Pattern.AVAILABILITY), None)
    if service is not None:
        model = store.services.get(pk=service.id)
        at = _open_moment(store, base) or base
        slots = _first_day_slots(lambda d: availability.service_slots(model, d, now=at), at.date())
        if slots:
            for label, slot in (("first", slots[0]), ("last", slots[-1])):
                local = slot.starts_at.astimezone(base.tzinfo)
                add(
                    f"{service.name}, {label} slot {local:%a %H:%M}",
                    at,
                    [
                        t["book"].format(
                            service=service.name,
                            day=_day_words(local.date(), lang),
                            time=_time_words(local.time(), lang),
                        ),
                        t["name"],
                        t["yes"],
                    ],
                    {
                        "service_bookings": [
                            {"service": service.name, "starts_at": local.replace(tzinfo=None).isoformat()}
                        ]
                    },
                )
        closed_day = next(
            (at.date() + timedelta(days=n) for n in range(1, 15) if not availability.service_slots(
                model, at.date() + timedelta(days=n), now=at
            )),
            None,
        )  # fmt: skip
        if closed_day is not None:
            add(
                f"{service.name} on a closed day ({closed_day:%a %d %b})",
                at,
                [
                    t["book"].format(
                        service=service.name,
                        day=_day_words(closed_day, lang),
                        time=_time_words(time(11, 0), lang),
                    )
                ],
                {"service_bookings": []},
            )
    if ctx.has_consultations:
        at = _open_moment(store, base) or base
        slots = _first_day_slots(lambda d: availability.consultation_slots(store, d, now=at), at.date())
        if slots:
            local = slots[0].starts_at.astimezone(base.tzinfo)
            add(
                f"consultation, first slot {local:%a %H:%M}",
                at,
                [
                    t["consult"],
                    t["prefer"].format(
                        day=_day_words(local.date(), lang), time=_time_words(local.time(), lang)
                    ),
                    t["name"],
                    t["yes"],
                ],
                {
                    "consultations": [
                        {"status": "scheduled", "preferred_at": local.replace(tzinfo=None).isoformat()}
                    ]
                },
            )
        closed_day = _next_closed_day(store, at.date())
        reopen = (
            _first_day_slots(lambda d: availability.consultation_slots(store, d, now=at), closed_day)
            if closed_day is not None
            else []
        )
        if closed_day is not None and reopen:
            # The assistant says the day is closed and when it reopens; the caller takes that.
            local = reopen[0].starts_at.astimezone(base.tzinfo)
            add(
                f"consultation asked on a closed day ({closed_day:%a %d %b}), then {local:%a %H:%M}",
                at,
                [
                    t["consult"],
                    t["prefer"].format(day=_day_words(closed_day, lang), time=_time_words(time(10, 0), lang)),
                    t["prefer"].format(
                        day=_day_words(local.date(), lang), time=_time_words(local.time(), lang)
                    ),
                    t["name"],
                    t["yes"],
                ],
                {
                    "consultations": [
                        {"status": "scheduled", "preferred_at": local.replace(tzinfo=None).isoformat()}
                    ]
                },
            )
    return specs


def run(
    store: Store,
    *,
    trigger: str = AssistantSelfTest.Trigger.MANUAL,
    now: datetime | None = None,
    report: AssistantSelfTest | None = None,
) -> AssistantSelfTest:
    if report is None:
        report = AssistantSelfTest.objects.create(store=store, trigger=trigger)
    report.status = AssistantSelfTest.Status.RUNNING
    report.save(update_fields=["status"])
    try:
        specs = build(store, now=now)
        results = [runner.run(spec, store=store, rollback=True) for spec in specs]
    except Exception as exc:  # the report says why instead of staying "running" forever
        report.status = AssistantSelfTest.Status.ERROR
        report.error = f"{type(exc).__name__}: {exc}"
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        return report
    report.results = [r.as_dict() for r in results]
    report.total = len(results)
    report.passed = sum(1 for r in results if r.passed)
    report.status = (
        AssistantSelfTest.Status.PASSED if report.passed == report.total else AssistantSelfTest.Status.FAILED
    )
    report.finished_at = timezone.now()
    report.save(update_fields=["results", "total", "passed", "status", "finished_at"])
    return report
