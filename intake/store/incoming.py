"""What the SMTP receiver's process needs of the store, without SQLAlchemy.

The receiver runs in a process of its own (:mod:`intake.inbox.receiver`). On
SQLite it never writes the database, and importing SQLAlchemy there cost 30 MB
of its 70 MB resident memory: the message it records and its one read (is this
copy already stored?) live here, in the standard library's terms.
:mod:`intake.store.messages` records and reads messages for everyone else.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """What the SMTP receiver knows of a message it has spooled."""

    id: str
    office: str | None
    fund: str | None
    received_at: datetime
    mail_from: str
    rcpt_tos: list[str]
    peer: str | None
    size: int
    sha256: str
    dedupe_key: str
    spool_name: str
    node: str | None = None
    content: bytes | None = None
    """The message itself, when it must be readable by other nodes (PostgreSQL)."""


KEPT_AS = "SELECT messages.id \nFROM messages \nWHERE messages.dedupe_key = :key"
"""The id of the message stored under a dedupe key (what SQLAlchemy compiles from
the schema for SQLite; ``tests/intake/store`` checks that it still is)."""


def kept_as(connection: sqlite3.Connection, dedupe_key: str) -> str | None:
    """The id a message with ``dedupe_key`` is stored under, if it is (blocking).

    For the SMTP receiver's threads, which read the database with the standard
    library's sqlite3 (:class:`intake.inbox.journal.JournalWriter` says why).
    """
    row = connection.execute(KEPT_AS, {"key": dedupe_key}).fetchone()
    return str(row[0]) if row else None
