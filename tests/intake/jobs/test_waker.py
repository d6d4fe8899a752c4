"""Waking idle workers: as many as there is new work, and no notice lost in between."""

from __future__ import annotations

import asyncio

from intake.jobs.waker import EFFECTS, MESSAGES, Waker


async def test_a_notice_wakes_only_as_many_waiting_workers_as_it_says() -> None:
    waker = Waker()
    waiting = [asyncio.create_task(waker.wait(EFFECTS, timeout=5)) for _ in range(3)]
    await asyncio.sleep(0)
    waker.notify(EFFECTS, count=2)
    done, pending = await asyncio.wait(waiting, timeout=0.5)
    assert len(done) == 2 and len(pending) == 1
    waker.notify_all()
    await asyncio.wait_for(pending.pop(), timeout=1)


async def test_a_notice_no_worker_heard_lets_the_next_one_go_at_once() -> None:
    """A worker that found nothing and then waits must not sleep through work queued
    in between: that notice is kept for it."""
    waker = Waker()
    waker.notify(MESSAGES)
    await asyncio.wait_for(waker.wait(MESSAGES, timeout=30), timeout=1)
    # Used up: the next wait sleeps until its timeout.
    started = asyncio.get_running_loop().time()
    await waker.wait(MESSAGES, timeout=0.2)
    assert asyncio.get_running_loop().time() - started >= 0.19


async def test_unheard_notices_are_kept_per_lane_and_only_a_few() -> None:
    waker = Waker(remember=2)
    waker.notify(EFFECTS, count=100)
    for _ in range(2):
        await asyncio.wait_for(waker.wait(EFFECTS, timeout=30), timeout=1)
    started = asyncio.get_running_loop().time()
    await waker.wait(EFFECTS, timeout=0.2)
    await waker.wait(MESSAGES, timeout=0.2)  # another lane heard nothing
    assert asyncio.get_running_loop().time() - started >= 0.39
