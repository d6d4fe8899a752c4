"""Bids, their versions, their history (events) and their references."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Insert

from intake.errors import NotFound
from intake.rules.bid import Status
from intake.store.engine import dialect_insert
from intake.store.schema import bid_versions, bids, counters, events

JSONObject = dict[str, Any]
"""A JSON column's value: form answers, a problem, an event's data."""


@dataclass(frozen=True, slots=True)
class Bid:
    """A ``bids`` row: a bid, as of its latest version, with the officers' work on it."""

    id: int
    ref: str
    office: str
    fund: str | None
    form: str | None
    round: str | None
    version: int
    status: Status
    organisation: str | None
    project: str | None
    amount_requested: str | None
    applicant: str | None
    thread_subject: str | None
    thread_message_id: str | None
    received_at: datetime
    updated_at: datetime
    assigned_to: str | None
    decision: str | None
    decision_reason: str | None
    scores: dict[str, int] | None
    award_amount: str | None = None
    """The amount awarded ("6000.00"), when the decision is ``awarded``."""
    stage: str | None = None
    """A staged approach's stage (``proposal_requested``, ``recommended``, ``decided``);
    None before the first step, and for funds without stages."""


@dataclass(frozen=True, slots=True)
class BidVersion:
    """A ``bid_versions`` row: one mail's form, as read and judged."""

    id: int
    bid_id: int
    version: int
    message_id: str | None
    received_at: datetime
    file: str | None
    format: str | None
    fields: JSONObject
    problems: list[JSONObject]
    status: Status
    sources: JSONObject
    attachments: list[JSONObject]
    round: str | None
    mail: JSONObject | None


@dataclass(frozen=True, slots=True)
class Event:
    """An ``events`` row: a line of a bid's history."""

    id: int
    bid_id: int
    at: datetime
    actor: str
    kind: str
    text: str
    data: JSONObject | None


@dataclass(frozen=True, slots=True)
class Standing:
    """What a bid's row repeats of its latest version (rewritten with each version)."""

    status: Status
    round: str | None
    organisation: str | None
    project: str | None
    amount_requested: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewBid:
    """A bid's own facts, set by its first version."""

    ref: str
    office: str
    fund: str
    form: str
    applicant: str
    thread_subject: str | None
    thread_message_id: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version's row, as the mail's reading and judgement make it."""

    message_id: str | None
    """The mail it was read from; None for a version made without one (tools, benches)."""
    received_at: datetime
    file: str | None
    format: str | None
    fields: JSONObject
    problems: list[JSONObject]
    status: Status
    sources: JSONObject
    attachments: list[JSONObject]
    round: str | None
    mail: JSONObject


# Built once, executed with each bid's values (building one costs more than running it).
_NEW_BID = insert(bids).returning(bids.c.id)
_NEW_VERSION = insert(bid_versions)
_ADD_EVENT = insert(events).returning(events.c.id)
_BID = select(bids).where(bids.c.id == bindparam("id"))
# Every reference is stored in capitals (an office's prefix must be), so a
# reference typed in any case is found through the unique index on ``ref``;
# ``upper(ref) = ?`` read every bid there is.
_BID_BY_REF = select(bids).where(bids.c.ref == bindparam("ref"))
_LATEST_VERSION = (
    select(bid_versions)
    .where(bid_versions.c.bid_id == bindparam("bid_id"))
    .order_by(bid_versions.c.version.desc())
    .limit(1)
)
_VERSION = select(bid_versions).where(
    bid_versions.c.bid_id == bindparam("bid"), bid_versions.c.version == bindparam("version")
)
_VERSION_OF_MESSAGE = select(bid_versions.c.id).where(
    bid_versions.c.message_id == bindparam("message_id")
)
_HISTORY = select(events).where(events.c.bid_id == bindparam("bid_id")).order_by(events.c.id)
_EVENT = select(events).where(
    events.c.bid_id == bindparam("bid_id"), events.c.id == bindparam("id")
)
_INFO_REQUESTS = select(func.count()).where(
    events.c.bid_id == bindparam("bid_id"),
    events.c.kind == "info_requested",
    events.c.data["version"].as_integer() == bindparam("version"),
)


def _columns(values: NewBid | NewVersion | Standing) -> dict[str, Any]:
    """A value's fields as column values (shallow: ``asdict`` would copy every JSON field)."""
    return {field.name: getattr(values, field.name) for field in fields(values)}


@functools.cache
def _next_value(dialect: str) -> Insert:
    return (
        dialect_insert(dialect, counters)
        .values(name=bindparam("name"), value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
        .returning(counters.c.value)
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


async def add_bid(connection: AsyncConnection, bid: NewBid, standing: Standing) -> int:
    """Store a new bid, at version 1; returns its id."""
    values = {**_columns(bid), **_columns(standing), "version": 1}
    return int((await connection.execute(_NEW_BID, values)).scalar_one())


async def advance_bid(
    connection: AsyncConnection, bid_id: int, *, version: int, standing: Standing
) -> None:
    """Move a bid on to its new ``version``, with that version's standing."""
    await connection.execute(
        update(bids).where(bids.c.id == bid_id).values(version=version, **_columns(standing))
    )


async def add_version(
    connection: AsyncConnection, bid_id: int, number: int, version: NewVersion
) -> None:
    """Store the row of a bid's version ``number``."""
    await connection.execute(
        _NEW_VERSION, {"bid_id": bid_id, "version": number, **_columns(version)}
    )


async def made_a_version(connection: AsyncConnection, message_id: str) -> bool:
    """Whether a message has made a bid version already (processing is idempotent)."""
    found = await connection.execute(_VERSION_OF_MESSAGE, {"message_id": message_id})
    return found.first() is not None


async def add_event(
    connection: AsyncConnection,
    *,
    bid_id: int,
    at: datetime,
    actor: str,
    kind: str,
    text: str,
    data: JSONObject | None = None,
) -> int:
    """Add a line to a bid's history; returns its id."""
    result = await connection.execute(
        _ADD_EVENT,
        {"bid_id": bid_id, "at": at, "actor": actor, "kind": kind, "text": text, "data": data},
    )
    return int(result.scalar_one())


async def bid_by_ref(
    connection: AsyncConnection, ref: str, *, offices: Collection[str] | None = None
) -> Bid:
    """The bid with reference ``ref``; with ``offices``, only if it is one of theirs.

    A bid of another office is not found, in the same words as one that does
    not exist: whoever asks learns nothing of other offices' bids.
    """
    row = (await connection.execute(_BID_BY_REF, {"ref": ref.upper()})).first()
    if row is None or (offices is not None and row.office not in offices):
        raise NotFound(f"no bid with reference {ref}")
    return Bid(**row._mapping)


async def bid_by_id(connection: AsyncConnection, bid_id: int) -> Bid:
    """The bid ``bid_id``; :class:`NotFound` if there is none."""
    row = (await connection.execute(_BID, {"id": bid_id})).first()
    if row is None:
        raise NotFound(f"no bid {bid_id}")
    return Bid(**row._mapping)


async def latest_version(connection: AsyncConnection, bid_id: int) -> BidVersion | None:
    """A bid's newest version (None only for a bid stored without one)."""
    row = (await connection.execute(_LATEST_VERSION, {"bid_id": bid_id})).first()
    return BidVersion(**row._mapping) if row else None


async def version(connection: AsyncConnection, bid_id: int, number: int) -> BidVersion | None:
    """A bid's version ``number``, if it exists."""
    row = (await connection.execute(_VERSION, {"bid": bid_id, "version": number})).first()
    return BidVersion(**row._mapping) if row else None


async def list_bids(
    connection: AsyncConnection,
    *,
    office: str | None = None,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
) -> list[Bid]:
    """Bids (of ``office``, of ``fund``, in ``statuses`` when given), oldest first."""
    query = select(bids).order_by(bids.c.received_at, bids.c.id)
    if office:
        query = query.where(bids.c.office == office)
    if fund:
        query = query.where(bids.c.fund == fund)
    if statuses:
        query = query.where(bids.c.status.in_(statuses))
    return [Bid(**row._mapping) for row in await connection.execute(query)]


async def history(connection: AsyncConnection, bid_id: int) -> list[Event]:
    """A bid's events, oldest first."""
    rows = await connection.execute(_HISTORY, {"bid_id": bid_id})
    return [Event(**row._mapping) for row in rows]


async def event(connection: AsyncConnection, bid_id: int, event_id: int) -> Event | None:
    """One event of a bid's history, if it is one of this bid's."""
    row = (await connection.execute(_EVENT, {"bid_id": bid_id, "id": event_id})).first()
    return Event(**row._mapping) if row else None


async def accepted_senders(connection: AsyncConnection, bid_id: int) -> set[str]:
    """The mailboxes an officer accepted for a bid, besides its applicant's (an
    accepted claim's ``claim_accepted`` event names its sender's)."""
    return {
        str(e.data["mailbox"])
        for e in await history(connection, bid_id)
        if e.kind == "claim_accepted" and e.data and e.data.get("mailbox")
    }


async def assign(connection: AsyncConnection, bid_id: int, *, to: str, at: datetime) -> None:
    """Make the officer ``to`` the one who deals with the bid."""
    await connection.execute(
        update(bids).where(bids.c.id == bid_id).values(assigned_to=to, updated_at=at)
    )


async def decide(
    connection: AsyncConnection, bid_id: int, *, decision: str, reason: str | None, at: datetime
) -> None:
    """Record an officer's ruling on the bid's eligibility."""
    await connection.execute(
        update(bids)
        .where(bids.c.id == bid_id)
        .values(decision=decision, decision_reason=reason, updated_at=at)
    )


async def award(
    connection: AsyncConnection, bid_id: int, *, amount: str, reason: str | None, at: datetime
) -> None:
    """Record the award of ``amount`` (a decimal string): the decision ``awarded``."""
    await connection.execute(
        update(bids)
        .where(bids.c.id == bid_id)
        .values(decision="awarded", award_amount=amount, decision_reason=reason, updated_at=at)
    )


async def set_stage(connection: AsyncConnection, bid_id: int, *, stage: str, at: datetime) -> None:
    """Move a staged approach to ``stage``."""
    await connection.execute(
        update(bids).where(bids.c.id == bid_id).values(stage=stage, updated_at=at)
    )


async def awarded_bids(
    connection: AsyncConnection, *, fund: str
) -> list[tuple[Bid, BidVersion | None]]:
    """The fund's awarded bids with their latest version, oldest first."""
    query = (
        select(bids, *_VERSION_COLUMNS)
        .outerjoin(bid_versions, _LATEST_OF_BID)
        .where(bids.c.fund == fund, bids.c.decision == "awarded")
        .order_by(bids.c.received_at, bids.c.id)
    )
    found = []
    for row in await connection.execute(query):
        values = row._mapping
        bid = Bid(**{name: values[bids.c[name]] for name in _BID_FIELDS})
        version = None
        if values["v_id"] is not None:
            version = BidVersion(**{name: values[f"v_{name}"] for name in _VERSION_FIELDS})
        found.append((bid, version))
    return found


async def set_scores(
    connection: AsyncConnection, bid_id: int, scores: dict[str, int], *, at: datetime
) -> None:
    """Store an officer's scores (criterion id → level)."""
    await connection.execute(
        update(bids).where(bids.c.id == bid_id).values(scores=dict(scores), updated_at=at)
    )


async def info_requests(connection: AsyncConnection, bid_id: int, version: int) -> int:
    """How many times officers have asked the applicant about ``version``'s problems."""
    found = await connection.execute(_INFO_REQUESTS, {"bid_id": bid_id, "version": version})
    return int(found.scalar_one())


_LATEST_OF_BID = (bid_versions.c.bid_id == bids.c.id) & (bid_versions.c.version == bids.c.version)
"""A bid's row with its latest version's (the row's ``version`` is the latest)."""
_VERSION_COLUMNS = [column.label(f"v_{column.name}") for column in bid_versions.c]


def _listing(
    query: Any,
    *,
    office: str | None,
    fund: str | None,
    statuses: tuple[str, ...],
    undecided: bool,
) -> Any:
    if office:
        query = query.where(bids.c.office == office)
    if fund:
        query = query.where(bids.c.fund == fund)
    if statuses:
        query = query.where(bids.c.status.in_(statuses))
    if undecided:
        query = query.where(bids.c.decision.is_(None))
    return query


async def bids_with_versions(
    connection: AsyncConnection,
    *,
    office: str | None = None,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
    undecided: bool = False,
    newest: int | None = None,
    round: str | None = None,
) -> list[tuple[Bid, BidVersion | None]]:
    """Bids with their latest version, oldest first, in one statement.

    Filters as :func:`list_bids` does; ``round``: only bids judged in that round
    of ``fund`` (through ``ix_bids_fund_round``, not the fund's years); ``undecided``:
    only bids without an officer's ruling; ``newest``: only the last ``newest`` of them (still
    listed oldest first), so that a listing costs what it shows, not what the
    years have stored. (A query for each bid's version cost a millisecond a bid.)
    """
    query = select(bids, *_VERSION_COLUMNS).outerjoin(bid_versions, _LATEST_OF_BID)
    query = _listing(query, office=office, fund=fund, statuses=statuses, undecided=undecided)
    if round is not None:
        query = query.where(bids.c.round == round)
    if newest is None:
        query = query.order_by(bids.c.received_at, bids.c.id)
    else:
        query = query.order_by(bids.c.received_at.desc(), bids.c.id.desc()).limit(newest)
    found = [_with_version(row) for row in await connection.execute(query)]
    return found if newest is None else found[::-1]


async def bid_and_version(
    connection: AsyncConnection, bid_id: int, number: int | None = None
) -> tuple[Bid, BidVersion | None]:
    """The bid ``bid_id`` and its version ``number`` (its latest when None), if that
    exists, in one statement; :class:`NotFound` if there is no such bid."""
    row = (await connection.execute(_BID_AND_VERSION, {"id": bid_id, "number": number})).first()
    if row is None:
        raise NotFound(f"no bid {bid_id}")
    return _with_version(row)


def _with_version(row: Any) -> tuple[Bid, BidVersion | None]:
    """A bid and its version from a row of ``bids`` and :data:`_VERSION_COLUMNS`."""
    values = row._mapping
    bid = Bid(**{name: values[bids.c[name]] for name in _BID_FIELDS})
    if values["v_id"] is None:
        return bid, None
    return bid, BidVersion(**{name: values[f"v_{name}"] for name in _VERSION_FIELDS})


_BID_FIELDS = tuple(field.name for field in fields(Bid))
_VERSION_FIELDS = tuple(field.name for field in fields(BidVersion))
# Built once: a card and an acknowledgement each read it (two statements before).
_BID_AND_VERSION = (
    select(bids, *_VERSION_COLUMNS)
    .outerjoin(
        bid_versions,
        (bid_versions.c.bid_id == bids.c.id)
        & (
            bid_versions.c.version
            == func.coalesce(bindparam("number", type_=Integer), bids.c.version)
        ),
    )
    .where(bids.c.id == bindparam("id"))
)


async def count_bids(
    connection: AsyncConnection,
    *,
    office: str | None = None,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
    undecided: bool = False,
) -> int:
    """How many bids :func:`bids_with_versions` would list without ``newest``."""
    query = _listing(
        select(func.count()).select_from(bids),
        office=office,
        fund=fund,
        statuses=statuses,
        undecided=undecided,
    )
    return int((await connection.execute(query)).scalar_one())


@dataclass(frozen=True, slots=True)
class Tally:
    """How many bids of a round have one status and one ruling (None: undecided)."""

    status: str
    decision: str | None
    count: int


async def round_tally(
    connection: AsyncConnection, *, fund: str, round: str, opens: datetime, closes: datetime
) -> tuple[list[Tally], list[list[JSONObject]]]:
    """A round's bids counted by status and ruling, and the problems of its ineligible bids.

    A bid belongs to the round it was judged in; an unreadable one (no round)
    to the round open when it arrived. Counted by the database through
    ``ix_bids_fund_round``: the round's bids, never the fund's years of them.
    """
    tallies: list[Tally] = []
    judged = (bids.c.fund == fund) & (bids.c.round == round)
    unread = (
        (bids.c.fund == fund)
        & bids.c.round.is_(None)
        & (bids.c.status == "unreadable")
        & (bids.c.received_at >= opens)
        & (bids.c.received_at < closes)
    )
    for where in (judged, unread):
        rows = await connection.execute(
            select(bids.c.status, bids.c.decision, func.count())
            .where(where)
            .group_by(bids.c.status, bids.c.decision)
        )
        tallies += [Tally(status, decision, int(count)) for status, decision, count in rows]
    problems = await connection.execute(
        select(bid_versions.c.problems)
        .join(
            bids, (bid_versions.c.bid_id == bids.c.id) & (bid_versions.c.version == bids.c.version)
        )
        .where(judged & (bids.c.status == "ineligible"))
    )
    return tallies, [list(found or ()) for (found,) in problems]


@dataclass(frozen=True, slots=True)
class PotUse:
    """What a pot's bids ask of it, and what was awarded of it."""

    bids: int
    requested: Decimal
    awards: int
    awarded: Decimal


async def requested_of_pot(
    connection: AsyncConnection,
    *,
    fund: str,
    round: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> PotUse:
    """How many bids to ``fund`` ask for money, how much in all, and how much of it
    was awarded: those judged in ``round``, or received from ``since`` to before
    ``until``. Bids the rules found ineligible or the officers marked not eligible
    ask nothing of the pot.

    Amounts are stored as decimal strings and summed here, exactly (a pot's bids
    are a year's or a round's: hundreds, not the fund's history).
    """
    where = (
        (bids.c.fund == fund)
        & bids.c.amount_requested.is_not(None)
        & (bids.c.status != "ineligible")
        & (bids.c.decision.is_(None) | (bids.c.decision != "not_eligible"))
    )
    if round is not None:
        where &= bids.c.round == round
    if since is not None:
        where &= bids.c.received_at >= since
    if until is not None:
        where &= bids.c.received_at < until
    rows = (
        await connection.execute(
            select(bids.c.amount_requested, bids.c.decision, bids.c.award_amount).where(where)
        )
    ).all()
    awarded = [
        Decimal(row.award_amount or row.amount_requested)
        for row in rows
        if row.decision == "awarded"
    ]
    return PotUse(
        bids=len(rows),
        requested=sum((Decimal(row.amount_requested) for row in rows), Decimal(0)),
        awards=len(awarded),
        awarded=sum(awarded, Decimal(0)),
    )
