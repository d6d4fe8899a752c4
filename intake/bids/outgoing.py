"""Mail we send on our own (acknowledgements, enquiry answers, fund notices), recorded once.

Each is sent with a Message-ID of our domain, derived from its job so that a
retry sends the same message, and recorded in the outbox table under its job's
key, which is how a retry knows it went and how the daily cap counts it.

SMTP cannot make a hand-over and our record of it one act, so a mail goes
twice only if its node dies (or loses its database) after the relay's ``250``
and before the record commits. :func:`send_then_record` keeps that window to one
mail a node and a few milliseconds: the record is the next thing done, and
this node hands the relay no other mail until it is committed. A record that
fails is tried again for a while before the job is given back (which would
send the mail again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.config.model import Office
from intake.store.outbox import SentMail
from notifier.mailer import Mailer, RelayMailer


def our_domain(office: Office, fallback: str) -> str:
    """The domain of our Message-IDs for ``office``: its reply address's, else ``fallback``."""
    return parseaddr(office.reply_from)[1].rsplit("@", 1)[-1] or fallback


def sent_row(
    mail: EmailMessage,
    mailer: Mailer,
    *,
    key: str,
    kind: str,
    to: str,
    message_id: str,
    at: datetime,
    bid_id: int | None = None,
) -> SentMail:
    """The outbox row of ``mail``, sent by ``mailer`` to ``to`` for the job ``key``."""
    return SentMail(
        key=key,
        bid_id=bid_id,
        kind=kind,
        to_addr=to.lower(),
        subject=str(mail["Subject"]),
        message_id=message_id,
        sent_at=at,
        via="relay" if isinstance(mailer, RelayMailer) else "outbox",
    )


RECORD_TRIES = 5
"""Tries of the record of a mail the relay has accepted (a second apart) before
the job is given back, to send it again."""

log = logging.getLogger("intake.bids.outgoing")


class SendingContext(Protocol):
    """What sending a mail of ours needs of the service."""

    engine: AsyncEngine
    mailer: Mailer
    sending: asyncio.Lock
    """Held from a mail's hand-over to the relay until its record commits."""


async def send_then_record(
    runtime: SendingContext,
    mail: EmailMessage,
    record: Callable[[AsyncConnection], Awaitable[None]],
) -> None:
    """Hand ``mail`` to the relay, then at once ``record`` it (in one transaction).

    Raises what the mailer raises (nothing was sent), or the database's error
    after :data:`RECORD_TRIES` (it was sent; the job's retry sends it again).
    """
    async with runtime.sending:
        await runtime.mailer.send(mail)
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                async with runtime.engine.begin() as connection:
                    await record(connection)
                return
            except (OperationalError, DBAPIError) as exc:
                if attempt == RECORD_TRIES:
                    raise
                log.warning(
                    "mail %s sent, not yet recorded (%s); trying again", mail["Message-ID"], exc
                )
                await asyncio.sleep(1.0)
