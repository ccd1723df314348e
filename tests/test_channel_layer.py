"""The channel layer on Redis keeps an idle socket's subscription alive (PostgreSQL + Redis run)."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer


async def test_an_idle_subscription_outlives_the_redis_read_timeout() -> None:
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        pytest.skip("the in-process layer has no Redis connection (the CI's Redis run covers it)")
    channel = await layer.new_channel()
    # Nothing is sent: the wait must end on our clock after 7 s, not with redis-py's read timeout
    # (5 s by default, the same as channels_redis's blocking pop) killing the socket's consumer.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 7)
    await layer.send(channel, {"type": "still.here"})
    assert (await asyncio.wait_for(layer.receive(channel), 5))["type"] == "still.here"
