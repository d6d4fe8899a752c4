"""Mail sent to applicants: each once (by its job's key), and how many an address had today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

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


# Built once: building a statement and its cache key costs more than running it.
_SENT = select(outgoing_mail.c.id).where(outgoing_mail.c.key == bindparam("key"))
_SENT_SINCE = select(func.count()).where(
    outgoing_mail.c.to_addr == bindparam("to"), outgoing_mail.c.sent_at >= bindparam("since")
)


async def was_sent(connection: AsyncConnection, key: str) -> bool:
    """Whether the mail of the job ``key`` has gone out."""
    return (await connection.execute(_SENT, {"key": key})).first() is not None


async def sent_since(connection: AsyncConnection, to: str, since: datetime) -> int:
    """How many mails went to the address ``to`` (any case) since ``since``."""
    found = await connection.execute(_SENT_SINCE, {"to": to.lower(), "since": since})
    return int(found.scalar_one())


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
        },
    )
