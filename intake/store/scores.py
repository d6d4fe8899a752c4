"""The scoring panel's rows: each officer's sheet of a bid, and the lead's moderated one.

Sheets are returned as :class:`intake.rules.scoring.Sheet`, the panel's
arithmetic's own type. A ranking's bids and every sheet of them come in one
statement, through the fund's indexes on ``bids`` and the sheets' primary keys.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.rules.scoring import Sheet
from intake.store.engine import upsert
from intake.store.schema import bid_moderations, bid_scores, bids


@dataclass(frozen=True, slots=True)
class Sheets:
    """A bid's scorers' sheets (in the order they first scored) and its moderated sheet."""

    scored: tuple[Sheet, ...]
    moderated: Sheet | None


async def save_sheet(
    connection: AsyncConnection, bid_id: int, sheet: Sheet, *, at: datetime
) -> bool:
    """Keep ``sheet`` as its scorer's for ``bid_id`` (replacing theirs); True if it is new."""
    before = await connection.execute(
        select(bid_scores.c.scorer).where(
            bid_scores.c.bid_id == bid_id, bid_scores.c.scorer == sheet.scorer
        )
    )
    new = before.first() is None
    await connection.execute(
        *upsert(
            connection,
            bid_scores,
            ["bid_id", "scorer"],
            bid_id=bid_id,
            scorer=sheet.scorer,
            levels=dict(sheet.levels),
            comments=dict(sheet.comments),
            scored_at=at,
        )
    )
    return new


async def save_moderation(
    connection: AsyncConnection, bid_id: int, sheet: Sheet, *, at: datetime
) -> None:
    """Keep ``sheet`` as the bid's moderated score (the lead's, replacing any before)."""
    await connection.execute(
        *upsert(
            connection,
            bid_moderations,
            ["bid_id"],
            bid_id=bid_id,
            lead=sheet.scorer,
            levels=dict(sheet.levels),
            comments=dict(sheet.comments),
            moderated_at=at,
        )
    )


async def sheets_of(connection: AsyncConnection, bid_id: int) -> Sheets:
    """The bid's sheets and its moderated sheet: one statement."""
    found = _grouped(await connection.execute(_SHEETS_OF_ONE, {"bid": bid_id}))
    return found.get(bid_id, Sheets((), None))


async def sheets_of_bids(
    connection: AsyncConnection, bid_ids: Collection[int]
) -> dict[int, Sheets]:
    """Every sheet of ``bid_ids`` (a page of the panel pack), in one statement."""
    if not bid_ids:
        return {}
    return _grouped(await connection.execute(_sheets(bid_ids=list(bid_ids))))


def _sheets(*, bid_ids: list[int] | None = None) -> Any:
    """The sheets of ``bid_ids``, or of the one bid bound as ``bid``. The one bid's is
    built once (every card reads it): making and keying the union cost more than
    running it."""
    scored_of = (
        bid_scores.c.bid_id == bindparam("bid")
        if bid_ids is None
        else bid_scores.c.bid_id.in_(bid_ids)
    )
    moderated_of = (
        bid_moderations.c.bid_id == bindparam("bid")
        if bid_ids is None
        else bid_moderations.c.bid_id.in_(bid_ids)
    )
    scored = select(
        literal("scored").label("kind"),
        bid_scores.c.bid_id,
        bid_scores.c.scorer,
        bid_scores.c.levels,
        bid_scores.c.comments,
        bid_scores.c.scored_at.label("at"),
    ).where(scored_of)
    moderated = select(
        literal("moderated").label("kind"),
        bid_moderations.c.bid_id,
        bid_moderations.c.lead,
        bid_moderations.c.levels,
        bid_moderations.c.comments,
        bid_moderations.c.moderated_at,
    ).where(moderated_of)
    return union_all(scored, moderated).order_by("bid_id", "at")


_SHEETS_OF_ONE = _sheets()


@dataclass(frozen=True, slots=True)
class RankingRow:
    """A bid a ranking covers, with its panel's sheets."""

    bid_id: int
    ref: str
    organisation: str | None
    amount_requested: str | None
    received_at: datetime
    sheets: Sheets


async def ranking_rows(
    connection: AsyncConnection,
    *,
    fund: str,
    round: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RankingRow]:
    """The bids of ``fund`` a ranking covers, with every sheet: one statement.
    (The sheets' comments are not read: a ranking shows none, and a round's
    thousands of sheets cost their JSON each.)

    Those judged in ``round``, or received from ``since`` to before ``until``
    (``ix_bids_fund_round``, ``ix_bids_fund_received``); bids the rules found
    ineligible or the officers marked not eligible are not ranked, as they ask
    nothing of the pot (:func:`intake.store.bids.requested_of_pot`).
    """
    where = (
        (bids.c.fund == fund)
        & (bids.c.status != "ineligible")
        & (bids.c.decision.is_(None) | (bids.c.decision != "not_eligible"))
    )
    if round is not None:
        where &= bids.c.round == round
    if since is not None:
        where &= bids.c.received_at >= since
    if until is not None:
        where &= bids.c.received_at < until
    query = (
        select(
            bids.c.id,
            bids.c.ref,
            bids.c.organisation,
            bids.c.amount_requested,
            bids.c.received_at,
            bid_scores.c.scorer,
            bid_scores.c.levels,
            bid_moderations.c.lead,
            bid_moderations.c.levels.label("m_levels"),
        )
        .outerjoin(bid_scores, bid_scores.c.bid_id == bids.c.id)
        .outerjoin(bid_moderations, bid_moderations.c.bid_id == bids.c.id)
        .where(where)
        .order_by(bids.c.id, bid_scores.c.scored_at)
    )
    found: dict[int, tuple[Any, list[Sheet], Sheet | None]] = {}
    for row in await connection.execute(query):
        _, sheets, _ = found.setdefault(
            row.id,
            (
                row,
                [],
                Sheet(row.lead, _levels(row.m_levels)) if row.lead is not None else None,
            ),
        )
        if row.scorer is not None:
            sheets.append(Sheet(row.scorer, _levels(row.levels)))
    return [
        RankingRow(
            bid_id=row.id,
            ref=row.ref,
            organisation=row.organisation,
            amount_requested=row.amount_requested,
            received_at=row.received_at,
            sheets=Sheets(tuple(sheets), moderated),
        )
        for row, sheets, moderated in found.values()
    ]


def _levels(value: Mapping[str, Any] | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in (value or {}).items()}


def _grouped(rows: Any) -> dict[int, Sheets]:
    scored: dict[int, list[Sheet]] = {}
    moderated: dict[int, Sheet] = {}
    for kind, bid_id, who, levels, comments, _ in rows:
        sheet = Sheet(who, _levels(levels), dict(comments or {}))
        if kind == "moderated":
            moderated[bid_id] = sheet
        else:
            scored.setdefault(bid_id, []).append(sheet)
    return {
        bid_id: Sheets(tuple(scored.get(bid_id, ())), moderated.get(bid_id))
        for bid_id in scored.keys() | moderated.keys()
    }
