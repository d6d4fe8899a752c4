"""Bids' triage cards: where each was posted (channel and ``ts``) and what it last showed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.engine import insert_ignoring_duplicates
from intake.store.schema import cards

CardPayload = dict[str, Any]
"""The card's Slack message (Block Kit JSON)."""


@dataclass(frozen=True, slots=True)
class Card:
    """A ``cards`` row; ``ts`` is None for a card only printed on the console."""

    bid_id: int
    channel: str
    ts: str | None
    payload: CardPayload
    posted_at: datetime
    updated_at: datetime


_CARD = select(cards).where(cards.c.bid_id == bindparam("bid"))
"""Built once: building a statement and its cache key costs more than running it."""


async def card_of(connection: AsyncConnection, bid_id: int) -> Card | None:
    """The bid's card, if it has been shown."""
    row = (await connection.execute(_CARD, {"bid": bid_id})).first()
    return Card(**row._mapping) if row else None


async def add_card(
    connection: AsyncConnection,
    bid_id: int,
    *,
    channel: str,
    ts: str | None,
    payload: CardPayload,
    at: datetime,
) -> None:
    """Store a bid's first card (a second one for the same bid is ignored)."""
    await connection.execute(
        insert_ignoring_duplicates(connection, cards, ["bid_id"]),
        {
            "bid_id": bid_id,
            "channel": channel,
            "ts": ts,
            "payload": payload,
            "posted_at": at,
            "updated_at": at,
        },
    )


async def update_card(
    connection: AsyncConnection,
    bid_id: int,
    *,
    channel: str,
    ts: str | None,
    payload: CardPayload,
    at: datetime,
) -> None:
    """Store what a card shows now; with ``ts``, also where it is (a console card posted)."""
    await connection.execute(
        update(cards)
        .where(cards.c.bid_id == bid_id)
        .values(payload=payload, updated_at=at, **({"ts": ts, "channel": channel} if ts else {}))
    )
