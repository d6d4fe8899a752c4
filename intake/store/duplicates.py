"""Possible duplicates: links from a bid to the earlier bids of its round it may repeat."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.engine import insert_ignoring_duplicates
from intake.store.schema import bid_fingerprints, bids, duplicates


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A link: ``ref``'s bid may repeat ``of_ref``'s, for ``reasons``."""

    ref: str
    of_ref: str
    reasons: list[str]


async def keep_fingerprints(
    connection: AsyncConnection,
    bid_id: int,
    *,
    fund: str,
    round: str | None,
    values: Mapping[str, str],
) -> None:
    """Keep what ``bid_id`` is compared on (``kind → value``; empty values are not kept)."""
    rows = [
        {"bid_id": bid_id, "kind": kind, "fund": fund, "round": round, "value": value[:255]}
        for kind, value in values.items()
        if value
    ]
    if rows:
        await connection.execute(
            insert_ignoring_duplicates(connection, bid_fingerprints, ["bid_id", "kind"]), rows
        )


async def matching_bids(
    connection: AsyncConnection,
    *,
    fund: str,
    round: str | None,
    values: Mapping[str, str],
    but: int,
    limit: int,
) -> dict[int, tuple[str, list[str]]]:
    """The other bids of ``fund``'s ``round`` (None: of no round) sharing a fingerprint with
    ``values``: ``bid id → (reference, the kinds that match)``, oldest bid first, at most
    the ``limit`` oldest. A seek of ``ix_bid_fingerprints_match`` per kind, reading at most
    ``limit`` entries each, whatever the round's size and however often a form is sent."""
    wanted = [(kind, value[:255]) for kind, value in values.items() if value]
    if not wanted:
        return {}
    parameters: dict[str, Any] = {"fund": fund, "round": round, "but": but, "limit": limit}
    for number, (kind, value) in enumerate(wanted):
        parameters[f"kind{number}"], parameters[f"value{number}"] = kind, value
    rows = await connection.execute(_matching(len(wanted), in_round=round is not None), parameters)
    found: dict[int, tuple[str, list[str]]] = {}
    for kind, bid_id, ref in rows:
        found.setdefault(bid_id, (ref, []))[1].append(kind)
    oldest = sorted(found)[:limit]
    return {bid_id: (found[bid_id][0], sorted(found[bid_id][1])) for bid_id in oldest}


@functools.cache
def _matching(kinds: int, *, in_round: bool) -> Any:
    """The look-up of ``kinds`` fingerprints, built once for each count: building and
    keying it on every new bid cost more than running it (about half of storing a bid,
    sampled).

    One seek of ``ix_bid_fingerprints_match`` per kind, each its own arm of a
    ``UNION ALL``: an ``OR`` of the kinds lets SQLite use only the index's first
    column, which reads the whole fund's fingerprints. One statement, not one a kind:
    each statement run costs more than its seek.
    """
    same_round = (
        bid_fingerprints.c.round == bindparam("round")
        if in_round
        else bid_fingerprints.c.round.is_(None)
    )
    arms = [
        select(bid_fingerprints.c.kind, bid_fingerprints.c.bid_id, bids.c.ref)
        .join(bids, bids.c.id == bid_fingerprints.c.bid_id)
        .where(
            (bid_fingerprints.c.fund == bindparam("fund"))
            & (bid_fingerprints.c.kind == bindparam(f"kind{number}"))
            & (bid_fingerprints.c.value == bindparam(f"value{number}"))
            & same_round
            & (bid_fingerprints.c.bid_id != bindparam("but"))
        )
        .order_by(bid_fingerprints.c.bid_id)
        .limit(bindparam("limit", type_=Integer))
        .subquery(f"kind{number}")
        for number in range(kinds)
    ]
    return union_all(*(select(arm) for arm in arms)) if kinds > 1 else select(arms[0])


async def link_all(
    connection: AsyncConnection, bid_id: int, links: Mapping[int, list[str]], *, at: datetime
) -> None:
    """Record that ``bid_id`` may repeat each bid of ``links`` (``bid id → reasons``), in
    one statement; a link recorded before is kept as it was."""
    if not links:
        return
    await connection.execute(
        insert_ignoring_duplicates(connection, duplicates, ["bid_id", "of_bid_id"]),
        [
            {"bid_id": bid_id, "of_bid_id": other, "reasons": reasons, "found_at": at}
            for other, reasons in links.items()
        ],
    )


async def duplicates_of(connection: AsyncConnection, bid_id: int) -> list[Duplicate]:
    """The earlier bids ``bid_id`` may repeat, oldest first."""
    rows = await connection.execute(_DUPLICATES_OF, {"bid": bid_id})
    return [Duplicate(ref, of_ref, list(reasons or [])) for ref, of_ref, reasons in rows]


def _duplicates_of() -> Any:
    """Built once (every card reads it): its two aliases of ``bids`` cost more to make
    than the look-up."""
    mine, earlier = bids.alias("mine"), bids.alias("earlier")
    return (
        select(mine.c.ref, earlier.c.ref, duplicates.c.reasons)
        .join(mine, mine.c.id == duplicates.c.bid_id)
        .join(earlier, earlier.c.id == duplicates.c.of_bid_id)
        .where(duplicates.c.bid_id == bindparam("bid"))
        .order_by(duplicates.c.of_bid_id)
    )


_DUPLICATES_OF = _duplicates_of()


async def round_duplicates(
    connection: AsyncConnection, *, fund: str, round: str
) -> list[Duplicate]:
    """Every bid of a round flagged as repeating an earlier one, with the first it repeats.

    Read from the round's bids (``ix_bids_fund_round``) to their links (the primary
    key), never through the whole table; sorted here, not by a temporary B-tree.
    """
    mine, earlier = bids.alias("mine"), bids.alias("earlier")
    rows = await connection.execute(
        select(mine.c.id, earlier.c.id, mine.c.ref, earlier.c.ref, duplicates.c.reasons)
        .select_from(mine)
        .join(duplicates, duplicates.c.bid_id == mine.c.id)
        .join(earlier, earlier.c.id == duplicates.c.of_bid_id)
        .where((mine.c.fund == fund) & (mine.c.round == round))
    )
    found: dict[str, Duplicate] = {}
    for _mine, _earlier, ref, of_ref, reasons in sorted(rows, key=lambda r: (r[0], r[1])):
        found.setdefault(ref, Duplicate(ref, of_ref, list(reasons or [])))
    return list(found.values())


async def are_linked(connection: AsyncConnection, bid_id: int, other_id: int) -> bool:
    """Whether the two bids are flagged as possible duplicates of each other (either way)."""
    rows = await connection.execute(
        select(duplicates.c.bid_id).where(
            ((duplicates.c.bid_id == bid_id) & (duplicates.c.of_bid_id == other_id))
            | ((duplicates.c.bid_id == other_id) & (duplicates.c.of_bid_id == bid_id))
        )
    )
    return rows.first() is not None


async def round_withdrawn(connection: AsyncConnection, *, fund: str, round: str) -> list[str]:
    """The references of a round's bids an officer marked withdrawn (a duplicate's other half),
    through the round's index like :func:`round_duplicates`."""
    rows = await connection.execute(
        select(bids.c.ref).where(
            (bids.c.fund == fund) & (bids.c.round == round) & (bids.c.decision == WITHDRAWN)
        )
    )
    return sorted(ref for (ref,) in rows)


WITHDRAWN = "withdrawn"
"""The ruling of a bid an officer set aside as the other of a duplicate pair."""
