"""The work queue hands out each job once, oldest first, in chain order, on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import queue
from intake.store.engine import make_engine
from intake.store.migrate import migrate

EFFECTS = ("card", "ack", "alert")


@pytest.fixture
async def engine(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/queue.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


async def put(engine: AsyncEngine, *jobs: queue.NewJob) -> None:
    async with engine.begin() as connection:
        await queue.enqueue_many(connection, list(jobs))


def job(kind: str, key: str, chain: str | None = None) -> queue.NewJob:
    return queue.NewJob(kind=kind, key=key, data={"key": key}, chain=chain)


async def claim(engine: AsyncEngine, kinds=EFFECTS, worker: str = "node/w1", lease: float = 60):
    return await queue.claim(engine, kinds=kinds, worker=worker, lease=lease)


async def test_jobs_come_out_oldest_first_across_kinds(engine: AsyncEngine) -> None:
    await put(engine, job("ack", "a1"), job("card", "c1"), job("alert", "x1"), job("ack", "a2"))
    keys = [(await claim(engine)).key for _ in range(4)]
    assert keys == ["a1", "c1", "x1", "a2"]
    assert await claim(engine) is None


async def test_a_lane_only_takes_its_own_kinds(engine: AsyncEngine) -> None:
    await put(engine, job("message", "m1"), job("card", "c1"))
    assert (await claim(engine, kinds=("message",))).key == "m1"
    assert await claim(engine, kinds=("message",)) is None
    assert (await claim(engine)).key == "c1"


async def test_a_chain_runs_one_job_at_a_time_in_order(engine: AsyncEngine) -> None:
    await put(
        engine,
        job("card", "post", chain="bid-1"),
        job("card", "update", chain="bid-1"),
        job("ack", "other", chain="bid-2"),
    )
    first = await claim(engine)
    assert first.key == "post"
    # The update waits for the post, but another bid's work does not.
    assert (await claim(engine)).key == "other"
    assert await claim(engine) is None
    await queue.finish(engine, first, worker="node/w1")
    assert (await claim(engine)).key == "update"


async def test_a_delayed_job_waits_its_turn(engine: AsyncEngine) -> None:
    await put(engine, job("ack", "a1"))
    taken = await claim(engine)
    await queue.retry_later(engine, taken, worker="node/w1", error="relay down", delay=0.3)
    assert await claim(engine) is None
    await asyncio.sleep(0.35)
    again = await claim(engine)
    assert again.key == "a1"
    assert again.attempts == 2


async def test_a_job_whose_lease_ran_out_is_taken_by_another_worker(engine: AsyncEngine) -> None:
    await put(engine, job("card", "c1"))
    lost = await claim(engine, worker="dead/w1", lease=0.2)
    assert await claim(engine, worker="live/w1") is None
    await asyncio.sleep(0.25)
    taken = await claim(engine, worker="live/w1")
    assert taken.key == "c1"
    # The dead worker's late finish does not mark the other's job done.
    await queue.finish(engine, lost, worker="dead/w1")
    assert await queue.backlog(engine) == {"card": 1}
    await queue.finish(engine, taken, worker="live/w1")
    assert await queue.backlog(engine) == {}


async def test_a_claim_finds_its_job_through_an_index_whatever_the_backlog(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Deadline day: thousands of jobs wait, and every claim runs in the write
    transaction the SMTP receiver needs. The claim must walk an index to its job,
    never scan and sort the backlog (that cost milliseconds a claim)."""
    await put(
        engine,
        *(job("message", f"m{n}") for n in range(2000)),
        *(job("card", f"c{n}", chain=f"bid-{n}") for n in range(2000)),
    )
    seen: list[tuple[str, tuple]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.startswith("UPDATE jobs SET state"):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    assert (await claim(engine)).key == "c0"
    event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = seen[0]
    with sqlite3.connect(tmp_path / "queue.sqlite3") as connection:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert any("USING INDEX ix_jobs_due" in step for step in plan), plan
    assert any("USING INDEX ix_jobs_lease" in step for step in plan), plan
    assert not any(step.startswith("SCAN jobs") for step in plan), plan


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_a_claim_is_rendered_once_not_for_every_claim(dialect) -> None:
    """A worker claims after every job. Kinds and states given as a list of values
    made SQLAlchemy render the whole claim again on every run (expanding ``IN``):
    a third of a claim's CPU in a deadline-day burst. Its SQL is fixed when built."""
    compiled = queue._claim_statement(("card", "ack", "alert"), postgres=False).compile(
        dialect=dialect
    )
    assert not compiled.post_compile_params
    assert "'card'" in compiled.string and "'pending'" in compiled.string


def test_only_a_plain_name_is_written_into_the_claim() -> None:
    with pytest.raises(ValueError):
        queue._claim_statement(("card'; DROP TABLE jobs; --",), postgres=False)
