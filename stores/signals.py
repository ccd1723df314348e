"""Signals the stores app sends when its data changes in ways model signals do not show
(bulk writes). Listeners: the assistant's context cache."""

from django.dispatch import Signal

# sent with store_id=<int> after a bulk change of the store's hours, catalog or services
store_data_changed = Signal()
