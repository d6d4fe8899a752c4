"""The accept journal: messages said ``250`` to, waiting for their database row.

On SQLite the SMTP receiver (its own process, :mod:`intake.inbox.receiver`) never
writes the database: one writer at a time means its commit would wait for the
workers' transactions, and a sender for its ``250``. It makes each message
durable with two files instead, the message in the spool and its envelope
here (each written to a temporary name, fsynced, renamed, folder fsynced),
then answers. The service's own process records the journal's entries in the
database in batches (:mod:`intake.jobs.journal_recorder`) and removes them; after
a crash the entries still here are recorded at the next start, so no ``250`` is
lost.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from intake.inbox.spool import SpoolFile, fsync_dir
from intake.store.incoming import IncomingMessage, kept_as

log = logging.getLogger("intake.inbox.journal")

BATCH = 256
_RECORDED = tuple(f.name for f in fields(IncomingMessage) if f.name != "content")
"""What a journal entry keeps of a message: all but its content, which the spool has."""
HELD = "held"
"""The journal's sub-folder of entries set aside: kept, with why, out of the line."""


@dataclass(frozen=True, slots=True)
class HeldEntry:
    """An accepted message that could not be recorded, kept for an operator."""

    id: str
    reason: str
    held_at: datetime


class Journal:
    """A folder of accepted messages' envelopes, one JSON file each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, message: IncomingMessage) -> None:
        """Record ``message`` durably (blocking: call it off the event loop)."""
        # Field by field, not dataclasses.asdict: that deep-copies each value, a
        # tenth of the receiver's time for a mail.
        record = {name: getattr(message, name) for name in _RECORDED}
        record["received_at"] = message.received_at.isoformat()
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
                self.set_aside(name.removesuffix(".json"), f"cannot be read: {exc}")
        return entries

    def oldest_pending(self) -> datetime | None:
        """When the oldest entry still waiting for its database row was written."""
        times = [p.stat().st_mtime for p in os.scandir(self.folder) if p.name.endswith(".json")]
        return datetime.fromtimestamp(min(times), UTC) if times else None

    def set_aside(self, entry_id: str, reason: str) -> None:
        """Take an entry that cannot be recorded out of the line, keeping it and why.

        Its message stays in the spool; :meth:`retry` puts it back in the line.
        """
        held = self.folder / HELD
        held.mkdir(exist_ok=True)
        (held / f"{entry_id}.reason").write_text(
            reason[:2000], encoding="utf-8", errors="backslashreplace"
        )
        os.replace(self.folder / f"{entry_id}.json", held / f"{entry_id}.json")
        fsync_dir(held)
        fsync_dir(self.folder)
        log.error(
            "accepted message %s set aside: %s",
            entry_id,
            reason.encode("unicode_escape").decode()[:500],
        )

    def held(self) -> list[HeldEntry]:
        """The entries set aside, oldest first."""
        folder = self.folder / HELD
        if not folder.is_dir():
            return []
        found = []
        for entry in sorted(folder.glob("*.json")):
            reason_file = entry.with_suffix(".reason")
            reason = reason_file.read_text(encoding="utf-8") if reason_file.exists() else "unknown"
            held_at = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
            found.append(HeldEntry(id=entry.stem, reason=reason, held_at=held_at))
        return found

    def retry(self, entry_id: str) -> bool:
        """Put a set-aside entry back in the line; False when there is no such entry."""
        held = self.folder / HELD / f"{entry_id}.json"
        if not held.exists():
            return False
        os.replace(held, self.folder / f"{entry_id}.json")
        (self.folder / HELD / f"{entry_id}.reason").unlink(missing_ok=True)
        fsync_dir(self.folder)
        return True

    def erase_held(self, senders: set[str]) -> list[str]:
        """Remove the set-aside entries whose envelope sender is one of ``senders`` (lower
        case), with their reasons; returns their messages' spool file names, for the
        caller to delete (an erasure: the person's mail must not wait here for ever)."""
        folder = self.folder / HELD
        if not senders or not folder.is_dir():
            return []
        spooled = []
        for entry in sorted(folder.glob("*.json")):
            try:
                record = json.loads(entry.read_bytes())
            except (OSError, ValueError):
                continue  # unreadable: an operator looks at it with `intake held`
            if not isinstance(record, dict):
                continue
            if str(record.get("mail_from") or "").strip().lower() not in senders:
                continue
            if record.get("spool_name"):
                spooled.append(str(record["spool_name"]))
            entry.with_suffix(".reason").unlink(missing_ok=True)
            entry.unlink(missing_ok=True)
        fsync_dir(folder)
        return spooled

    def remove(self, ids: list[str]) -> None:
        """Forget entries now recorded in the database."""
        for message_id in ids:
            (self.folder / f"{message_id}.json").unlink(missing_ok=True)

    def discard_temporaries(self) -> None:
        for leftover in self.folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


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
        return kept_as(connection, dedupe_key)
