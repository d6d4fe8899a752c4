"""Waking idle workers when there is work, without waking all of them.

A broadcast wake made every idle worker claim at once on each accepted mail
and each finished job: under a burst, most claims found nothing and all of
them took the database's time. Here a notice wakes as many waiting workers
of a lane as there are new jobs; polling still finds work queued by other
nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

MESSAGES = "messages"
EFFECTS = "effects"


class Waker:
    """Wakes waiting workers of a lane, a given number at a time."""

    def __init__(self) -> None:
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}

    def notify(self, lane: str, count: int = 1) -> None:
        """Wake up to ``count`` workers waiting in ``lane``."""
        waiting = self._waiting.get(lane)
        while waiting and count > 0:
            future = waiting.popleft()
            if not future.done():
                future.set_result(None)
                count -= 1

    def notify_all(self) -> None:
        for lane in list(self._waiting):
            self.notify(lane, count=len(self._waiting[lane]))

    async def wait(self, lane: str, timeout: float) -> None:
        """Return when notified, or after ``timeout`` seconds."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = self._waiting.setdefault(lane, deque())
        waiting.append(future)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(future, timeout)
        finally:
            if not future.done():
                future.cancel()
            with contextlib.suppress(ValueError):
                waiting.remove(future)
