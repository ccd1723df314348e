"""What the local brain is waiting for between two caller lines, typed.

`session.pending` stays a plain JSON dict (the session row stores it between turns and the
analysis reads its "booking"), so `Pending` is a view over that dict rather than a copy: it
reads and writes the same keys, and a session stored before this module existed reads the same.
`Expect` names every question the brain can be waiting on; as a StrEnum it compares equal to
the strings already stored, and it is written back as its plain string value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, NotRequired, TypedDict, TypeVar, overload

T = TypeVar("T")


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


class Manage(TypedDict):
    """The caller's bookings being cancelled, moved or read out."""

    action: str  # "cancel", "move" or "show"
    refs: list[str]  # the caller's bookings, in the order they were read out
    ref: NotRequired[str]  # the one picked


class LineChange(TypedDict):
    """A change that fits more than one line, held while the caller says which."""

    change: dict[str, Any]
    was: str | None  # the question asked before, asked again after the change


class _Key(Generic[T]):
    """One key of `session.pending` read as a typed attribute. Setting None or False removes
    the key, as the skills did before with `pop`, so the stored JSON keeps its old shape."""

    def __init__(self, key: str, default: Callable[[], T]) -> None:
        self.key = key
        self.default = default

    @overload
    def __get__(self, obj: None, owner: type) -> _Key[T]: ...
    @overload
    def __get__(self, obj: Pending, owner: type) -> T: ...
    def __get__(self, obj: Pending | None, owner: type) -> T | _Key[T]:
        if obj is None:
            return self
        value = obj.raw.get(self.key)
        return self.default() if value is None else value

    def __set__(self, obj: Pending, value: T) -> None:
        if value is None or value is False:
            obj.raw.pop(self.key, None)
        else:
            obj.raw[self.key] = value


def _none() -> None:
    return None


@dataclass
class Pending:
    """A typed view over `session.pending`: every key a skill keeps between two caller lines
    is an attribute here, so no skill spells a key as a string."""

    raw: dict[str, Any]

    # what the caller last asked about, so "a large one then" / "and is it vegan?" refer to it
    topic_item: ClassVar[_Key[int | None]] = _Key("topic_item", _none)  # the product last priced or described
    topic_size: ClassVar[_Key[str | None]] = _Key(
        "topic_size", _none
    )  # the size named in that price question
    topic_service: ClassVar[_Key[str | None]] = _Key("topic_service", _none)  # the service last priced
    last_was_price: ClassVar[_Key[bool]] = _Key(
        "last_was_price", bool
    )  # "two of them then" orders what was priced
    # offers and warnings made once per call
    usual_offered: ClassVar[_Key[bool]] = _Key(
        "usual_offered", bool
    )  # the greeting offered the caller's usual
    goodbye_warned: ClassVar[_Key[bool]] = _Key("goodbye_warned", bool)  # told the cart is not yet confirmed
    complaint_asked: ClassVar[_Key[bool]] = _Key("complaint_asked", bool)  # asked once what went wrong
    angry: ClassVar[_Key[bool]] = _Key("angry", bool)  # the complaint was said angrily: the tone stays gentle
    human_offered: ClassVar[_Key[bool]] = _Key(
        "human_offered", bool
    )  # a person offered for a group too large
    upsell_categories: ClassVar[_Key[list[str]]] = _Key(
        "upsell_categories", list
    )  # the categories just suggested
    # a skill's own record
    booking: ClassVar[_Key[dict[str, Any] | None]] = _Key("booking", _none)  # the booking being filled in
    manage: ClassVar[_Key[Manage | None]] = _Key("manage", _none)
    queue: ClassVar[_Key[list[dict[str, Any]]]] = _Key(
        "queue", list
    )  # items still to add, the first one asked about
    line_change: ClassVar[_Key[LineChange | None]] = _Key("line_change", _none)

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
