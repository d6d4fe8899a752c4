"""The mail spool: each accepted message as a file, on disk before we say ``250``.

RFC 5321 §6.1: once a server has said ``250`` it must not lose the message.
We write to a temporary name, fsync the file, rename it into place and fsync
the folder (the rename itself must survive a power cut), as Postfix, Exim and
Maildir do.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Spooled:
    """A message safely on disk: its id, file name under the spool, size and hash."""

    id: str
    name: str
    size: int
    sha256: str


def new_message_id() -> str:
    """A time-ordered, unguessable id: 16 hex digits of nanoseconds and 8 random."""
    return f"{time.time_ns():016x}{secrets.token_hex(4)}"


class SpoolFile:
    """A message being written to the spool as it arrives, in its temporary name.

    The SMTP receiver writes DATA here line by line, so a 25 MB message is not
    held in memory; :meth:`commit` makes it durable and gives it its place.
    """

    FLUSH_AT = 256 * 1024

    def __init__(self, spool: Spool) -> None:
        self.id = new_message_id()
        self._spool = spool
        self._temporary = spool.tmp / f"{self.id}.tmp"
        self._descriptor: int | None = os.open(
            self._temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640
        )
        self._buffer = bytearray()
        self._hash = hashlib.sha256()
        self.size = 0
        self.path: Path | None = None
        """The committed file, once :meth:`commit` has put it in place."""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Append data. Writes to the page cache only; the fsync is in :meth:`commit`."""
        self._hash.update(data)
        self.size += len(data)
        if len(data) >= self.FLUSH_AT:
            self._flush()
            self._write_all(memoryview(data))  # big pieces go straight to the file
            return
        self._buffer += data
        if len(self._buffer) >= self.FLUSH_AT:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            with memoryview(self._buffer) as view:
                self._write_all(view)
            self._buffer.clear()

    def _write_all(self, view: memoryview) -> None:
        assert self._descriptor is not None
        while view:
            written = os.write(self._descriptor, view)
            view = view[written:]

    def describe(self, received_at: datetime) -> Spooled:
        """What :meth:`commit` will make of the data written so far (no IO)."""
        day = received_at.strftime("%Y-%m-%d")
        return Spooled(
            id=self.id, name=f"{day}/{self.id}.eml", size=self.size, sha256=self._hash.hexdigest()
        )

    def commit(self, received_at: datetime) -> Spooled:
        """Make the message durable under the day it was received (blocking: off the loop).

        fsync of the file, rename into the day's folder, fsync of that folder:
        after this returns, a power cut does not lose the message.
        """
        spooled = self.describe(received_at)
        self._flush()
        assert self._descriptor is not None
        try:
            os.fsync(self._descriptor)
        finally:
            os.close(self._descriptor)
            self._descriptor = None
        target = self._spool.root / spooled.name
        folder = target.parent
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            fsync_dir(self._spool.root)
        os.rename(self._temporary, target)
        self.path = target
        fsync_dir(folder)
        return spooled

    def abort(self) -> None:
        """Drop a message that will not be accepted (too big, connection lost, a
        copy already kept, its record not written), committed or not."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
        self._temporary.unlink(missing_ok=True)
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class Spool:
    """A folder of messages, one file each, grouped by day of receipt."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def open(self) -> SpoolFile:
        """A new message file to write as data arrives."""
        return SpoolFile(self)

    def write(self, content: bytes, *, received_at: datetime | None = None) -> Spooled:
        """Store a whole message durably. Blocking: call it off the event loop."""
        incoming = self.open()
        try:
            incoming.write(memoryview(content))
            return incoming.commit(received_at or datetime.now(UTC))
        except BaseException:
            incoming.abort()
            raise

    def path(self, name: str) -> Path:
        """The file of a spooled message (names come from our own database)."""
        resolved = (self.root / name).resolve()
        if self.root.resolve() not in resolved.parents:
            raise ValueError(f"spool name outside the spool: {name!r}")
        return resolved

    def restore(self, name: str, content: bytes) -> Path:
        """Put a message another node accepted at its spool name here (blocking)."""
        target = self.path(name)
        if not target.exists():
            incoming = self.open()
            incoming.write(memoryview(content))
            stored = incoming.commit(datetime.now(UTC))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path(stored.name), target)
        return target

    def discard_temporaries(self) -> int:
        """Remove half-written files of a previous run (never acknowledged with 250)."""
        removed = 0
        for leftover in self.tmp.glob("*.tmp"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed


def fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
