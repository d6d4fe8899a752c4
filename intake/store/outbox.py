"""Mail sent on our own: each once (by its job's key), and how many went to a mailbox,
a domain or from an office since a moment (what the caps on automatic mail count)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.rules.addresses import mailbox
from intake.store.engine import insert_ignoring_duplicates
from intake.store.schema import outgoing_mail


@dataclass(frozen=True, slots=True)
class SentMail:
    """An ``outgoing_mail`` row: a mail handed to the relay (or the outbox folder)."""

    key: str
    """The key of the job that sent it: a retry finds it sent."""
    bid_id: int | None
    kind: str
    to_addr: str
    """Lower case, as the daily cap counts it."""
    subject: str
    message_id: str
    sent_at: datetime
    via: str
    """``relay`` or ``outbox``."""
    office: str | None = None
    """The office that sent it (counted by the office's hourly cap)."""


# Built once: building a statement and its cache key costs more than running it.
_SENT = select(outgoing_mail.c.id).where(outgoing_mail.c.key == bindparam("key"))
_SENT_SINCE = select(func.count()).where(
    outgoing_mail.c.to_addr == bindparam("to"), outgoing_mail.c.sent_at >= bindparam("since")
)


def _bounded_count(column: Any, name: str) -> Any:
    """How many mails of ``column`` = ``{name}`` were sent since ``{name}_since``, counted
    up to ``{name}_at_most``: enough to compare with a cap, however many there are."""
    found = (
        select(outgoing_mail.c.id)
        .where(column == bindparam(name), outgoing_mail.c.sent_at >= bindparam(f"{name}_since"))
        .limit(bindparam(f"{name}_at_most", type_=Integer))
        .subquery()
    )
    return select(func.count()).select_from(found).scalar_subquery()


_RECENT = select(
    _bounded_count(outgoing_mail.c.to_mailbox, "mailbox"),
    _bounded_count(outgoing_mail.c.to_domain, "domain"),
    _bounded_count(outgoing_mail.c.office, "office"),
)


async def was_sent(connection: AsyncConnection, key: str) -> bool:
    """Whether the mail of the job ``key`` has gone out."""
    return (await connection.execute(_SENT, {"key": key})).first() is not None


async def sent_since(connection: AsyncConnection, to: str, since: datetime) -> int:
    """How many mails went to the address ``to`` (any case) since ``since``."""
    found = await connection.execute(_SENT_SINCE, {"to": to.lower(), "since": since})
    return int(found.scalar_one())


@dataclass(frozen=True, slots=True)
class Counted:
    """What to count: the mails to (or from) ``value`` since ``since``, up to ``at_most``."""

    value: str
    since: datetime
    at_most: int


async def recent_counts(
    connection: AsyncConnection, *, mailbox: Counted, domain: Counted, office: Counted
) -> tuple[int, int, int]:
    """How many mails went to the mailbox ``mailbox.value`` (as
    :func:`intake.rules.addresses.mailbox` gives it: ``X+1@`` and ``x+2@`` are one), to
    addresses at the domain ``domain.value`` (lower case) and from the office
    ``office.value`` on its own, each since its ``since`` and counted up to its
    ``at_most``: one statement, each count a bounded seek of its index."""
    parameters: dict[str, Any] = {}
    for name, counted in (("mailbox", mailbox), ("domain", domain), ("office", office)):
        parameters[name] = counted.value
        parameters[f"{name}_since"] = counted.since
        parameters[f"{name}_at_most"] = counted.at_most
    row = (await connection.execute(_RECENT, parameters)).one()
    return int(row[0]), int(row[1]), int(row[2])


async def bid_of_message_ids(connection: AsyncConnection, ids: Iterable[str]) -> int | None:
    """The bid one of our mails with a Message-ID among ``ids`` was about, or None.

    ``ids`` are a reply's ``In-Reply-To`` then ``References``: the first that is
    one of ours decides (the nearest mail the reply answers).
    """
    wanted = [i.strip() for i in ids if i and i.strip()][:50]
    if not wanted:
        return None
    found = await connection.execute(
        select(outgoing_mail.c.message_id, outgoing_mail.c.bid_id).where(
            outgoing_mail.c.message_id.in_(wanted), outgoing_mail.c.bid_id.is_not(None)
        )
    )
    bids = {row.message_id: int(row.bid_id) for row in found}
    return next((bids[i] for i in wanted if i in bids), None)


async def record_sent(connection: AsyncConnection, mail: SentMail) -> None:
    """Remember a mail as sent (once: a second record of its key is ignored)."""
    await connection.execute(
        insert_ignoring_duplicates(connection, outgoing_mail, ["key"]),
        {
            "key": mail.key,
            "bid_id": mail.bid_id,
            "kind": mail.kind,
            "to_addr": mail.to_addr,
            "subject": mail.subject,
            "message_id": mail.message_id,
            "sent_at": mail.sent_at,
            "via": mail.via,
            "to_mailbox": mailbox(mail.to_addr),
            "to_domain": mailbox(mail.to_addr).rpartition("@")[2],
            "office": mail.office,
        },
    )
