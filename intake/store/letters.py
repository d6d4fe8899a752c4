"""Award and regret letters: drafted per bid, sent once; and who was reminded of what."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.engine import dialect_insert
from intake.store.schema import bids, events, jobs, letters


@dataclass(frozen=True, slots=True)
class Letter:
    """A ``letters`` row."""

    id: int
    bid_id: int
    fund: str
    round: str
    kind: str
    """``award`` or ``regret``."""
    amount: str | None
    to_addr: str
    subject: str
    body: str
    drafted_at: datetime
    drafted_by: str
    send_by: str | None
    """The officer who clicked Send (set when the letter was queued)."""
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Draft:
    """A letter as generated from the template."""

    bid_id: int
    fund: str
    round: str
    kind: str
    amount: str | None
    to_addr: str
    subject: str
    body: str


async def save_drafts(
    connection: AsyncConnection, drafts: Collection[Draft], *, at: datetime, by: str
) -> None:
    """Keep ``drafts``, replacing a bid's earlier draft; a letter queued or sent stays."""
    for draft in drafts:
        values = {
            "bid_id": draft.bid_id,
            "fund": draft.fund,
            "round": draft.round,
            "kind": draft.kind,
            "amount": draft.amount,
            "to_addr": draft.to_addr,
            "subject": draft.subject,
            "body": draft.body,
            "drafted_at": at,
            "drafted_by": by[:128],
        }
        statement = dialect_insert(connection.dialect.name, letters).values(values)
        changed = {k: v for k, v in values.items() if k != "bid_id"}
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=["bid_id"], set_=changed, where=letters.c.send_by.is_(None)
            )
        )


async def round_letters(connection: AsyncConnection, *, fund: str, round: str) -> list[Letter]:
    """A round's letters, in the order of their bids."""
    rows = await connection.execute(
        select(letters)
        .where(letters.c.fund == fund, letters.c.round == round)
        .order_by(letters.c.bid_id)
    )
    return [Letter(**row._mapping) for row in rows]


async def letter(connection: AsyncConnection, letter_id: int) -> Letter | None:
    """One letter, if it exists."""
    row = (await connection.execute(select(letters).where(letters.c.id == letter_id))).first()
    return Letter(**row._mapping) if row else None


async def mark_to_send(connection: AsyncConnection, letter_id: int, *, by: str) -> bool:
    """Record the officer's click; False when the letter was already sent or queued."""
    result = await connection.execute(
        update(letters)
        .where(letters.c.id == letter_id, letters.c.send_by.is_(None))
        .values(send_by=by[:128])
    )
    return bool(result.rowcount)


async def mark_sent(connection: AsyncConnection, letter_id: int, *, at: datetime) -> None:
    """Record that the letter's mail went."""
    await connection.execute(update(letters).where(letters.c.id == letter_id).values(sent_at=at))


async def grantees(connection: AsyncConnection, *, fund: str, round: str) -> list[tuple[int, int]]:
    """The bids of a round whose award letter was sent: ``(bid id, latest version)``.

    Through ``ix_letters_round``: the round's letters, never the years'."""
    rows = await connection.execute(
        select(bids.c.id, bids.c.version)
        .select_from(letters)
        .join(bids, letters.c.bid_id == bids.c.id)
        .where(
            letters.c.fund == fund,
            letters.c.round == round,
            letters.c.kind == "award",
            letters.c.sent_at.is_not(None),
        )
    )
    return sorted((int(bid_id), int(version)) for bid_id, version in rows)


async def awarded(connection: AsyncConnection, *, fund: str, round: str) -> int:
    """How many of a round's award letters were sent."""
    found = await connection.execute(
        select(func.count()).where(
            letters.c.fund == fund,
            letters.c.round == round,
            letters.c.kind == "award",
            letters.c.sent_at.is_not(None),
        )
    )
    return int(found.scalar_one())


async def incomplete_undecided(
    connection: AsyncConnection, *, fund: str, round: str
) -> list[tuple[int, int]]:
    """A round's incomplete bids no officer has ruled on: ``(bid id, latest version)``.

    A ruling (eligible, not eligible, withdrawn) means an officer has the bid in
    hand; an ineligible bid cannot be put right by a corrected form in time.
    """
    rows = await connection.execute(
        select(bids.c.id, bids.c.version)
        .where(
            bids.c.fund == fund,
            bids.c.round == round,
            bids.c.status == "incomplete",
            bids.c.decision.is_(None),
        )
        .order_by(bids.c.id)
    )
    return [(int(bid_id), int(version)) for bid_id, version in rows]


async def reminded(connection: AsyncConnection, *, fund: str, round: str) -> int:
    """How many of a round's applicants were sent their reminder of what is missing
    (the ``reminded`` events of the round's bids: ``ix_bids_fund_round``, then each
    bid's events by ``bid_id``)."""
    found = await connection.execute(
        select(func.count())
        .select_from(bids)
        .join(events, events.c.bid_id == bids.c.id)
        .where(bids.c.fund == fund, bids.c.round == round, events.c.kind == "reminded")
    )
    return int(found.scalar_one())


async def queued_among(connection: AsyncConnection, keys: Collection[str]) -> set[str]:
    """Which of the job ``keys`` are queued already (finished or not)."""
    found = await connection.execute(select(jobs.c.key).where(jobs.c.key.in_(list(keys))))
    return set(found.scalars())
