"""Compares what a conversation left in the database with what the caller wanted.

exact      the rows are exactly the intent (order lines: product, quantity, variations; the
           booking's service, start and person; the table's party and start; nothing at all
           for a closed day or a question) and the caller never had to refuse a read-back;
corrected  exact, but only after the caller refused a wrong read-back;
wrong      anything else.
A silent drop is counted apart: a product or an option the caller said that is neither in the
cart the assistant read back (or ordered) nor named back in any of its replies (as unknown,
refused or asked about)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.callers.generator import Conversation, Line, fold, spoken


@dataclass
class Outcome:
    orders: list[list[Line]] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
    consultations: int = 0


@dataclass
class Verdict:
    outcome: str  # exact | corrected | wrong
    silent_drops: list[str]
    reasons: list[str]


def _mentioned(word: str, replies: list[str]) -> bool:
    target = fold(word)
    return any(target in fold(r) for r in replies)


def silent_drops(conv: Conversation, heard: list[Line], replies: list[str]) -> list[str]:
    """What the caller asked for that vanished without a word: `heard` is the cart read back
    first (or the final order when there was no read-back)."""
    drops = []
    for want in conv.lines:
        got = [li for li in heard if li.product == want.product]
        if not got:
            if not (_mentioned(spoken(want.product), replies) or _mentioned(want.product, replies)):
                drops.append(want.product)
            continue
        have = {fold(o) for li in got for o in li.options}
        for option in want.options:
            if fold(option) not in have and not _mentioned(option, replies):
                drops.append(f"{want.product}: {option}")
    return drops


def judge(conv: Conversation, out: Outcome, *, corrections: int, heard: list[Line] | None,
          replies: list[str]) -> Verdict:  # fmt: skip
    reasons: list[str] = []
    want_orders = [conv.lines] if conv.lines else []
    if len(out.orders) != len(want_orders):
        reasons.append(f"orders: wanted {len(want_orders)}, got {len(out.orders)}")
    for want, got in zip(want_orders, out.orders, strict=False):
        if sorted(li.key() for li in want) != sorted(li.key() for li in got):
            reasons.append(f"lines: wanted {[li.key() for li in want]}, got {[li.key() for li in got]}")
    want_bookings = [conv.booking] if conv.booking else []
    if len(out.bookings) != len(want_bookings):
        reasons.append(f"bookings: wanted {len(want_bookings)}, got {len(out.bookings)}")
    for want, got in zip(want_bookings, out.bookings, strict=False):
        for key, value in want.items():
            if got.get(key) != value:
                reasons.append(f"booking {key}: wanted {value!r}, got {got.get(key)!r}")
    want_tables = [conv.reservation] if conv.reservation else []
    if len(out.reservations) != len(want_tables):
        reasons.append(f"reservations: wanted {len(want_tables)}, got {len(out.reservations)}")
    for want, got in zip(want_tables, out.reservations, strict=False):
        if want != {k: got.get(k) for k in want}:
            reasons.append(f"reservation: wanted {want}, got {got}")
    if out.consultations != int(conv.consultation):
        reasons.append(f"consultations: wanted {int(conv.consultation)}, got {out.consultations}")
    heard_lines = heard if heard is not None else (out.orders[0] if out.orders else [])
    drops = silent_drops(conv, heard_lines, replies)
    if reasons:
        outcome = "wrong"
    else:
        outcome = "corrected" if corrections else "exact"
    return Verdict(outcome=outcome, silent_drops=drops, reasons=reasons)
