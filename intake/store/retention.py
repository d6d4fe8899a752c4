"""What an office's retention has run out for; reads only (:mod:`intake.store.erasure` erases)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.schema import bids, message_contents, messages

NO_BID_STATES = ("enquiry", "several_funds", "automatic", "fund_notice", "postmaster")
"""Message states of mail that made no bid and belongs to none."""
READ_STATES = ("processed", "correspondence")
"""Message states of mail kept on a bid, whose raw mail the bid no longer needs once read."""


@dataclass(frozen=True, slots=True)
class RawMail:
    """A message whose raw mail may go: its id, and its spool file's name."""

    id: str
    spool_name: str


def _in_funds(column: ColumnElement[Any], funds: Collection[str | None]) -> ColumnElement[bool]:
    """``column`` is one of ``funds``, or NULL when ``funds`` holds None."""
    named = [f for f in funds if f is not None]
    if None in funds:
        return or_(column.in_(named), column.is_(None))
    return column.in_(named)


async def expired_bids(
    connection: AsyncConnection,
    *,
    office: str,
    funds: Collection[str | None],
    not_eligible_before: datetime | None,
    unreadable_before: datetime | None,
) -> list[tuple[int, str]]:
    """``(id, ref)`` of ``office``'s bids in ``funds`` (None: bids of no fund) ruled not
    eligible and unchanged since ``not_eligible_before``, or unreadable, unruled and
    unchanged since ``unreadable_before``; oldest first."""
    conditions = []
    if not_eligible_before is not None:
        conditions.append(
            (bids.c.decision == "not_eligible") & (bids.c.updated_at < not_eligible_before)
        )
    if unreadable_before is not None:
        conditions.append(
            (bids.c.status == "unreadable")
            & bids.c.decision.is_(None)
            & (bids.c.updated_at < unreadable_before)
        )
    if not conditions or not funds:
        return []
    in_funds = _in_funds(bids.c.fund, funds)
    found = await connection.execute(
        select(bids.c.id, bids.c.ref)
        .where(bids.c.office == office, in_funds)
        .where(conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1])
        .order_by(bids.c.received_at, bids.c.id)
    )
    return [(row.id, row.ref) for row in found]


async def expired_mail(
    connection: AsyncConnection, *, office: str, funds: Collection[str | None], before: datetime
) -> list[str]:
    """Ids of ``office``'s mail to ``funds`` that made no bid and arrived before ``before``."""
    in_funds = _in_funds(messages.c.fund, funds)
    found = await connection.execute(
        select(messages.c.id)
        .where(messages.c.office == office, in_funds, messages.c.bid_id.is_(None))
        .where(messages.c.state.in_(NO_BID_STATES), messages.c.received_at < before)
        .order_by(messages.c.received_at)
    )
    return list(found.scalars())


async def expired_raw_mail(
    connection: AsyncConnection, *, office: str, funds: Collection[str | None], before: datetime
) -> list[RawMail]:
    """``office``'s mail to ``funds`` read into a bid before ``before``: its raw mail may go."""
    in_funds = _in_funds(messages.c.fund, funds)
    found = await connection.execute(
        select(messages.c.id, messages.c.spool_name)
        .where(messages.c.office == office, in_funds, messages.c.bid_id.is_not(None))
        .where(messages.c.state.in_(READ_STATES), messages.c.received_at < before)
        .order_by(messages.c.received_at)
    )
    return [RawMail(row.id, row.spool_name) for row in found]


async def with_stored_copy(connection: AsyncConnection, ids: Collection[str]) -> set[str]:
    """Which of the messages ``ids`` still have their raw mail in the database."""
    if not ids:
        return set()
    found = await connection.execute(
        select(message_contents.c.message_id).where(message_contents.c.message_id.in_(list(ids)))
    )
    return set(found.scalars())
