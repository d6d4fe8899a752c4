"""Waking idle workers when there is work, without waking all of them.

A broadcast wake made every idle worker claim at once on each accepted mail
and each finished job: under a burst, most claims found nothing and all of
them took the database's time. Here a notice wakes as many waiting workers
of a lane as there are new jobs; polling still finds work queued by other
nodes.

A notice that finds no worker waiting is remembered (a few of them), and the
next worker to wait takes it and returns at once. So a worker that has just
found its lane empty can wait straight away instead of claiming once more
to be sure: work queued in between is not missed, and an empty claim (a
write transaction) is saved after every job of a quiet lane.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

MESSAGES = "messages"
EFFECTS = "effects"


class Waker:
    """Wakes waiting workers of a lane, a given number at a time."""

    def __init__(self, *, remember: int = 16) -> None:
        """``remember``: notices kept per lane while no worker waits (more would
        only wake workers to find nothing)."""
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self._unheard: dict[str, int] = {}
        self._remember = remember

    def notify(self, lane: str, count: int = 1) -> None:
        """Wake up to ``count`` workers waiting in ``lane``; remember the rest."""
        waiting = self._waiting.get(lane)
        while waiting and count > 0:
            future = waiting.popleft()
            if not future.done():
                future.set_result(None)
                count -= 1
        if count > 0:
            self._unheard[lane] = min(self._remember, self._unheard.get(lane, 0) + count)

    def notify_all(self) -> None:
        for lane in list(self._waiting):
            self.notify(lane, count=len(self._waiting[lane]))

    async def wait(self, lane: str, timeout: float) -> None:
        """Return when notified (at once for a notice no worker heard), or after ``timeout``."""
        if self._unheard.get(lane):
            self._unheard[lane] -= 1
            return
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
