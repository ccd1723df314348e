"""Signals the stores app sends when its data changes in ways model signals do not show
(bulk writes), and the domain events upper apps subscribe to."""

from django.db import transaction
from django.dispatch import Signal

# sent with store_id=<int> after a bulk change of the store's hours, catalog or services
store_data_changed = Signal()

# sent with store_id=<int>, order_id=<int> once the transaction that changed an order or its
# preparation ticket has committed (never for a rolled-back one). Listeners: the kitchen boards.
order_changed = Signal()


def announce_order_changed(store_id: int, order_id: int) -> None:
    transaction.on_commit(lambda: order_changed.send(sender=None, store_id=store_id, order_id=order_id))
