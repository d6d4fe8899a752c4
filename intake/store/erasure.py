"""Erasing a person's data from the database, leaving a record without it.

UK GDPR Art. 17: on request (or when the office's retention says so) an
applicant's bids, versions, events, cards, mail rows and correspondence go,
in one transaction; mentions of their address in other bids' events are
replaced by ``[erased]``. The caller deletes the files the rows named (spool,
outbox), which this returns. On SQLite the freed pages are zeroed
(``secure_delete``) and the write-ahead log emptied, so the bytes do not
linger in the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.errors import TransientError
from intake.store.engine import sqlite_file
from intake.store.queue import real_now
from intake.store.schema import (
    bid_fingerprints,
    bid_moderations,
    bid_scores,
    bid_versions,
    bids,
    cards,
    duplicates,
    erasures,
    events,
    jobs,
    letters,
    message_contents,
    messages,
    outgoing_mail,
    slack_posts,
)

ERASED = "[erased]"
"""What an erased address becomes where it is only mentioned."""


@dataclass(frozen=True, slots=True)
class Erased:
    """What one erasure removed: the bids' references, and the files left to delete."""

    refs: list[str]
    spool_names: list[str] = field(default_factory=list)
    """Files under the spool of the messages removed."""
    sent_message_ids: list[str] = field(default_factory=list)
    """Message-IDs of the mail sent about them (the outbox's file names)."""
    slack_cards: list[tuple[str, str, str, str]] = field(default_factory=list)
    """``(office, ref, channel, ts)`` of the Slack cards the bids had."""
    counts: dict[str, int] = field(default_factory=dict)
    slack_lines: list[tuple[str, str, str]] = field(default_factory=list)
    """``(office, channel, ts)`` of the other messages we posted about them: the lines in
    the cards' threads, and the cards of mail that made no bid (an enquiry's words)."""
    addresses: set[str] = field(default_factory=set)
    """The addresses erased (lower case): the caller removes their mail set aside."""


class JobsRunning(TransientError):
    """A worker is running a job about what is to be erased: the erasure waits for it."""


WAIT_FOR_JOBS = 300.0
"""Seconds an erasure waits for the jobs running about its bids (a parse ends by then)."""


async def erase(
    engine: AsyncEngine,
    *,
    applicant: str | None = None,
    ref: str | None = None,
    office: str | None = None,
    actor: str,
    at: datetime,
) -> Erased:
    """Remove the bids of ``applicant`` (an address, any case) or the bid ``ref``.

    With ``applicant``, their mail that made no bid of theirs (a claim on
    another's bid, correspondence) goes too. ``office`` keeps it to one office's
    bids. Records the erasure (references and counts only) in ``erasures``.
    Safe while the service runs: it waits (up to :data:`WAIT_FOR_JOBS`) for any
    worker running a job about them, and removes the jobs still waiting.
    """
    address = applicant.strip().lower() if applicant else None
    erased = await _patiently(
        lambda: _erase_chosen(engine, address=address, ref=ref, office=office, actor=actor, at=at)
    )
    await _empty_the_log(engine)
    return erased


async def _erase_chosen(
    engine: AsyncEngine,
    *,
    address: str | None,
    ref: str | None,
    office: str | None,
    actor: str,
    at: datetime,
) -> Erased:
    async with engine.begin() as connection:
        chosen = select(bids.c.id, bids.c.ref, bids.c.applicant)
        if ref is not None:
            chosen = chosen.where(bids.c.ref == ref.strip().upper())
        if address is not None:
            chosen = chosen.where(func.lower(bids.c.applicant) == address)
        if office is not None:
            chosen = chosen.where(bids.c.office == office)
        found = (await connection.execute(chosen)).all()
        addresses = {address} if address else set()
        addresses |= {row.applicant.lower() for row in found if row.applicant}
        erased = await _erase_recorded(
            connection,
            [(row.id, row.ref) for row in found],
            addresses=addresses,
            scope="applicant" if address else "ref",
            actor=actor,
            at=at,
        )
    return erased


async def _patiently(attempt: Callable[[], Awaitable[Erased]]) -> Erased:
    """Run an erasure's transaction once no worker runs a job about what it erases.

    The transaction removes the jobs still waiting and gives up (rolling back)
    while one is running: that job's writes (a version, a card, a mail) would
    otherwise land after the erasure. It tries again until they finish.
    """
    deadline = time.monotonic() + WAIT_FOR_JOBS
    while True:
        try:
            return await attempt()
        except JobsRunning:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def erase_expired(
    engine: AsyncEngine,
    *,
    bids_expired: Collection[tuple[int, str]],
    messages_expired: Collection[str],
    raw_mail_expired: Collection[str] = (),
    actor: str,
    at: datetime,
) -> Erased:
    """Remove bids (``(id, ref)``) and mail that made no bid (message ids) whose
    retention ran out, and the database's copy of the raw mail ``raw_mail_expired``
    (the messages and what was read from them stay; the caller deletes their spool
    files), recording it in ``erasures`` with the scope ``retention``.

    Unlike an erasure by applicant, the applicant's other bids and mail stay:
    only what is named goes.
    """

    async def attempt() -> Erased:
        async with engine.begin() as connection:
            await _secure_delete(connection)
            raw = list(raw_mail_expired)
            removed = await connection.execute(
                delete(message_contents).where(message_contents.c.message_id.in_(raw))
            )
            return await _erase_recorded(
                connection,
                list(bids_expired),
                addresses=set(),
                messages=list(messages_expired),
                scope="retention",
                actor=actor,
                at=at,
                extra_counts={"raw_mail": removed.rowcount or 0},
            )

    erased = await _patiently(attempt)
    await _empty_the_log(engine)
    return erased


async def _erase_recorded(
    connection: AsyncConnection,
    found: list[tuple[int, str]],
    *,
    addresses: set[str],
    scope: str,
    actor: str,
    at: datetime,
    messages: Collection[str] = (),
    extra_counts: dict[str, int] | None = None,
) -> Erased:
    await _secure_delete(connection)
    bid_ids = [bid_id for bid_id, _ref in found]
    erased = await _erase_rows(connection, bid_ids, addresses, messages)
    erased.counts.update(extra_counts or {})
    refs = sorted(ref for _id, ref in found)
    await connection.execute(
        insert(erasures).values(at=at, actor=actor, scope=scope, refs=refs, counts=erased.counts)
    )
    return Erased(
        refs=refs,
        spool_names=erased.spool_names,
        sent_message_ids=erased.sent_message_ids,
        slack_cards=erased.slack_cards,
        counts=erased.counts,
        slack_lines=erased.slack_lines,
        addresses=addresses,
    )


async def _secure_delete(connection: AsyncConnection) -> None:
    if connection.dialect.name == "sqlite":
        await connection.execute(text("PRAGMA secure_delete = ON"))


async def _empty_the_log(engine: AsyncEngine) -> None:
    database = sqlite_file(engine.url.render_as_string(hide_password=False))
    if database is not None:
        # The old pages are in the write-ahead log until a checkpoint moves them
        # (on a connection of its own: the engine's keeps statements open).
        await asyncio.to_thread(_checkpoint, database)


def _checkpoint(database: Path) -> None:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


async def erasure_records(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every erasure recorded, oldest first: when, by whom, what (no personal data)."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(erasures).order_by(erasures.c.id))).mappings()
        return [dict(row) for row in rows]


async def _erase_rows(
    connection: AsyncConnection,
    bid_ids: list[int],
    addresses: set[str],
    named: Collection[str] = (),
) -> Erased:
    from_them = (
        or_(*(func.lower(messages.c.mail_from) == a for a in addresses)) if addresses else None
    )
    their_messages = select(messages.c.id, messages.c.spool_name).where(
        or_(
            messages.c.bid_id.in_(bid_ids),
            messages.c.id.in_(list(named)),
            *([from_them] if from_them is not None else []),
        )
    )
    message_rows = (await connection.execute(their_messages)).all()
    message_ids = [row.id for row in message_rows]
    # The answers to mail that made no bid are known by their jobs' keys.
    answers = [key for m in named for key in (f"enquiry:{m}:ack", f"fund_notice:{m}")]
    sent = select(outgoing_mail.c.id, outgoing_mail.c.message_id).where(
        or_(
            outgoing_mail.c.bid_id.in_(bid_ids),
            outgoing_mail.c.key.in_(answers),
            *(func.lower(outgoing_mail.c.to_addr) == a for a in addresses),
        )
    )
    sent_rows = (await connection.execute(sent)).all()
    card_rows = (
        await connection.execute(
            select(bids.c.office, bids.c.ref, cards.c.channel, cards.c.ts)
            .join(bids, bids.c.id == cards.c.bid_id)
            .where(cards.c.bid_id.in_(bid_ids))
        )
    ).all()
    job_ids = await _their_jobs(connection, bid_ids, message_ids)
    running = await connection.execute(
        select(func.count()).where(
            jobs.c.id.in_(job_ids), jobs.c.state == "running", jobs.c.locked_until >= real_now()
        )
    )
    if running.scalar_one():
        raise JobsRunning("a worker is running a job about what is to be erased")
    found = await connection.execute(
        select(bids.c.ref, bids.c.office).where(bids.c.id.in_(bid_ids))
    )
    refs_office = {row.ref: row.office for row in found}
    posts = await _their_posts(connection, refs_office, message_rows)

    counts: dict[str, int] = {}

    async def remove(name: str, statement: Any) -> None:
        counts[name] = (await connection.execute(statement)).rowcount or 0

    await remove("jobs", delete(jobs).where(jobs.c.id.in_(job_ids)))
    await remove(
        "message_contents",
        delete(message_contents).where(message_contents.c.message_id.in_(message_ids)),
    )
    # Their mail accepted into someone else's bid as a version: the version stays
    # that bid's, no longer pointing at the message removed.
    await connection.execute(
        update(bid_versions)
        .where(bid_versions.c.message_id.in_(message_ids), bid_versions.c.bid_id.not_in(bid_ids))
        .values(message_id=None)
    )
    await remove("versions", delete(bid_versions).where(bid_versions.c.bid_id.in_(bid_ids)))
    await remove("events", delete(events).where(events.c.bid_id.in_(bid_ids)))
    await remove("cards", delete(cards).where(cards.c.bid_id.in_(bid_ids)))
    # Award and regret letters (issue 21): counted only where there were any.
    if gone := (
        await connection.execute(delete(letters).where(letters.c.bid_id.in_(bid_ids)))
    ).rowcount:
        counts["letters"] = gone
    # What a bid was compared on, and its possible-duplicate links either way.
    await remove(
        "fingerprints", delete(bid_fingerprints).where(bid_fingerprints.c.bid_id.in_(bid_ids))
    )
    await remove(
        "duplicates",
        delete(duplicates).where(
            duplicates.c.bid_id.in_(bid_ids) | duplicates.c.of_bid_id.in_(bid_ids)
        ),
    )
    # The panel's sheets of the bids (issue 21).
    await remove("scores", delete(bid_scores).where(bid_scores.c.bid_id.in_(bid_ids)))
    await remove(
        "moderations", delete(bid_moderations).where(bid_moderations.c.bid_id.in_(bid_ids))
    )
    await remove(
        "sent_mail", delete(outgoing_mail).where(outgoing_mail.c.id.in_([r.id for r in sent_rows]))
    )
    await remove("slack_posts", delete(slack_posts).where(slack_posts.c.key.in_(list(posts))))
    await remove("messages", delete(messages).where(messages.c.id.in_(message_ids)))
    await remove("bids", delete(bids).where(bids.c.id.in_(bid_ids)))
    counts["mentions"] = await _forget_mentions(connection, addresses)
    return Erased(
        refs=[],
        spool_names=[row.spool_name for row in message_rows if row.spool_name],
        sent_message_ids=[row.message_id for row in sent_rows],
        slack_cards=[(row.office, row.ref, row.channel, row.ts) for row in card_rows if row.ts],
        counts=counts,
        slack_lines=[line for key, line in posts.items() if line is not None],
    )


async def _their_posts(
    connection: AsyncConnection, refs_office: dict[str, str], message_rows: Sequence[Any]
) -> dict[str, tuple[str, str, str] | None]:
    """The Slack posts about the bids and messages erased, by key: each with the
    ``(office, channel, ts)`` to delete, or None for the card (redacted, not deleted)
    and posts never made."""
    keys: dict[str, str] = {}
    for ref, office in refs_office.items():
        keys[f"card:{ref}"] = ""
        lines = await connection.execute(
            select(slack_posts.c.key).where(slack_posts.c.key.startswith(f"line:{ref}:"))
        )
        keys |= {key: office for key in lines.scalars()}
    their = await connection.execute(
        select(messages.c.id, messages.c.office).where(
            messages.c.id.in_([row.id for row in message_rows])
        )
    )
    offices: dict[str, str | None] = {row.id: row.office for row in their}
    keys |= {f"enquiry:{m}:card": offices[m] or "" for m in offices}
    found: dict[str, tuple[str, str, str] | None] = {}
    rows = await connection.execute(select(slack_posts).where(slack_posts.c.key.in_(list(keys))))
    for row in rows:
        office = keys[row.key]
        found[row.key] = (office, row.channel, row.ts) if office and row.ts else None
    return found


async def _their_jobs(
    connection: AsyncConnection, bid_ids: Iterable[int], message_ids: Iterable[str]
) -> list[int]:
    """Jobs about the bids or messages erased (their payloads name them)."""
    bid_set, message_set = set(bid_ids), set(message_ids)
    if not bid_set and not message_set:
        return []
    rows = await connection.execute(
        select(jobs.c.id, jobs.c.payload).where(
            jobs.c.kind.in_(("message", "card", "ack", "enquiry", "fund_notice", "letter", "reply"))
        )
    )
    return [
        row.id
        for row in rows
        if isinstance(row.payload, dict)
        and (row.payload.get("bid") in bid_set or row.payload.get("message") in message_set)
    ]


async def _forget_mentions(connection: AsyncConnection, addresses: set[str]) -> int:
    """Replace the addresses in other bids' events (a claim, an accepted sender)."""
    if not addresses:
        return 0
    mentioning = select(events.c.id, events.c.text, events.c.data).where(
        or_(
            *(func.lower(events.c.text).contains(a) for a in addresses),
            *(func.lower(cast(events.c.data, Text)).contains(a) for a in addresses),
        )
    )
    changed = 0
    for row in (await connection.execute(mentioning)).all():
        data = json.loads(_without(json.dumps(row.data), addresses)) if row.data else row.data
        await connection.execute(
            update(events)
            .where(events.c.id == row.id)
            .values(text=_without(row.text, addresses), data=data)
        )
        changed += 1
    return changed


def _without(value: str, addresses: set[str]) -> str:
    lowered = value.lower()
    for address in addresses:
        start = lowered.find(address)
        while start >= 0:
            value = value[:start] + ERASED + value[start + len(address) :]
            lowered = value.lower()
            start = lowered.find(address, start + len(ERASED))
    return value
