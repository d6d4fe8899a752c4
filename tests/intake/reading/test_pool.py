"""The parsing pool: documents run in worker processes with a time and a memory limit."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time
from collections.abc import AsyncIterator

import pytest

from intake.reading.pool import ParseFailed, ParsePool


@contextlib.asynccontextmanager
async def running_pool(*, timeout: float = 10.0, memory_mb: int = 512) -> AsyncIterator[ParsePool]:
    """A started pool of one worker, closed afterwards."""
    pool = ParsePool(workers=1, timeout=timeout, memory_mb=memory_mb, niceness=0)
    try:
        await pool.start()
        yield pool
    finally:
        pool.close()


def test_a_document_waiting_for_the_worker_is_not_charged_its_wait() -> None:
    async def scenario() -> float:
        async with running_pool(timeout=1.5) as pool:
            # One worker, two documents of 0.8 s each handed over at once: the second
            # waits 0.8 s in the pipe and must still get its full 1.5 s.
            started = time.monotonic()
            await asyncio.gather(pool.run(time.sleep, 0.8), pool.run(time.sleep, 0.8))
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 1.6  # one after the other, in the one worker


def test_a_document_over_its_time_limit_fails_with_a_reason_and_the_pool_goes_on() -> None:
    async def scenario() -> tuple[str, int]:
        async with running_pool(timeout=1.5) as pool:
            with pytest.raises(ParseFailed) as failed:
                await pool.run(time.sleep, 30)
            return failed.value.reason, await pool.run(os.getpid)

    reason, worker = asyncio.run(scenario())
    assert reason == "reading the file took longer than 1.5 seconds"
    assert worker > 0  # a new worker took over from the one that overran


def test_a_document_over_its_memory_limit_fails_with_a_reason() -> None:
    async def scenario() -> str:
        async with running_pool(memory_mb=400) as pool:
            with pytest.raises(ParseFailed) as failed:
                await pool.run(bytearray, 2_000_000_000)
            return failed.value.reason

    assert asyncio.run(scenario()) == "reading the file needed more memory than allowed"


_pinned: list[bytearray] = []


def _churn(megabytes: int) -> int:
    """Fill and free ``megabytes`` of the heap, keeping a block above it (so glibc
    cannot simply shrink the heap's top); the worker's resident MB while full."""
    chunks = [bytearray(64 * 1024) for _ in range(megabytes * 16)]
    _pinned.append(bytearray(64 * 1024))
    with open("/proc/self/statm") as statm:
        full = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20
    del chunks
    return full


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc")
def test_a_worker_hands_back_the_memory_a_document_freed() -> None:
    async def scenario() -> tuple[int, int]:
        async with running_pool() as pool:
            full = await pool.run(_churn, 150)
            return full, await pool.run(_resident)

    full, after = asyncio.run(scenario())
    assert after < full - 100  # the 150 MB freed left the worker, not kept in its heap


def test_a_worker_steps_back_from_the_service_by_its_niceness() -> None:
    async def scenario() -> int:
        pool = ParsePool(workers=1, timeout=10.0, memory_mb=512, niceness=4)
        try:
            await pool.start()
            return await pool.run(os.nice, 0)  # the worker's own niceness
        finally:
            pool.close()

    assert asyncio.run(scenario()) == min(19, os.nice(0) + 4)


def test_what_a_worker_starts_with_is_left_out_of_the_collectors_full_passes() -> None:
    # The readers the fork server loaded (tens of thousands of objects) live as long
    # as the worker; a full collection walking them after every few documents cost
    # CPU a burst runs short of, and copied the pages the workers share.
    async def scenario() -> int:
        async with running_pool() as pool:
            return await pool.run(gc.get_freeze_count)

    assert asyncio.run(scenario()) > 1000
