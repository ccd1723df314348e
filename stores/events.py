"""Domain events of the business: what happened to orders, bookings, complaints and stores.

`stores` knows nothing of payments, messages or assistants. The apps above it (billing,
notifications, …) subscribe to these signals in their `AppConfig.ready()`.

Most are sent with `kalliky.events.publish()` once the transaction that wrote the row has
committed: a subscriber never sees a row that is rolled back afterwards, and a subscriber's
failure cannot undo the business write. Subscribers therefore run in their own transaction and
must be idempotent (an event may be published again for the same row, e.g. a booking edited
twice).

Every signal is sent with the model class as `sender`.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

# order=<Order>, customer_phone=<str: the number the order was taken for>
order_placed = Signal()
# order=<Order>, previous=<str>, status=<str>
order_status_changed = Signal()
# booking=<Reservation | ServiceBooking | Consultation>
booking_made = Signal()
# booking=…, previous_start=<datetime | None>: the booking's start changed (or was first set)
booking_moved = Signal()
# booking=…
booking_cancelled = Signal()
# exchange=<CustomerExchange> (type complaint)
complaint_recorded = Signal()
# Sent synchronously INSIDE the transaction that applies a sector template (not on commit):
# store=<Store>, quiet_actions=<tuple[str, ...]>: the owner notifications this sector turns off.
# Its subscribers' writes (the store's notification settings) must commit or roll back with the
# template, so a store is never seen with its sector applied but its notifications not set.
sector_applied = Signal()
# store_id=<int>: a bulk change of the store's hours, catalog or services (model signals do not
# see bulk writes). The assistant's context cache listens.
store_data_changed = Signal()
# store_id=<int>, order_id=<int>, once the transaction that changed an order or its preparation
# ticket has committed (never for a rolled-back one). Listeners: the kitchen boards.
order_changed = Signal()


def announce_order_changed(store_id: int, order_id: int) -> None:
    transaction.on_commit(lambda: order_changed.send(sender=None, store_id=store_id, order_id=order_id))
