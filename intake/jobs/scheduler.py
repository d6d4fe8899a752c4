"""The deadline scheduler: one task per node that claims alerts as they fall due.

It sleeps until the next alert's moment (by the service's clock, so
``INTAKE_NOW`` rehearsals work) or a minute at most, claims what is due and
wakes the workers, which send it. Every node runs one; the claim in the
database makes each alert go out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import DBAPIError, OperationalError

from intake.bids.deadlines import claim_due, next_moment
from intake.jobs.waker import EFFECTS
from intake.runtime import Runtime

log = logging.getLogger("intake.jobs.scheduler")

MAX_SLEEP = 60.0


class Scheduler:
    """Claims due deadline alerts until stopped."""

    def __init__(self, runtime: Runtime, *, max_sleep: float = MAX_SLEEP) -> None:
        self.runtime = runtime
        self.max_sleep = max_sleep
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.runtime.node}/scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if await claim_due(self.runtime):
                    self.runtime.waker.notify(EFFECTS)
            except (OperationalError, DBAPIError) as exc:
                log.warning(
                    "cannot claim deadline alerts (%s); trying again", exc.__class__.__name__
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._sleep())

    def _sleep(self) -> float:
        now = self.runtime.clock.now()
        upcoming = next_moment(self.runtime.config, now)
        if upcoming is None:
            return self.max_sleep
        # A little past the moment, so the clock has surely reached it.
        return max(0.05, min(self.max_sleep, (upcoming - now).total_seconds() + 0.05))
