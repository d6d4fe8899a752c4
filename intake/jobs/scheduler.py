"""The deadline scheduler: one task per node that claims alerts as they fall due.

It sleeps until the next alert's moment (by the service's clock, so
``INTAKE_NOW`` rehearsals work) or a minute at most, claims what is due and
wakes the workers, which send it. Every node runs one; the claim in the
database makes each alert go out once. Like the workers it knows no feature:
the composition root gives it the claiming (:func:`intake.bids.deadlines.claim_due`)
and the calendar's next moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.exc import DBAPIError, OperationalError

from intake.clock import Clock
from intake.jobs.waker import EFFECTS, Waker

log = logging.getLogger("intake.jobs.scheduler")

MAX_SLEEP = 60.0


class Scheduler:
    """Claims due deadline alerts until stopped."""

    def __init__(
        self,
        *,
        claim: Callable[[], Awaitable[list[str]]],
        next_moment: Callable[[datetime], datetime | None],
        clock: Clock,
        waker: Waker,
        name: str,
        max_sleep: float = MAX_SLEEP,
    ) -> None:
        """``claim`` claims and queues what is due (returning the keys claimed);
        ``next_moment(now)`` says when something next falls due."""
        self.claim = claim
        self.next_moment = next_moment
        self.clock = clock
        self.waker = waker
        self.name = name
        self.max_sleep = max_sleep
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.name}/scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if await self.claim():
                    self.waker.notify(EFFECTS)
            except (OperationalError, DBAPIError) as exc:
                log.warning(
                    "cannot claim deadline alerts (%s); trying again", exc.__class__.__name__
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._sleep())

    def _sleep(self) -> float:
        now = self.clock.now()
        upcoming = self.next_moment(now)
        if upcoming is None:
            return self.max_sleep
        # A little past the moment, so the clock has surely reached it.
        return max(0.05, min(self.max_sleep, (upcoming - now).total_seconds() + 0.05))
