"""The parsing pool: documents run in worker processes with a time and a memory limit."""

from __future__ import annotations

import asyncio
import contextlib
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
