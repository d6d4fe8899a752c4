"""``/healthz`` is told when jobs wait too long or fail again and again, and which."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.jobs.failures import FailureWatch, JobHealth, overdue, overdue_problems
from intake.store import queue
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from intake.store.queue import NewJob
from intake.store.schema import jobs


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


def test_failures_within_the_window_are_counted_and_named() -> None:
    now = [1000.0]
    watch = FailureWatch(JobHealth(failures=3, window=60, attempts=4), now=lambda: now[0])
    for n in range(2):
        watch.failed("ack", f"ack:{n}:v1", attempts=1, error="relay refused")
    assert watch.problems() == []
    watch.failed("card", "card:9:v1", attempts=1, error="Slack said no")
    [problem] = watch.problems()
    assert problem.startswith("3 job runs failed in the last 60 s (ack, card)")
    assert "card card:9:v1: Slack said no" in problem
    now[0] += 61
    assert watch.problems() == [] and watch.recent() == 0 and watch.total == 3


def test_a_job_retried_often_is_named_until_it_succeeds() -> None:
    watch = FailureWatch(JobHealth(failures=100, attempts=3))
    watch.failed("message", "message:m1", attempts=2, error="boom")
    assert watch.problems() == []
    watch.failed("message", "message:m1", attempts=3, error="boom")
    assert watch.problems() == ["job message message:m1 has failed 3 times: boom"]
    watch.succeeded("message:m1")
    assert watch.problems() == []


def test_only_kinds_waiting_past_the_bound_are_overdue() -> None:
    now = queue.real_now()
    oldest = {"message": now - timedelta(seconds=700), "card": now - timedelta(seconds=5)}
    waits = overdue(oldest, now=now, max_wait=600)
    assert list(waits) == ["message"]
    assert overdue_problems(waits, max_wait=600) == [
        "the oldest message job has waited 700 s to run (bound 600 s)"
    ]


async def test_the_oldest_due_job_of_each_kind_is_read(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        await queue.enqueue(connection, NewJob("message", "message:a"))
        await queue.enqueue(connection, NewJob("message", "message:b"))
        await queue.enqueue(connection, NewJob("card", "card:later"), delay=3600)
        old = queue.real_now() - timedelta(hours=2)
        await connection.execute(
            update(jobs).where(jobs.c.key == "message:a").values(run_after=old)
        )
    oldest = await queue.oldest_due(database, ["message", "card", "ack"])
    assert oldest["message"] == old
    # Queued for later: not due, yet it is the card kind's oldest pending job.
    assert oldest["card"] > queue.real_now() and "ack" not in oldest
    assert list(overdue(oldest, now=queue.real_now(), max_wait=600)) == ["message"]


async def test_a_held_job_waits_until_released_and_then_runs_marked(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        await queue.enqueue(connection, NewJob("message", "message:m1", {"message": "m1"}))
    job = await queue.claim(database, kinds=["message"], worker="n/w", lease=15)
    assert job is not None
    await queue.hold(database, job, worker="n/w", reason="over the hourly limit")
    assert await queue.held_count(database) == 1
    assert await queue.claim(database, kinds=["message"], worker="n/w", lease=15) is None
    [held] = await queue.held_jobs(database)
    assert (held.key, held.reason) == ("message:m1", "over the hourly limit")
    assert not await queue.release_held(database, "message:nope", mark={"released": True})
    assert await queue.release_held(database, "message:m1", mark={"released": True})
    again = await queue.claim(database, kinds=["message"], worker="n/w", lease=15)
    assert again is not None and again.payload == {"message": "m1", "released": True}
    assert await queue.held_count(database) == 0


async def test_a_senders_mails_read_this_hour_are_counted_up_to_the_limit(
    database: AsyncEngine,
) -> None:
    chain = "sender:bob@x.org"
    async with database.begin() as connection:
        for number in range(5):
            await queue.enqueue(connection, NewJob("message", f"message:{number}", chain=chain))
        await queue.enqueue(connection, NewJob("message", "message:ann", chain="sender:ann@x.org"))
    for _ in range(4):
        job = await queue.claim(database, kinds=["message"], worker="n/w", lease=15)
        assert job is not None
        await queue.finish(database, job, worker="n/w")
    hour = queue.real_now().replace(minute=0, second=0, microsecond=0)
    async with database.begin() as connection:  # one of them read in the hour before
        await connection.execute(
            update(jobs)
            .where(jobs.c.key == "message:0")
            .values(finished_at=hour - timedelta(minutes=1))
        )
    # Bob's first four read (oldest first), one of them last hour; Ann's not yet.
    assert await queue.chain_done_since(database, chain, hour, at_most=10) == 3
    assert await queue.chain_done_since(database, chain, hour, at_most=2) == 2
    assert await queue.chain_done_since(database, "sender:ann@x.org", hour, at_most=10) == 0
