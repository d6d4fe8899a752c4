"""Moving the SMTP receiver's accept journal into the database, in the service's process.

On SQLite the receiver makes each accepted message durable in its spool and
its journal (:mod:`intake.inbox.journal`) and never writes the database. Here
the journal's entries become ``messages`` rows with their ``message`` jobs, in
batches, and the parsing lane is woken for them.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.journal import Journal
from intake.inbox.spool import Spool
from intake.jobs.waker import MESSAGES, Waker
from intake.store.messages import IncomingMessage, accept_messages

log = logging.getLogger("intake.jobs.journal_recorder")


async def record_journal(journal: Journal, engine: AsyncEngine, spool: Spool) -> int:
    """Record the journal's entries in the database; how many new messages were queued.

    Idempotent: an entry recorded before a crash, but not yet removed, is
    recognised by its dedupe key and its spool file kept. A second delivery of
    a message already stored loses its own spool file, as the receiver does
    when it records a message itself.
    """
    queued = 0
    while entries := await asyncio.to_thread(journal.pending):
        results = await accept_messages(engine, entries)
        duplicates = [
            entry.spool_name
            for entry, (kept, new) in zip(entries, results, strict=True)
            if not new and kept != entry.id
        ]
        queued += sum(1 for _, new in results if new)
        await asyncio.to_thread(_tidy, journal, spool, entries, duplicates)
    return queued


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

    async def stop(self) -> None:
        """Record what is left (the receiver has stopped)."""
        if self._task is not None:
            await self._task
        await record_journal(self.journal, self.engine, self.spool)
