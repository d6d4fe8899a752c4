"""Reading and writing messages, bids, bid versions and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.errors import NotFound
from intake.store.engine import insert_ignoring_duplicates
from intake.store.queue import enqueue
from intake.store.schema import bid_versions, bids, counters, events, messages


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


async def accept_message(engine: AsyncEngine, message: IncomingMessage) -> tuple[str, bool]:
    """Record a spooled message and queue its processing, in one transaction.

    Returns the message id and whether it is new; a duplicate delivery (same
    dedupe key) returns the id of the copy we already hold.
    """
    try:
        async with engine.begin() as connection:
            existing = await _message_by_dedupe_key(connection, message.dedupe_key)
            if existing is not None:
                return existing, False
            await connection.execute(
                insert(messages).values(
                    id=message.id,
                    office=message.office,
                    fund=message.fund,
                    received_at=message.received_at,
                    mail_from=message.mail_from,
                    rcpt_tos=message.rcpt_tos,
                    peer=message.peer,
                    size=message.size,
                    sha256=message.sha256,
                    dedupe_key=message.dedupe_key,
                    spool_name=message.spool_name,
                    state="queued",
                )
            )
            await enqueue(
                connection,
                kind="message",
                key=f"message:{message.id}",
                payload={"message": message.id},
            )
            return message.id, True
    except IntegrityError:
        # Another node stored the same delivery between our check and insert.
        async with engine.connect() as connection:
            existing = await _message_by_dedupe_key(connection, message.dedupe_key)
        if existing is None:
            raise
        return existing, False


async def _message_by_dedupe_key(connection: AsyncConnection, key: str) -> str | None:
    row = (
        await connection.execute(select(messages.c.id).where(messages.c.dedupe_key == key))
    ).first()
    return row.id if row else None


async def get_message(connection: AsyncConnection, message_id: str) -> Any:
    row = (await connection.execute(select(messages).where(messages.c.id == message_id))).first()
    if row is None:
        raise NotFound(f"no message {message_id}")
    return row


async def set_message_outcome(
    connection: AsyncConnection,
    message_id: str,
    *,
    state: str,
    outcome: str,
    bid_id: int | None = None,
) -> None:
    await connection.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(state=state, outcome=outcome, bid_id=bid_id)
    )


async def next_reference(connection: AsyncConnection, *, prefix: str, year: int) -> str:
    """The next bid reference of an office for a year: ``KENT-2027-0001``.

    The counter row is incremented in the caller's transaction, so two workers
    (or two nodes on PostgreSQL) never hand out the same number.
    """
    name = f"ref:{prefix}:{year}"
    await connection.execute(
        insert_ignoring_duplicates(connection, counters, ["name"]).values(name=name, value=0)
    )
    value = (
        await connection.execute(
            update(counters)
            .where(counters.c.name == name)
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )
    ).scalar_one()
    return f"{prefix}-{year}-{value:04d}"


async def version_for_message(connection: AsyncConnection, message_id: str) -> Any:
    """The bid version a message already made, if any (processing is idempotent)."""
    return (
        await connection.execute(
            select(bid_versions.c.bid_id, bid_versions.c.version).where(
                bid_versions.c.message_id == message_id
            )
        )
    ).first()


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
        insert(events)
        .values(bid_id=bid_id, at=at, actor=actor, kind=kind, text=text, data=data)
        .returning(events.c.id)
    )
    return int(result.scalar_one())


async def bid_by_ref(connection: AsyncConnection, ref: str) -> Any:
    row = (
        await connection.execute(select(bids).where(func.upper(bids.c.ref) == ref.upper()))
    ).first()
    if row is None:
        raise NotFound(f"no bid with reference {ref}")
    return row


async def bid_by_id(connection: AsyncConnection, bid_id: int) -> Any:
    row = (await connection.execute(select(bids).where(bids.c.id == bid_id))).first()
    if row is None:
        raise NotFound(f"no bid {bid_id}")
    return row


async def latest_version(connection: AsyncConnection, bid_id: int) -> Any:
    return (
        await connection.execute(
            select(bid_versions)
            .where(bid_versions.c.bid_id == bid_id)
            .order_by(bid_versions.c.version.desc())
            .limit(1)
        )
    ).first()


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
