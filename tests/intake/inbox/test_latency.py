"""The receiver's timings: an accept-time histogram and the event loop's lag."""

from __future__ import annotations

import asyncio
import time

from intake.inbox.latency import Histogram, LoopLag


def test_accept_times_land_in_cumulative_buckets_with_sum_and_count() -> None:
    histogram = Histogram((0.01, 0.05, 0.1))
    for seconds in (0.002, 0.008, 0.03, 0.2):
        histogram.observe(seconds)
    lines = histogram.exposition("intake_smtp_accept_seconds", "Final dot to 250.")
    assert "# TYPE intake_smtp_accept_seconds histogram" in lines
    assert 'intake_smtp_accept_seconds_bucket{le="0.01"} 2' in lines
    assert 'intake_smtp_accept_seconds_bucket{le="0.05"} 3' in lines
    assert 'intake_smtp_accept_seconds_bucket{le="0.1"} 3' in lines
    assert 'intake_smtp_accept_seconds_bucket{le="+Inf"} 4' in lines
    assert "intake_smtp_accept_seconds_count 4" in lines
    assert "intake_smtp_accept_seconds_sum 0.240000" in lines


def test_a_quantile_is_the_bound_of_its_bucket() -> None:
    histogram = Histogram((0.01, 0.05, 0.1))
    assert histogram.quantile(0.99) is None
    for _ in range(98):
        histogram.observe(0.004)
    histogram.observe(0.07)
    histogram.observe(3.0)
    assert histogram.quantile(0.5) == 0.01
    assert histogram.quantile(0.99) == 0.1
    assert histogram.quantile(1.0) == float("inf")


def test_a_blocked_event_loop_is_seen_as_a_stall() -> None:
    lag = LoopLag()

    async def scene() -> None:
        watching = asyncio.create_task(lag.watch(period=0.005))
        await asyncio.sleep(0.05)
        time.sleep(0.12)  # a parser run on the loop by mistake
        await asyncio.sleep(0.03)
        watching.cancel()

    asyncio.run(scene())
    assert lag.stalls >= 1
    assert lag.max_seconds >= 0.1


class _CountedLag(LoopLag):
    def __init__(self) -> None:
        super().__init__()
        self.wakes = 0

    def record(self, lag: float) -> None:
        self.wakes += 1
        super().record(lag)


def test_with_no_client_connected_the_watch_wakes_seldom_and_stalls_are_still_seen() -> None:
    """Waking a hundred times a second cost the idle receiver 19 ms of CPU a second,
    taken from the parsing workers through a whole deadline-day drain; a stall
    with nobody connected delays nobody."""
    lag = _CountedLag()
    connected = False

    async def scene() -> None:
        nonlocal connected
        watching = asyncio.create_task(
            lag.watch(period=0.005, idle_period=0.1, busy=lambda: connected)
        )
        await asyncio.sleep(0.35)
        idle_wakes = lag.wakes
        assert idle_wakes <= 4
        connected = True
        await asyncio.sleep(0.15)  # the idle sleep under way ends, then the short ones
        assert lag.wakes - idle_wakes >= 5
        time.sleep(0.12)  # a parser run on the loop by mistake, with a client waiting
        await asyncio.sleep(0.03)
        watching.cancel()

    asyncio.run(scene())
    assert lag.stalls >= 1
    assert lag.max_seconds >= 0.1
