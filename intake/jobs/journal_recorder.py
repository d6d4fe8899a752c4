"""Moving the SMTP receiver's accept journal into the database, in the service's process.

On SQLite the receiver makes each accepted message durable in its spool and
its journal (:mod:`intake.inbox.journal`) and never writes the database. Here
the journal's entries become ``messages`` rows with their ``message`` jobs, in
batches, and the parsing lane is woken for them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.journal import Journal
from intake.inbox.spool import Spool
from intake.jobs.waker import MESSAGES, Waker
from intake.store.messages import IncomingMessage, accept_messages

log = logging.getLogger("intake.jobs.journal_recorder")


TRANSIENT = (OperationalError, InterfaceError, sqlite3.OperationalError, OSError)
"""Failures that say nothing about the entries (a locked, full or unreachable
database; the inline SQLite dialect raises sqlite3's own error from BEGIN): the
whole batch waits and is tried again. Any other failure is an entry's own."""


async def record_journal(journal: Journal, engine: AsyncEngine, spool: Spool) -> int:
    """Record the journal's entries in the database; how many new messages were queued.

    Idempotent: an entry recorded before a crash, but not yet removed, is
    recognised by its dedupe key and its spool file kept. A second delivery of
    a message already stored loses its own spool file, as the receiver does
    when it records a message itself.

    No entry can stop the line: when a batch fails for a reason of its own, its
    entries are recorded one at a time, and one that still fails is set aside
    (kept, with the reason, for ``intake held``) while the others go in.
    """
    queued = 0
    while entries := await asyncio.to_thread(journal.pending):
        try:
            results = await accept_messages(engine, entries)
        except TRANSIENT:
            raise
        except Exception:  # noqa: BLE001 - one entry's own failure: find it
            entries, results = await _one_at_a_time(journal, engine, entries)
        duplicates = [
            entry.spool_name
            for entry, (kept, new) in zip(entries, results, strict=True)
            if not new and kept != entry.id
        ]
        queued += sum(1 for _, new in results if new)
        await asyncio.to_thread(_tidy, journal, spool, entries, duplicates)
    return queued


async def _one_at_a_time(
    journal: Journal, engine: AsyncEngine, entries: list[IncomingMessage]
) -> tuple[list[IncomingMessage], list[tuple[str, bool]]]:
    recorded: list[IncomingMessage] = []
    results: list[tuple[str, bool]] = []
    for entry in entries:
        try:
            results += await accept_messages(engine, [entry])
        except TRANSIENT:
            raise
        except Exception as exc:  # noqa: BLE001 - kept aside with its reason, never lost
            reason = f"cannot be recorded: {exc.__class__.__name__}: {exc}"
            await asyncio.to_thread(journal.set_aside, entry.id, reason)
            continue
        recorded.append(entry)
    return recorded, results


def journal_problems(journal: Journal, *, max_wait: float) -> list[str]:
    """What ``/healthz`` says of the journal: mail set aside, or waiting too long."""
    problems = []
    held = journal.held()
    if held:
        problems.append(f"{len(held)} accepted mail(s) set aside, not processed: see `intake held`")
    oldest = journal.oldest_pending()
    if oldest is not None:
        waited = (datetime.now(UTC) - oldest).total_seconds()
        if waited > max_wait:
            problems.append(f"accepted mail waiting {waited:.0f} s for the database")
    return problems


def _tidy(
    journal: Journal, spool: Spool, entries: list[IncomingMessage], duplicates: list[str]
) -> None:
    for name in duplicates:
        spool.path(name).unlink(missing_ok=True)
    journal.remove([entry.id for entry in entries])


class JournalRecorder:
    """Records the journal whenever the receiver says there is new mail.

    Wake-ups arriving while a recording runs are folded into one more run, so a
    burst of accepted mail becomes a few batched commits, not one per message.
    """

    def __init__(self, journal: Journal, engine: AsyncEngine, spool: Spool, waker: Waker) -> None:
        self.journal = journal
        self.engine = engine
        self.spool = spool
        self.waker = waker
        self._again = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Record the journal soon (now, or again after the recording under way)."""
        self._again.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="journal")

    async def _run(self) -> None:
        while self._again.is_set():
            self._again.clear()
            try:
                queued = await record_journal(self.journal, self.engine, self.spool)
            except Exception:  # the entries stay; the next wake-up retries
                log.exception("could not record accepted mail in the database; retrying")
                await asyncio.sleep(1.0)
                self._again.set()
                continue
            if queued:
                self.waker.notify(MESSAGES, count=queued)

    async def stop(self, timeout: float = 10.0) -> None:
        """Record what is left (the receiver has stopped), within ``timeout`` seconds.

        A database that will not take the entries does not hold the stop: they
        stay in the journal, which the next start records first.
        """
        try:
            async with asyncio.timeout(timeout):
                if self._task is not None:
                    await self._task
                await record_journal(self.journal, self.engine, self.spool)
        except TimeoutError:
            if self._task is not None:
                self._task.cancel()
            log.warning("stopping: accepted mail left in the journal for the next start")
