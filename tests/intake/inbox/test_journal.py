"""The accept journal: mail said 250 to reaches the database once, even after a crash."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.inbox.journal import Journal, JournalWriter
from intake.inbox.spool import Spool, SpoolFile
from intake.jobs.journal_recorder import record_journal
from intake.store.engine import make_engine, reading
from intake.store.messages import IncomingMessage
from intake.store.migrate import migrate
from intake.store.schema import jobs, messages


def arriving(
    spool: Spool, number: int, *, dedupe: str | None = None
) -> tuple[IncomingMessage, SpoolFile]:
    """A message whose data has all arrived, not yet durable: as the receiver holds it."""
    file = spool.open()
    file.write(f"Subject: {number}\r\n\r\nbody\r\n".encode())
    received_at = datetime(2027, 4, 15, 9, 0, number % 60, tzinfo=UTC)
    spooled = file.describe(received_at)
    message = IncomingMessage(
        id=spooled.id,
        office="kent",
        fund="safer-in-kent",
        received_at=received_at,
        mail_from=f"applicant{number}@example.org",
        rcpt_tos=["safer-in-kent@bids.example.org"],
        peer="127.0.0.1",
        size=spooled.size,
        sha256=spooled.sha256,
        dedupe_key=dedupe or f"key-{number}",
        spool_name=spooled.name,
    )
    return message, file


def incoming(spool: Spool, number: int, *, dedupe: str | None = None) -> IncomingMessage:
    """A message already in the spool."""
    message, file = arriving(spool, number, dedupe=dedupe)
    file.commit(message.received_at)
    return message


async def keep(
    writer: JournalWriter, arrived: tuple[IncomingMessage, SpoolFile]
) -> tuple[str, bool]:
    return await asyncio.to_thread(writer.keep, *arrived)


@pytest.fixture
async def engine(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


async def stored(engine) -> tuple[int, int]:
    async with reading(engine) as connection:
        rows = (await connection.execute(select(func.count()).select_from(messages))).scalar()
        queued = (await connection.execute(select(func.count()).select_from(jobs))).scalar()
    return rows, queued


async def test_entries_survive_as_files_and_are_recorded_once(engine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    journal = Journal(tmp_path / "journal")
    entries = [incoming(spool, n) for n in range(5)]
    for entry in entries:
        journal.add(entry)
    # A new process (after a crash) reads the same entries back.
    assert Journal(tmp_path / "journal").pending() == entries
    assert await record_journal(journal, engine, spool) == 5
    assert await stored(engine) == (5, 5)
    assert journal.pending() == []
    # Recorded but not yet removed when the service died: recording again adds nothing.
    for entry in entries:
        journal.add(entry)
    await record_journal(journal, engine, spool)
    assert await stored(engine) == (5, 5)
    assert all(spool.path(e.spool_name).exists() for e in entries)


async def test_a_half_written_entry_was_never_answered_and_is_dropped(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    (journal.folder / ".18ea0000.tmp").write_text('{"id": "18ea')  # the crash came mid-write
    assert journal.pending() == []
    journal.discard_temporaries()
    assert list(journal.folder.iterdir()) == []


async def test_a_damaged_entry_does_not_hold_up_the_others(engine, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    journal = Journal(tmp_path / "journal")
    (journal.folder / "0000-damaged.json").write_text("not json")
    journal.add(incoming(spool, 1))
    assert [e.mail_from for e in journal.pending()] == ["applicant1@example.org"]


async def test_a_second_delivery_hears_the_first_copys_id_and_is_not_kept(
    engine, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool")
    database = tmp_path / "intake.sqlite3"
    writer = JournalWriter(Journal(tmp_path / "journal"), database)
    first, again, later = (arriving(spool, n, dedupe="same") for n in range(3))
    # Two copies at the same moment: one waits for the other to be written.
    results = await asyncio.gather(keep(writer, first), keep(writer, again))
    kept = results[0][0]
    assert kept in (first[0].id, again[0].id) and results[1][0] == kept
    assert sorted(new for _, new in results) == [False, True]
    await record_journal(writer.journal, engine, spool)
    # After a restart (a sender retrying a 250 it never heard) the database knows.
    restarted = JournalWriter(Journal(tmp_path / "journal"), database)
    assert await keep(restarted, later) == (kept, False)
    assert restarted.journal.pending() == []
    assert await stored(engine) == (1, 1)
    # Only the copy kept is in the spool, and nothing is left half-written.
    assert sorted(p.name for p in spool.root.glob("*/*.eml")) == [f"{kept}.eml"]
    assert list(spool.tmp.iterdir()) == []


async def test_a_copy_journaled_twice_across_a_restart_is_stored_once(
    engine, tmp_path: Path
) -> None:
    """The first copy was journaled but not yet recorded when the service died."""
    spool = Spool(tmp_path / "spool")
    first, later = (arriving(spool, n, dedupe="same") for n in range(2))
    journal = Journal(tmp_path / "journal")
    assert await keep(JournalWriter(journal, tmp_path / "intake.sqlite3"), first) == (
        first[0].id,
        True,
    )
    assert await keep(JournalWriter(journal, tmp_path / "intake.sqlite3"), later) == (
        later[0].id,
        True,
    )
    await record_journal(journal, engine, spool)
    assert await stored(engine) == (1, 1)
    assert spool.path(first[0].spool_name).exists()
    assert not spool.path(later[0].spool_name).exists()


async def test_a_copy_that_could_not_be_written_leaves_nothing_and_the_next_is_kept(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path / "spool")
    journal = Journal(tmp_path / "journal")
    writer = JournalWriter(journal)
    broken, retried = (arriving(spool, n, dedupe="same") for n in range(2))
    folder = tmp_path / "journal"
    folder.rmdir()
    folder.write_text("the journal's folder is gone")  # its entries cannot be written
    with pytest.raises(OSError):
        await keep(writer, broken)
    folder.unlink()
    folder.mkdir()
    assert journal.pending() == []
    assert await keep(writer, retried) == (retried[0].id, True)
    assert [e.id for e in journal.pending()] == [retried[0].id]
    assert [p.name for p in spool.root.glob("*/*.eml")] == [f"{retried[0].id}.eml"]
    assert list(spool.tmp.iterdir()) == []


def test_the_receivers_process_loads_no_bid_slack_or_parsing_code() -> None:
    """The journal stores through ``intake.store.messages``; that must not drag the
    service's features (and their start-up time) into the SMTP receiver."""
    program = (
        "import sys, intake.inbox.receiver, intake.inbox.journal\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.split()
    foreign = ("intake.bids", "intake.slack", "intake.reading", "notifier", "parsers")
    assert [m for m in loaded if m.startswith(foreign)] == []
