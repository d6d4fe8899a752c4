"""Pacing posts per Slack channel.

Slack allows about one ``chat.postMessage`` a second per channel (with short
bursts) and answers 429 beyond that. A burst of bids on closing day would hit
that wall and then wait for ``Retry-After``; pacing the posts ourselves keeps
them flowing steadily instead, and keeps the channel readable.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class ChannelPacer:
    """Lets one post into a channel at a time, at most one every ``interval`` seconds.

    Pacing is per process: several nodes each keep their own pace, and Slack's
    429 with ``Retry-After`` catches what they add up to.
    """

    def __init__(self, interval: float = 1.0, *, clock: Callable[[], float] = time.monotonic):
        if interval < 0:
            raise ValueError("the interval cannot be negative")
        self.interval = interval
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    @asynccontextmanager
    async def turn(self, channel: str) -> AsyncIterator[None]:
        """Wait for ``channel``'s turn, then hold it while the post is made."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            last = self._last.get(channel)
            if last is not None:
                wait = last + self.interval - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._last[channel] = self._clock()
