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


class Spool:
    """A folder of messages, one file each, grouped by day of receipt."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def write(self, content: bytes, *, received_at: datetime | None = None) -> Spooled:
        """Store ``content`` durably and return where. Blocking: call it off the event loop."""
        message_id = new_message_id()
        day = (received_at or datetime.now(UTC)).strftime("%Y-%m-%d")
        folder = self.root / day
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _fsync_dir(self.root)
        name = f"{day}/{message_id}.eml"
        temporary = self._tmp / f"{message_id}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            view = memoryview(content)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.rename(temporary, self.root / name)
        _fsync_dir(folder)
        return Spooled(
            id=message_id,
            name=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )

    def path(self, name: str) -> Path:
        """The file of a spooled message (names come from our own database)."""
        resolved = (self.root / name).resolve()
        if self.root.resolve() not in resolved.parents:
            raise ValueError(f"spool name outside the spool: {name!r}")
        return resolved

    def discard_temporaries(self) -> int:
        """Remove half-written files of a previous run (never acknowledged with 250)."""
        removed = 0
        for leftover in self._tmp.glob("*.tmp"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
