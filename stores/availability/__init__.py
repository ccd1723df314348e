"""When a store is open and which slot is free: the read-only rules behind the assistant's
availability tools and the dashboard. The writes live in stores.services.bookings; a slot offered
here is never one its overlap checks (`_table_taken`, `_overlapping_bookings`) would refuse.

Time. Everything is computed on UTC instants and only results are shown in the store's zone:
Python compares and subtracts two datetimes of the same zone by their wall clocks, which is wrong
across a DST change. A wall time skipped in spring (02:30 in Paris on the last Sunday of March) is
read with the offset in force before the change, so it lands as far past the gap as it was into it
(03:30), as java.time does; a wall time repeated in autumn is its first occurrence (fold=0). Grids
step in real minutes, so a 23-hour day has no 02:xx slots and a 25-hour day has them twice.

Days. A local day's periods are the ones that open on it: Friday 19:00–01:00 belongs to Friday (its
reservations are Friday's, as the store's sign says), so `opening_periods(saturday)` leaves that
tail out and no period is counted twice when walking days. Questions about a moment (`is_open_at`,
`closes_at`, the check_* functions) also look at the previous day's periods, so Saturday 00:30 is
open. A closed date removes the periods that open on it, tail included.

Queries. Hours and closed dates cost one query (none when the store comes with opening_intervals
and closed_dates prefetched, as the assistant's does), resources one, busy times one per span of
days. `service.store` is one more when the service was not fetched through its store.
"""

from stores.availability.consultations import check_consultation, consultation_slots
from stores.availability.hours import (
    DayHours,
    closes_at,
    day_hours,
    is_open_at,
    next_opening,
    opening_periods,
    store_tz,
    weekly_hours,
)
from stores.availability.reservations import (
    check_reservation,
    last_seating,
    reservation_duration,
    reservation_slots,
)
from stores.availability.services import check_service_slot, service_slots
from stores.availability.slots import Refusal, Slot, first_slots
from stores.models.store import zone_named

__all__ = [
    "DayHours",
    "Refusal",
    "Slot",
    "check_consultation",
    "check_reservation",
    "check_service_slot",
    "closes_at",
    "consultation_slots",
    "day_hours",
    "first_slots",
    "is_open_at",
    "last_seating",
    "next_opening",
    "opening_periods",
    "reservation_duration",
    "reservation_slots",
    "service_slots",
    "store_tz",
    "weekly_hours",
    "zone_named",
]
