"""What the store's hottest calls cost on SQLite, through the engine the service uses.

    python -m bench.store [--rounds 2000]

On a fresh database file (WAL, ``synchronous=FULL``, as the service runs it):

* a write transaction holding one ``SELECT 1``: the fixed cost of every
  transaction (BEGIN IMMEDIATE, a statement, COMMIT with its fsync);
* a read (``reading()``): a DEFERRED transaction and one statement;
* a job's round trip through the queue: enqueued, claimed, finished (three
  transactions, as a parse or a card job costs the service);
* an empty claim (a worker finding nothing to do).

Prints microseconds per call, wall and CPU: wall includes the fsyncs, CPU is
what the service's process spends, which is what a burst runs short of.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from intake.store.engine import make_engine, reading
from intake.store.migrate import migrate
from intake.store.queue import NewJob, claim, enqueue, finish

SELECT_ONE = text("SELECT 1")


async def _timed(label: str, rounds: int, call: Callable[[int], Awaitable[object]]) -> None:
    for number in range(min(rounds, 50)):  # warm: statement cache, pages
        await call(-number - 1)
    wall, cpu = time.perf_counter(), time.process_time()
    for number in range(rounds):
        await call(number)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<42} {wall / rounds * 1e6:8.0f} µs wall {cpu / rounds * 1e6:8.0f} µs CPU")


async def run(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}")
        await migrate(engine)

        async def write(_: int) -> None:
            async with engine.begin() as connection:
                await connection.execute(SELECT_ONE)

        async def read(_: int) -> None:
            async with reading(engine) as connection:
                await connection.execute(SELECT_ONE)

        async def round_trip(number: int) -> None:
            async with engine.begin() as connection:
                await enqueue(connection, NewJob(kind="bench", key=f"bench:{number}"))
            job = await claim(engine, kinds=["bench"], worker="bench", lease=60)
            assert job is not None
            await finish(engine, job, worker="bench")

        async def empty_claim(_: int) -> None:
            assert await claim(engine, kinds=["nothing"], worker="bench", lease=60) is None

        await _timed("write transaction, one statement", rounds, write)
        await _timed("read, one statement", rounds, read)
        await _timed("job enqueued, claimed and finished", rounds, round_trip)
        await _timed("empty claim", rounds, empty_claim)
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
