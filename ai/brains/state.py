"""What the local brain is waiting for between two caller lines, typed.

`session.pending` stays a plain JSON dict (the session row stores it between turns and the
analysis reads its "booking"), so `Pending` is a view over that dict rather than a copy: it
reads and writes the same keys, and a session stored before this module existed reads the same.
`Expect` names every question the brain can be waiting on; as a StrEnum it compares equal to
the strings already stored, and it is written back as its plain string value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Expect(StrEnum):
    """The question the brain last asked; its handler is in `LocalBrain.ANSWERS`."""

    # orders
    MORE = "more"  # "Anything else?"
    SIZE = "size"
    QUANTITY_CHECK = "quantity_check"  # "fifty pizzas, really?"
    WHICH_LINE = "which_line"  # a change that fits more than one line of the order
    UPSELL = "upsell"
    DELIVERY_TYPE = "delivery_type"
    ADDRESS = "address"
    CONFIRM_ORDER = "confirm_order"  # the order's read-back
    # bookings
    BOOKING = "booking"  # party size, service, day or time
    BOOKING_FIELD = "booking_field"  # a field the owner added to the booking form
    BOOKING_PROBLEM = "booking_problem"  # what a consultation is about
    URGENT_OFFER = "urgent_offer"
    BOOKING_NAME = "booking_name"
    BOOKING_CONFIRM = "booking_confirm"  # the booking's read-back
    # managing bookings
    MANAGE_PICK = "manage_pick"
    MANAGE_CONFIRM = "manage_confirm"
    MANAGE_WHEN = "manage_when"
    # complaints and hand-over
    COMPLAINT = "complaint"
    HUMAN_OFFER = "human_offer"


@dataclass
class Pending:
    """A typed view over `session.pending` for the keys every skill shares; a skill's own
    record ("booking", "manage", "queue", "line_change") stays a dict under its key."""

    raw: dict[str, Any]

    @property
    def expect(self) -> Expect | None:
        try:
            return Expect(self.raw.get("expect"))
        except ValueError:  # nothing asked (None), or a key this version no longer asks
            return None

    @expect.setter
    def expect(self, value: Expect | None) -> None:
        if value is None:
            self.raw.pop("expect", None)
        else:
            self.raw["expect"] = str(value)

    @property
    def asked(self) -> str | None:
        """The question itself, asked again after an aside."""
        return self.raw.get("asked")

    @property
    def yes_no(self) -> bool:
        return bool(self.raw.get("yes_no"))

    def ask(self, expect: Expect, asked: str, *, yes_no: bool) -> None:
        self.raw["expect"] = str(expect)
        self.raw["yes_no"] = yes_no
        self.raw["asked"] = asked
