"""The service records the receiver's journal when woken, and wakes the parsing lane for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.journal import Journal
from intake.inbox.spool import Spool
from intake.jobs.journal_recorder import JournalRecorder
from intake.jobs.waker import MESSAGES, Waker
from intake.store import queue
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from tests.intake.inbox.test_journal import incoming


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


async def test_a_wake_up_records_the_journal_and_wakes_the_parsers(
    database: AsyncEngine, tmp_path: Path
) -> None:
    spool, journal, waker = Spool(tmp_path / "spool"), Journal(tmp_path / "journal"), Waker()
    recorder = JournalRecorder(journal, database, spool, waker)
    for number in range(3):
        journal.add(incoming(spool, number))
    recorder.wake()
    recorder.wake()  # folded into the run under way
    started = time.monotonic()
    await asyncio.wait_for(waker.wait(MESSAGES, timeout=10), timeout=10)
    assert time.monotonic() - started < 5, "the parsing lane was not woken"
    await recorder.stop()
    assert journal.pending() == []
    assert await queue.backlog(database) == {"message": 3}


async def test_stopping_records_what_is_left(database: AsyncEngine, tmp_path: Path) -> None:
    spool, journal = Spool(tmp_path / "spool"), Journal(tmp_path / "journal")
    journal.add(incoming(spool, 1))
    await JournalRecorder(journal, database, spool, Waker()).stop()
    assert journal.pending() == []
    assert await queue.backlog(database) == {"message": 1}
