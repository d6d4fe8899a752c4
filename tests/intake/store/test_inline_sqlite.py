"""SQLite through the async engine with its calls made inline (``intake.store.inline_sqlite``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import greenlet
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store.engine import make_engine, reading


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (n INTEGER)"))
        await connection.execute(text("INSERT INTO t VALUES (1), (2), (3), (4), (5)"))
    yield engine
    await engine.dispose()


async def test_a_transaction_never_gives_the_loop_to_another_task(engine: AsyncEngine) -> None:
    # The point of the inline engine: a transaction is begun, run, committed and its
    # connection returned without a turn of the loop (the aiosqlite dialect took
    # several, and SQLAlchemy's close in a task of its own three more).
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    before = turns
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t VALUES (6)"))
        total = (await connection.execute(text("SELECT sum(n) FROM t"))).scalar_one()
    async with reading(engine) as connection:
        rows = (await connection.execute(text("SELECT n FROM t ORDER BY n"))).all()
    assert turns == before
    other.cancel()
    assert total == 21
    assert [n for (n,) in rows] == [1, 2, 3, 4, 5, 6]


async def test_statements_and_transactions_run_without_a_greenlet(engine: AsyncEngine) -> None:
    # Each greenlet the asyncio extension spawns costs tens of microseconds: it
    # made five or more a transaction (26 switches for this one). An upgrade of
    # SQLAlchemy that routes a call through a greenlet again fails here.
    switches: list[str] = []

    def trace(event: str, _args: object) -> None:
        switches.append(event)

    previous = greenlet.settrace(trace)
    try:
        switches.clear()
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t VALUES (6)"))
            await connection.exec_driver_sql("INSERT INTO t VALUES (7)")
            total = await connection.scalar(text("SELECT sum(n) FROM t"))
            listed = (await connection.scalars(text("SELECT n FROM t ORDER BY n"))).all()
        in_a_write = len(switches)
        switches.clear()
        async with reading(engine) as connection:
            count = (await connection.execute(text("SELECT count(*) FROM t"))).scalar_one()
        in_a_read = len(switches)
        switches.clear()
        async with engine.connect() as connection:
            transaction = await connection.begin()
            await connection.execute(text("DELETE FROM t WHERE n = 7"))
            await transaction.rollback()
            await connection.execute(text("DELETE FROM t WHERE n = 6"))
            await connection.commit()
        by_hand = len(switches)
    finally:
        greenlet.settrace(previous)
    assert (total, listed, count) == (28, [1, 2, 3, 4, 5, 6, 7], 7)
    assert (in_a_write, in_a_read, by_hand) == (0, 0, 0)
    async with reading(engine) as connection:
        kept = (await connection.scalars(text("SELECT n FROM t ORDER BY n"))).all()
    assert kept == [1, 2, 3, 4, 5, 7]


async def test_an_error_rolls_the_transaction_back_and_frees_the_connection(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(ZeroDivisionError):
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM t"))
            1 / 0  # noqa: B018 - the error raised inside the transaction
    # Nothing was deleted, and the one connection is back in the pool.
    async with asyncio.timeout(2):
        async with engine.begin() as connection:
            assert (await connection.scalar(text("SELECT count(*) FROM t"))) == 5


async def test_rows_read_after_later_statements_are_intact(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(text("SELECT n FROM t ORDER BY n"))
        await connection.execute(text("UPDATE t SET n = n * 10"))
        second = await connection.execute(text("SELECT n FROM t ORDER BY n"))
        assert first.fetchmany(2) == [(1,), (2,)]
        assert first.all() == [(3,), (4,), (5,)]
        assert second.scalars().all() == [10, 20, 30, 40, 50]


async def test_a_task_wanting_the_connection_waits_for_it_then_gets_it(
    engine: AsyncEngine,
) -> None:
    # One connection per process: a second transaction waits in the pool's asyncio
    # queue while the first holds it, and runs once it is given back.
    order: list[str] = []
    holding = asyncio.Event()

    async def first() -> None:
        async with engine.begin() as connection:
            holding.set()
            await asyncio.sleep(0.05)
            await connection.execute(text("INSERT INTO t VALUES (100)"))
            order.append("first")

    async def second() -> None:
        await holding.wait()
        async with engine.begin() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM t"))).scalar_one()
            order.append(f"second saw {count}")

    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=5)
    assert order == ["first", "second saw 6"]


async def test_an_in_memory_database_lives_as_long_as_its_engine() -> None:
    engine = make_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE m (x TEXT)"))
        await connection.execute(text("INSERT INTO m VALUES ('kept')"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT x FROM m"))).scalar_one() == "kept"
    await engine.dispose()
