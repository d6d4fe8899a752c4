"""Reading and writing messages, bids, bid versions and their history."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.errors import NotFound
from intake.store.engine import dialect_insert, insert_ignoring_duplicates
from intake.store.queue import enqueue_many, real_now
from intake.store.schema import (
    bid_versions,
    bids,
    counters,
    events,
    message_contents,
    messages,
)


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
                [
                    {"kind": "message", "key": f"message:{m.id}", "payload": {"message": m.id}}
                    for m in new
                ],
                now=now,
            )
    return [(kept[m.dedupe_key], kept[m.dedupe_key] == m.id) for m in batch]


# The statements run for every mail, built once (building one and its cache key
# cost more than running it on SQLite).
_MESSAGE = select(messages).where(messages.c.id == bindparam("id"))
_VERSION_OF_MESSAGE = select(bid_versions.c.bid_id, bid_versions.c.version).where(
    bid_versions.c.message_id == bindparam("message_id")
)
_ADD_EVENT = insert(events).returning(events.c.id)
_BID = select(bids).where(bids.c.id == bindparam("id"))
_LATEST_VERSION = (
    select(bid_versions)
    .where(bid_versions.c.bid_id == bindparam("bid_id"))
    .order_by(bid_versions.c.version.desc())
    .limit(1)
)
_MESSAGE_OUTCOME = (
    update(messages)
    .where(messages.c.id == bindparam("message_id"))
    .values(
        state=bindparam("to_state"), outcome=bindparam("to_outcome"), bid_id=bindparam("to_bid")
    )
)


@functools.cache
def _next_value(dialect: str) -> Any:
    return (
        dialect_insert(dialect, counters)
        .values(name=bindparam("name"), value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
        .returning(counters.c.value)
    )


async def get_message(connection: AsyncConnection, message_id: str) -> Any:
    row = (await connection.execute(_MESSAGE, {"id": message_id})).first()
    if row is None:
        raise NotFound(f"no message {message_id}")
    return row


async def message_content(connection: AsyncConnection, message_id: str) -> bytes | None:
    """A message as another node stored it, or None when only a spool file holds it."""
    row = (
        await connection.execute(
            select(message_contents.c.content).where(message_contents.c.message_id == message_id)
        )
    ).first()
    return bytes(row.content) if row else None


async def set_message_outcome(
    connection: AsyncConnection,
    message_id: str,
    *,
    state: str,
    outcome: str,
    bid_id: int | None = None,
) -> None:
    await connection.execute(
        _MESSAGE_OUTCOME,
        {"message_id": message_id, "to_state": state, "to_outcome": outcome, "to_bid": bid_id},
    )


async def next_reference(connection: AsyncConnection, *, prefix: str, year: int) -> str:
    """The next bid reference of an office for a year: ``KENT-2027-0001``.

    The counter row is incremented in the caller's transaction, so two workers
    (or two nodes on PostgreSQL) never hand out the same number.
    """
    name = f"ref:{prefix}:{year}"
    statement = _next_value(connection.dialect.name)
    value = (await connection.execute(statement, {"name": name})).scalar_one()
    return f"{prefix}-{year}-{value:04d}"


async def version_for_message(connection: AsyncConnection, message_id: str) -> Any:
    """The bid version a message already made, if any (processing is idempotent)."""
    return (await connection.execute(_VERSION_OF_MESSAGE, {"message_id": message_id})).first()


async def add_event(
    connection: AsyncConnection,
    *,
    bid_id: int,
    at: datetime,
    actor: str,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> int:
    """Add a line to a bid's history; returns its id."""
    result = await connection.execute(
        _ADD_EVENT,
        {"bid_id": bid_id, "at": at, "actor": actor, "kind": kind, "text": text, "data": data},
    )
    return int(result.scalar_one())


async def bid_by_ref(
    connection: AsyncConnection, ref: str, *, offices: Collection[str] | None = None
) -> Any:
    """The bid with reference ``ref``; with ``offices``, only if it is one of theirs.

    A bid of another office is not found, in the same words as one that does
    not exist: whoever asks learns nothing of other offices' bids.
    """
    row = (
        await connection.execute(select(bids).where(func.upper(bids.c.ref) == ref.upper()))
    ).first()
    if row is None or (offices is not None and row.office not in offices):
        raise NotFound(f"no bid with reference {ref}")
    return row


async def bid_by_id(connection: AsyncConnection, bid_id: int) -> Any:
    row = (await connection.execute(_BID, {"id": bid_id})).first()
    if row is None:
        raise NotFound(f"no bid {bid_id}")
    return row


async def latest_version(connection: AsyncConnection, bid_id: int) -> Any:
    return (await connection.execute(_LATEST_VERSION, {"bid_id": bid_id})).first()


async def list_bids(
    connection: AsyncConnection,
    *,
    office: str | None = None,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
) -> list[Any]:
    """Bids with their latest version's fields and problems, oldest first."""
    query = select(bids).order_by(bids.c.received_at, bids.c.id)
    if office:
        query = query.where(bids.c.office == office)
    if fund:
        query = query.where(bids.c.fund == fund)
    if statuses:
        query = query.where(bids.c.status.in_(statuses))
    return list((await connection.execute(query)).all())


async def history(connection: AsyncConnection, bid_id: int) -> list[Any]:
    return list(
        (
            await connection.execute(
                select(events).where(events.c.bid_id == bid_id).order_by(events.c.id)
            )
        ).all()
    )
