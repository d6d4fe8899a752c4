"""The one clock every rule reads.

``INTAKE_NOW`` starts the clock at a chosen moment and lets it run on from
there, so a deadline day can be rehearsed, demonstrated and tested end to end.
Slack request signatures are the exception: they are checked against the real
clock, because Slack signs with real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Aware UTC time, optionally shifted so that it started at ``start``."""

    def __init__(
        self, start: datetime | None = None, *, real: Callable[[], float] = time.time
    ) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the clock's start needs a time zone (e.g. 2027-05-30T16:00+01:00)")
        self._real = real
        self._offset = (
            timedelta(0) if start is None else start - datetime.fromtimestamp(real(), UTC)
        )

    @property
    def shifted(self) -> bool:
        """True when the clock does not show real time (``INTAKE_NOW`` is set)."""
        return self._offset != timedelta(0)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._real(), UTC) + self._offset


class FixedClock(Clock):
    """A clock that does not move: ``intake parse --received`` judges at one moment."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a fixed moment needs a time zone")
        super().__init__()
        self._moment = moment.astimezone(UTC)

    @property
    def shifted(self) -> bool:
        return True

    def now(self) -> datetime:
        return self._moment
