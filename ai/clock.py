"""The pretend clock of sandbox conversations ("pretend it is Monday 11:00").

A demo store is closed at night and on Sundays, yet a newcomer should be able to try ordering at
any hour. The test chat and simulated calls therefore start their conversation with a moment of
the owner's choosing; the conversation keeps it as its frozen clock (CallSession.frozen_now, the
one the scenarios use), so every tool sees that moment. Real calls never get one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from stores import availability
from stores.models import Store

# Far enough for "next Monday" or a holiday next month; near enough that the menu, prices and
# hours being tested are today's.
MAX_DISTANCE = timedelta(days=366)


def parse_moment(text: str, tz: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """ "2026-12-07 12:00" or "2026-12-07T12:00" (the store's wall clock), or ISO 8601 with an
    offset. Raises ValueError with a sentence a user can act on."""
    value = (text or "").strip()
    if not value:
        raise ValueError("empty")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date and time like 2026-12-07 12:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if abs(moment - (now or timezone.now())) > MAX_DISTANCE:
        raise ValueError(f"{value!r} is more than a year away from today")
    return moment.astimezone(tz)


@dataclass(frozen=True)
class SandboxDefault:
    """What the test chat proposes: `moment` is None to run on the real clock (the store is open,
    or it has no opening in sight); `closed` says the store is closed right now."""

    closed: bool
    moment: datetime | None


def sandbox_default(store: Store, now: datetime | None = None) -> SandboxDefault:
    """The store's next opening when it is closed now, else the real clock. Two queries."""
    now = now or timezone.now()
    if availability.is_open_at(store, now):
        return SandboxDefault(closed=False, moment=None)
    return SandboxDefault(closed=True, moment=availability.next_opening(store, now))
