"""The service records the receiver's journal when woken, and wakes the parsing lane for it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.journal import Journal
from intake.inbox.spool import Spool
from intake.jobs.journal_recorder import TRANSIENT, JournalRecorder, record_journal
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


async def test_a_mail_that_cannot_be_recorded_is_set_aside_and_the_rest_flow(
    database: AsyncEngine, tmp_path: Path
) -> None:
    """The poison entry of issue #18: honest mail behind it becomes work, it is kept with why."""
    spool, journal = Spool(tmp_path / "spool"), Journal(tmp_path / "journal")
    journal.add(incoming(spool, 1))
    poison = replace(incoming(spool, 2), mail_from="\udcff@evil.example")  # not UTF-8
    journal.add(poison)
    journal.add(incoming(spool, 3))
    (journal.folder / "0-damaged.json").write_text("{not json")

    assert await record_journal(journal, database, spool) == 2

    assert journal.pending() == []
    assert await queue.backlog(database) == {"message": 2}
    held = {entry.id: entry.reason for entry in journal.held()}
    assert set(held) == {poison.id, "0-damaged"}
    assert "cannot be recorded" in held[poison.id] and "surrogates" in held[poison.id]
    assert "cannot be read" in held["0-damaged"]
    assert spool.path(poison.spool_name).exists(), "the message itself is kept"
    # Put back (say after a fix), it is tried again and set aside again: never lost.
    assert journal.retry(poison.id)
    assert await record_journal(journal, database, spool) == 0
    assert poison.id in {entry.id for entry in journal.held()}


async def test_a_locked_database_keeps_the_whole_batch_waiting(tmp_path: Path) -> None:
    """A failure that says nothing about the entries (here: SQLite's lock, raised as
    BEGIN meets it) sets none of them aside: the batch is tried again later."""
    database = tmp_path / "locked.sqlite3"
    with sqlite3.connect(database) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError) as locked:
            sqlite3.connect(database, timeout=0).execute("BEGIN IMMEDIATE")
        holder.rollback()
    assert isinstance(locked.value, TRANSIENT)
    assert not isinstance(UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates"), TRANSIENT)
