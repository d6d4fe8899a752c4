"""What the panel pack reads: each bid with its latest version's answers, page by page.

An export of a whole office can be 10,000 bids with a few kilobytes of answers
each; it is read in pages of a few hundred (keyset on the bid's id, the order
bids were stored in), so the exporting process's memory stays flat, and the
bid and its latest version come in one statement per page, not one per bid.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.rules.scoring import PanelScore, Ranked
from intake.store.bids import Bid, JSONObject
from intake.store.schema import bid_versions, bids

PAGE = 500
"""Bids read per statement: large enough to amortise a statement, small in memory."""

_BID_COLUMNS = [bids.c[name] for name in Bid.__slots__]


@dataclass(frozen=True, slots=True)
class PanelBid:
    """A bid as the panel sees it: its row and its latest version's answers and problems."""

    bid: Bid
    fields: JSONObject
    problems: list[JSONObject]
    same_organisation: tuple[str, ...] = ()
    """The references of the office's other bids from an organisation of the same name."""
    panel: PanelScore | None = None
    """Its scoring panel's sheets and score (:mod:`intake.bids.panel`)."""
    ranked: Ranked | None = None
    """Its line in its fund's ranking for its round (or year)."""


def _filtered(
    query: Select[Any], *, office: str, fund: str | None, statuses: tuple[str, ...]
) -> Select[Any]:
    query = query.where(bids.c.office == office)
    if fund:
        query = query.where(bids.c.fund == fund)
    if statuses:
        query = query.where(bids.c.status.in_(statuses))
    return query


async def panel_groups(
    connection: AsyncConnection,
    *,
    office: str,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
) -> set[tuple[str | None, str | None]]:
    """The (fund, round) pairs that have bids: one sheet of the panel pack each."""
    query = _filtered(
        select(bids.c.fund, bids.c.round).group_by(bids.c.fund, bids.c.round),
        office=office,
        fund=fund,
        statuses=statuses,
    )
    return {(row[0], row[1]) for row in await connection.execute(query)}


async def same_organisation(connection: AsyncConnection, *, office: str) -> dict[str, list[str]]:
    """Each organisation name (trimmed, lower case) that more than one of the office's
    bids gives, with those bids' references, oldest first: possible duplicates."""
    name = func.lower(func.trim(bids.c.organisation))
    repeated = (
        select(name.label("name"))
        .where(bids.c.office == office, bids.c.organisation.is_not(None))
        .group_by(name)
        .having(func.count() > 1)
        .subquery()
    )
    query = (
        select(name, bids.c.ref)
        .where(bids.c.office == office, name.in_(select(repeated.c.name)))
        .order_by(bids.c.id)
    )
    found: dict[str, list[str]] = {}
    for organisation, ref in await connection.execute(query):
        found.setdefault(organisation, []).append(ref)
    return found


async def panel_bids(
    connection: AsyncConnection,
    *,
    office: str,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
    page: int = PAGE,
) -> AsyncIterator[list[PanelBid]]:
    """Every bid of ``office`` (of ``fund``, in ``statuses``), in pages, in stored order."""
    query = _filtered(
        select(*_BID_COLUMNS, bid_versions.c.fields, bid_versions.c.problems)
        .outerjoin(
            bid_versions,
            and_(bid_versions.c.bid_id == bids.c.id, bid_versions.c.version == bids.c.version),
        )
        .where(bids.c.id > bindparam("after"))
        .order_by(bids.c.id)
        .limit(page),
        office=office,
        fund=fund,
        statuses=statuses,
    )
    after = 0
    while True:
        rows = (await connection.execute(query, {"after": after})).all()
        if not rows:
            return
        found = []
        for row in rows:
            values = row._mapping
            bid = Bid(**{name: values[name] for name in Bid.__slots__})
            found.append(
                PanelBid(bid=bid, fields=values["fields"] or {}, problems=values["problems"] or [])
            )
        yield found
        after = found[-1].bid.id
        if len(rows) < page:
            return
