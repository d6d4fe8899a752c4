"""How long the SMTP receiver takes, measured where it happens and shown in ``/metrics``.

Two figures an operator needs on deadline day, both from the receiver process
and kept in shared memory so the service's ``/metrics`` can show them:

* the accept time: from a message's final dot to our ``250``, as a Prometheus
  histogram (the client's own view adds its network and its CPU);
* the event loop's lag: how late a 10 ms timer fires while clients are connected,
  as the largest lag seen and a count of stalls over 50 ms. A blocked loop stalls
  every session at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

ACCEPT_BUCKETS = (
    0.005, 0.01, 0.02, 0.03, 0.04, 0.045, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip
"""Upper bounds (seconds) of the accept-time histogram's buckets; +Inf is implied.

0.045 sits just under the 50 ms the receiver is held to on deadline day, so that
a p99 close to it shows on which side it is (40-50 ms was one bucket)."""
STALL = 0.05
"""A loop that wakes this much late has kept every session waiting."""


class Histogram:
    """A fixed-bucket histogram that processes can share (observe in one, read in another).

    Counts live in a shared array of integers: per bucket, then the number and the
    sum (in microseconds) of all observations. Single writer, so no lock.
    """

    def __init__(self, buckets: Sequence[float], context: Any | None = None) -> None:
        self.buckets = tuple(buckets)
        context = context or multiprocessing.get_context("spawn")
        self._counts = context.Array("q", len(self.buckets) + 3, lock=False)

    def observe(self, seconds: float) -> None:
        counts = self._counts
        for index, bound in enumerate(self.buckets):
            if seconds <= bound:
                counts[index] += 1
                break
        else:
            counts[len(self.buckets)] += 1
        counts[len(self.buckets) + 1] += 1
        counts[len(self.buckets) + 2] += int(seconds * 1_000_000)

    def exposition(self, name: str, help_text: str) -> list[str]:
        """Prometheus text-format lines: cumulative buckets, ``_sum`` and ``_count``."""
        counts = list(self._counts)
        lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
        running = 0
        for index, bound in enumerate(self.buckets):
            running += counts[index]
            lines.append(f'{name}_bucket{{le="{bound:g}"}} {running}')
        lines.append(f'{name}_bucket{{le="+Inf"}} {running + counts[len(self.buckets)]}')
        lines.append(f"{name}_sum {counts[len(self.buckets) + 2] / 1_000_000:.6f}")
        lines.append(f"{name}_count {counts[len(self.buckets) + 1]}")
        return lines

    def quantile(self, fraction: float) -> float | None:
        """The upper bound of the bucket holding the ``fraction`` quantile (None if empty,
        ``inf`` past the last bucket)."""
        counts = list(self._counts)
        running, cumulative = 0, []
        for index, bound in enumerate((*self.buckets, float("inf"))):
            running += counts[index]
            cumulative.append((bound, running))
        return bucket_quantile(cumulative, fraction)


def bucket_quantile(cumulative: Sequence[tuple[float, int]], fraction: float) -> float | None:
    """The ``fraction`` quantile of a histogram given as cumulative ``(upper bound,
    count)`` buckets, the last one +Inf (as ``/metrics`` shows them): the bound of
    the first bucket that holds it, or None for an empty histogram."""
    total = cumulative[-1][1] if cumulative else 0
    if total == 0:
        return None
    return next(bound for bound, count in cumulative if count >= fraction * total)


class LoopLag:
    """The largest lag of an event loop and its stalls, shared between processes."""

    def __init__(self, context: Any | None = None) -> None:
        context = context or multiprocessing.get_context("spawn")
        self._max_us = context.Value("q", 0, lock=False)
        self._stalls = context.Value("q", 0, lock=False)

    @property
    def max_seconds(self) -> float:
        return self._max_us.value / 1_000_000

    @property
    def stalls(self) -> int:
        return int(self._stalls.value)

    def record(self, lag: float) -> None:
        if lag * 1_000_000 > self._max_us.value:
            self._max_us.value = int(lag * 1_000_000)
        if lag > STALL:
            self._stalls.value += 1

    async def watch(
        self,
        period: float = 0.01,
        *,
        idle_period: float = 0.2,
        busy: Callable[[], bool] = lambda: True,
    ) -> None:
        """Run in the loop to be watched: sleep ``period``, note how late it woke.

        While ``busy()`` is false (no client connected) it sleeps ``idle_period``
        instead: a lag then delays nobody, and waking a hundred times a second
        cost the idle receiver 19 ms of CPU a second here, taken from the parsing
        workers through a whole burst's drain.
        """
        loop = asyncio.get_running_loop()
        while True:
            step = period if busy() else idle_period
            planned = loop.time() + step
            await asyncio.sleep(step)
            self.record(max(0.0, loop.time() - planned))
