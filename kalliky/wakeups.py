"""Sockets of this process woken from any thread, for the in-process channel layer.

With Redis, news for a socket goes through the channel layer's groups, across processes. With
the in-process layer of `make run`, the news is often written on a worker thread (the call
reactions), and that layer's queues belong to the server's event loop and are not thread-safe:
sockets then register here and are woken with call_soon_threadsafe on their own loop. Used by
the kitchen boards (dashboard/live.py) and the media streams (telephony/media/relay.py)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Hashable
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

Wake = Callable[..., None]


def in_process() -> bool:
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


class Listeners:
    """Per key, the (loop, callback) pairs of the sockets listening in this process."""

    def __init__(self) -> None:
        self._by_key: dict[Hashable, set[tuple[asyncio.AbstractEventLoop, Wake]]] = {}
        self._lock = threading.Lock()

    def add(self, key: Hashable, loop: asyncio.AbstractEventLoop, wake: Wake) -> None:
        with self._lock:
            self._by_key.setdefault(key, set()).add((loop, wake))

    def remove(self, key: Hashable, loop: asyncio.AbstractEventLoop, wake: Wake) -> None:
        with self._lock:
            listeners = self._by_key.get(key)
            if listeners is not None:
                listeners.discard((loop, wake))
                if not listeners:
                    del self._by_key[key]

    def wake(self, key: Hashable, *args: Any) -> None:
        with self._lock:
            listeners = list(self._by_key.get(key, ()))
        for loop, wake in listeners:
            if not loop.is_closed():
                # A fresh context: the writer's (a sync_to_async thread) would make the socket's
                # own database calls think they run inside it and refuse ("would deadlock").
                loop.call_soon_threadsafe(wake, *args, context=contextvars.Context())
