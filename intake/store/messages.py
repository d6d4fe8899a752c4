"""Accepted messages: recording them (with their parsing job), reading them, their outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.errors import NotFound
from intake.jobs.kinds import MessageJob
from intake.rules.addresses import mailbox
from intake.store.engine import insert_ignoring_duplicates
from intake.store.incoming import IncomingMessage
from intake.store.queue import enqueue_many, real_now
from intake.store.schema import bid_versions, message_contents, messages


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A ``messages`` row: an accepted message and what became of it."""

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
    state: str
    """``queued`` until read; then ``processed``, ``correspondence``, ``claim``,
    ``enquiry`` (no form and no reference: not a bid) or ``automatic``."""
    outcome: str | None
    bid_id: int | None
    node: str | None


async def accept_messages(
    engine: AsyncEngine, batch: list[IncomingMessage]
) -> list[tuple[str, bool]]:
    """Record spooled messages and queue their processing, all in one transaction.

    Returns, for each message in order, the id under which it is kept and
    whether it is new: a duplicate delivery (same dedupe key, here or in the
    same batch, on this node or another) keeps the copy stored first. One
    transaction for many messages is the receiver's group commit: under load,
    the cost of a commit (and its fsync) is shared by everyone waiting for it.
    """
    now = real_now()
    async with engine.begin() as connection:
        await connection.execute(
            insert_ignoring_duplicates(connection, messages, ["dedupe_key"]),
            [
                {
                    "id": m.id,
                    "office": m.office,
                    "fund": m.fund,
                    "received_at": m.received_at,
                    "mail_from": m.mail_from,
                    "rcpt_tos": m.rcpt_tos,
                    "peer": m.peer,
                    "size": m.size,
                    "sha256": m.sha256,
                    "dedupe_key": m.dedupe_key,
                    "spool_name": m.spool_name,
                    "node": m.node,
                    "state": "queued",
                }
                for m in batch
            ],
        )
        rows = await connection.execute(
            select(messages.c.dedupe_key, messages.c.id).where(
                messages.c.dedupe_key.in_({m.dedupe_key for m in batch})
            )
        )
        kept = {row.dedupe_key: row.id for row in rows}
        new = [m for m in batch if kept[m.dedupe_key] == m.id]
        shared = [m for m in new if m.content is not None]
        if shared:
            await connection.execute(
                insert(message_contents),
                [{"message_id": m.id, "content": m.content} for m in shared],
            )
        if new:
            await enqueue_many(
                connection,
                [MessageJob(message=m.id, sender=mailbox(m.mail_from) or None) for m in new],
                now=now,
            )
    return [(kept[m.dedupe_key], kept[m.dedupe_key] == m.id) for m in batch]


# The statements run for every mail, built once (building one and its cache key
# cost more than running it on SQLite).
_MESSAGE = select(messages).where(messages.c.id == bindparam("id"))
_CONTENT = select(message_contents.c.content).where(
    message_contents.c.message_id == bindparam("message_id")
)
_OUTCOME = (
    update(messages)
    .where(messages.c.id == bindparam("message_id"))
    .values(
        state=bindparam("to_state"), outcome=bindparam("to_outcome"), bid_id=bindparam("to_bid")
    )
)


async def get_message(connection: AsyncConnection, message_id: str) -> StoredMessage:
    """The message kept under ``message_id``; :class:`NotFound` if there is none."""
    row = (await connection.execute(_MESSAGE, {"id": message_id})).first()
    if row is None:
        raise NotFound(f"no message {message_id}")
    return StoredMessage(**row._mapping)


async def message_to_read(
    connection: AsyncConnection, message_id: str
) -> tuple[StoredMessage, bool]:
    """The message kept under ``message_id``, and whether it has made a bid version
    already (reading it is idempotent), in one statement; :class:`NotFound` if there
    is no such message."""
    row = (await connection.execute(_MESSAGE_TO_READ, {"id": message_id})).first()
    if row is None:
        raise NotFound(f"no message {message_id}")
    values = dict(row._mapping)
    made_a_version = bool(values.pop("made_a_version"))
    return StoredMessage(**values), made_a_version


_MESSAGE_TO_READ = select(
    messages,
    exists().where(bid_versions.c.message_id == messages.c.id).label("made_a_version"),
).where(messages.c.id == bindparam("id"))
"""Built once, as :data:`_MESSAGE`; the version is found through its unique ``message_id``."""


async def message_content(connection: AsyncConnection, message_id: str) -> bytes | None:
    """A message as another node stored it, or None when only a spool file holds it."""
    row = (await connection.execute(_CONTENT, {"message_id": message_id})).first()
    return bytes(row.content) if row else None


async def set_message_outcome(
    connection: AsyncConnection,
    message_id: str,
    *,
    state: str,
    outcome: str,
    bid_id: int | None = None,
) -> None:
    """Say what became of a message (``state``), in words (``outcome``), and its bid."""
    await connection.execute(
        _OUTCOME,
        {"message_id": message_id, "to_state": state, "to_outcome": outcome, "to_bid": bid_id},
    )
