"""The parsing pool: documents run in worker processes with a time and a memory limit."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from intake.pool import ParseFailed, ParsePool


def _pool(**limits: float) -> ParsePool:
    return ParsePool(
        workers=1,
        timeout=limits.get("timeout", 10.0),
        memory_mb=int(limits.get("memory_mb", 512)),
        niceness=0,
    )


def test_a_document_waiting_for_the_worker_is_not_charged_its_wait() -> None:
    async def scenario() -> list[float]:
        pool = _pool(timeout=1.5)
        try:
            await pool.start()
            # One worker, two documents of 0.8 s each handed over at once: the second
            # waits 0.8 s in the pipe and must still get its full 1.5 s.
            started = time.monotonic()
            await asyncio.gather(pool.run(time.sleep, 0.8), pool.run(time.sleep, 0.8))
            return [time.monotonic() - started]
        finally:
            pool.close()

    (elapsed,) = asyncio.run(scenario())
    assert elapsed >= 1.6  # one after the other, in the one worker


def test_a_document_over_its_time_limit_fails_with_a_reason_and_the_pool_goes_on() -> None:
    async def scenario() -> tuple[str, int]:
        pool = _pool(timeout=1.5)
        try:
            await pool.start()
            with pytest.raises(ParseFailed) as failed:
                await pool.run(time.sleep, 30)
            return failed.value.reason, await pool.run(os.getpid)
        finally:
            pool.close()

    reason, worker = asyncio.run(scenario())
    assert reason == "reading the file took longer than 1.5 seconds"
    assert worker > 0  # a new worker took over from the one that overran


def test_a_document_over_its_memory_limit_fails_with_a_reason() -> None:
    async def scenario() -> str:
        pool = _pool(memory_mb=400)
        try:
            await pool.start()
            with pytest.raises(ParseFailed) as failed:
                await pool.run(bytearray, 2_000_000_000)
            return failed.value.reason
        finally:
            pool.close()

    assert asyncio.run(scenario()) == "reading the file needed more memory than allowed"
