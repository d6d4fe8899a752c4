"""The accept journal: messages said ``250`` to, waiting for their database row.

On SQLite the SMTP receiver (its own process, :mod:`intake.inbox.receiver`) never
writes the database: one writer at a time means its commit would wait for the
workers' transactions, and a sender for its ``250``. It makes each message
durable with two files instead, the message in the spool and its envelope
here (each written to a temporary name, fsynced, renamed, folder fsynced),
then answers. The service's own process records the journal's entries in the
database in batches (:func:`record_journal`) and removes them; after a crash
the entries still here are recorded at the next start, so no ``250`` is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.spool import Spool, SpoolFile, fsync_dir
from intake.jobs.waker import MESSAGES, Waker
from intake.store.records import IncomingMessage, accept_messages
from intake.store.schema import messages

log = logging.getLogger("intake.inbox.journal")

BATCH = 256


class Journal:
    """A folder of accepted messages' envelopes, one JSON file each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, message: IncomingMessage) -> None:
        """Record ``message`` durably (blocking: call it off the event loop)."""
        record = asdict(message)
        record["received_at"] = message.received_at.isoformat()
        record.pop("content", None)
        temporary = self.folder / f".{message.id}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            os.write(descriptor, json.dumps(record).encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.rename(temporary, self.folder / f"{message.id}.json")
        fsync_dir(self.folder)

    def pending(self, limit: int = BATCH) -> list[IncomingMessage]:
        """The oldest entries (ids are time-ordered), at most ``limit`` of them.

        A temporary file is an entry never completed, so never answered ``250``:
        it is skipped here and removed by :meth:`discard_temporaries`.
        """
        names = sorted(p.name for p in os.scandir(self.folder) if p.name.endswith(".json"))
        entries = []
        for name in names[:limit]:
            try:
                record = json.loads((self.folder / name).read_bytes())
                record["received_at"] = datetime.fromisoformat(record["received_at"])
                entries.append(IncomingMessage(**record))
            except (OSError, ValueError, TypeError) as exc:
                # A damaged entry must not stop the others; an operator must see it.
                log.error("journal entry %s cannot be read (%s); it is left in place", name, exc)
        return entries

    def remove(self, ids: list[str]) -> None:
        """Forget entries now recorded in the database."""
        for message_id in ids:
            (self.folder / f"{message_id}.json").unlink(missing_ok=True)

    def discard_temporaries(self) -> None:
        for leftover in self.folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


_STORED_AS = str(
    select(messages.c.id)
    .where(messages.c.dedupe_key == bindparam("key"))
    .compile(dialect=sqlite_dialect(paramstyle="named"))
)


class JournalWriter:
    """The receiver's side (a :class:`~intake.inbox.handler.Recorder`): commits accepted
    messages' spool files and records them in the journal, and knows a second
    delivery of a message already taken (journaled, or in the database
    ``database``), so that the sender hears the first copy's id and the copy is
    not kept.

    It runs in the receiver's threads. The database is read with the standard
    library's sqlite3, one connection per thread: through the service's async
    engine the read queued for its one connection (p50 140 ms under a burst);
    here it is a lookup in the dedupe key's index, and in WAL mode it waits for
    no writer.
    """

    REMEMBERED = 10_000

    def __init__(self, journal: Journal, database: Path | None = None) -> None:
        self.journal = journal
        self.database = database
        self._connections = threading.local()
        # Dedupe key -> the id its first copy is kept under, once durable (None
        # if keeping it failed). A copy arriving while the first is still being
        # written waits for it rather than being written too.
        self._taken: OrderedDict[str, Future[str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, message: IncomingMessage, file: SpoolFile) -> tuple[str, bool]:
        """``(id the message is kept under, whether it is new)``, once durable (blocking)."""
        while True:
            with self._lock:
                first = self._taken.get(message.dedupe_key)
                if first is None:
                    mine: Future[str | None] = Future()
                    self._taken[message.dedupe_key] = mine
                    if len(self._taken) > self.REMEMBERED:
                        self._taken.popitem(last=False)
                    break
            kept = first.result()  # that copy's thread is writing it now
            if kept is not None:
                file.abort()
                return kept, False
            with self._lock:  # the first copy failed: this one takes its place
                if self._taken.get(message.dedupe_key) is first:
                    del self._taken[message.dedupe_key]
        try:
            kept = self._stored_as(message.dedupe_key)
            if kept is None:
                file.commit(message.received_at)
                self.journal.add(message)
            else:
                file.abort()
        except BaseException:
            file.abort()  # never answered 250: the sender sends it again
            mine.set_result(None)
            raise
        mine.set_result(kept or message.id)
        return (kept, False) if kept else (message.id, True)

    def _stored_as(self, dedupe_key: str) -> str | None:
        if self.database is None or not self.database.exists():
            return None
        connection = getattr(self._connections, "sqlite", None)
        if connection is None:
            connection = sqlite3.connect(self.database, timeout=30)
            self._connections.sqlite = connection
        row = connection.execute(_STORED_AS, {"key": dedupe_key}).fetchone()
        return str(row[0]) if row else None


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
