"""A job's last writes commit with its being marked done and the worker's next claim."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.jobs.finishing import last_transaction
from intake.jobs.waker import Waker
from intake.jobs.worker import Workers
from intake.store import queue
from intake.store.engine import make_engine, write_commits
from intake.store.migrate import migrate
from intake.store.queue import Job, NewJob
from intake.store.schema import jobs


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


@dataclass
class Node:
    engine: AsyncEngine
    node: str = "test:1"
    waker: Waker = field(default_factory=Waker)


async def _states(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as connection:
        return dict((await connection.execute(select(jobs.c.key, jobs.c.state))).all())


async def _put(engine: AsyncEngine, *keys: str, kind: str = "work") -> None:
    async with engine.begin() as connection:
        for key in keys:
            await queue.enqueue(connection, NewJob(kind=kind, key=key))


async def _run_until(workers: Workers, done: Any, timeout: float = 10.0) -> None:
    await workers.start()
    try:
        async with asyncio.timeout(timeout):
            while not await done():
                await asyncio.sleep(0.05)
    finally:
        await workers.stop(grace=1.0)


async def test_the_last_writes_the_job_done_and_the_next_claim_are_one_commit(
    engine: AsyncEngine,
) -> None:
    await _put(engine, "first", "second")
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    claimed_next: list[str] = []

    async def work(job: Job) -> None:
        before = len(commits)
        async with last_transaction(engine) as connection:
            await queue.enqueue(connection, NewJob(kind="effect", key=f"effect of {job.key}"))
        assert len(commits) == before + 1  # nothing committed after it for this job
        claimed_next.append(job.key)

    workers = Workers(Node(engine), {"work": work}, message_slots=0, effect_slots=1)

    async def both_done() -> bool:
        states = await _states(engine)
        return states["first"] == states["second"] == "done"

    writes = write_commits(engine) or 0
    await _run_until(workers, both_done)
    states = await _states(engine)
    assert states["effect of first"] == states["effect of second"] == "pending"
    assert claimed_next == ["first", "second"]
    # A claim, then each job's last transaction (the second claimed by the first's);
    # the effects' lane is not running here.
    assert (write_commits(engine) or 0) - writes == 3


async def test_a_failed_last_transaction_stores_nothing_and_the_job_runs_again(
    engine: AsyncEngine,
) -> None:
    await _put(engine, "flaky")
    tries: list[int] = []

    async def work(job: Job) -> None:
        tries.append(job.attempts)
        async with last_transaction(engine) as connection:
            await queue.enqueue(connection, NewJob(kind="effect", key=f"effect {job.attempts}"))
            if job.attempts == 1:
                raise RuntimeError("the disk is full")

    workers = Workers(Node(engine), {"work": work}, message_slots=0, effect_slots=1)

    async def retried() -> bool:
        async with engine.begin() as connection:  # skip the back-off
            await connection.execute(jobs.update().values(run_after=queue.real_now()))
        return (await _states(engine)).get("flaky") == "done"

    await _run_until(workers, retried)
    states = await _states(engine)
    assert tries == [1, 2]
    assert "effect 1" not in states  # the failed try's writes went with it
    assert states["effect 2"] == "pending"


async def test_outside_a_worker_it_is_an_ordinary_transaction(engine: AsyncEngine) -> None:
    await _put(engine, "untouched")
    async with last_transaction(engine) as connection:
        await queue.enqueue(connection, NewJob(kind="effect", key="by hand"))
    assert await _states(engine) == {"untouched": "pending", "by hand": "pending"}
