"""Mail we send on our own (acknowledgements, enquiry answers, fund notices): capped, recorded once.

Each is sent with a Message-ID of our domain, derived from its job so that a
retry sends the same message, and recorded in the outbox table under its job's
key, which is how a retry knows it went and how the caps count it.

The caps are one check (:func:`over_cap`) for every sender of automatic mail,
because each is a way a stranger could make us mail third parties: per
mailbox a day (counted as the mail system delivers: ``X+1@`` and ``x+2@`` are
one mailbox), per domain an hour, per office an hour. A cap that trips tells
the office's channel, once per cap and hour (the alert job's key says which
hour), and the mail is not sent.

The check reads the counts and the mail is recorded after it is sent, so the
mails other workers are sending at that moment may pass a cap just reached
(at most one per other effect worker, three on a node): a brake on floods, not
an exact quota, and no lock held across a send to the relay.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Literal, Protocol

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.clock import Clock
from intake.config.model import Config, Office
from intake.jobs.finishing import job_transaction
from intake.jobs.kinds import CapAlertJob
from intake.rules.addresses import mailbox
from intake.store import outbox
from intake.store.bids import Bid
from intake.store.engine import reading
from intake.store.outbox import SentMail
from intake.store.queue import enqueue
from notifier.mailer import Mailer, RelayMailer

CapName = Literal["mailbox", "domain", "office"]


@dataclass(frozen=True, slots=True)
class CapReached:
    """A cap that stops a mail: which, its limit, over what period, and what it counts."""

    cap: CapName
    limit: int
    period: Literal["day", "hour"]
    counted: str
    """The mailbox, domain or office counted."""

    def words(self) -> str:
        """The cap in words for logs and the bid's history: what it counted, named."""
        what = {"mailbox": "to the mailbox", "domain": "to the domain", "office": "from the office"}
        return f"{self.limit} automatic mails a {self.period} {what[self.cap]} {self.counted}"

    def alert_words(self) -> str:
        """The cap in words for the office's channel, naming no person's address (the
        alert outlives any erasure of it; the log names each address)."""
        if self.cap == "mailbox":
            return f"{self.limit} automatic mails a day to one mailbox"
        return self.words()


class CapContext(Protocol):
    """What checking the caps needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger


async def over_cap(runtime: CapContext, office: Office, to: str) -> CapReached | None:
    """The first cap that mailing ``to`` from ``office`` now would pass, or None.

    When one is reached, the office's channel gets an alert (once per cap and
    hour) and a warning is logged; the caller sends nothing.
    """
    async with reading(runtime.engine) as connection:
        reached = await cap_reached(connection, office, to, now=runtime.clock.now())
    if reached is not None:
        await alert_cap(runtime, office, to, reached)
    return reached


async def cap_reached(
    connection: AsyncConnection, office: Office, to: str, *, now: datetime
) -> CapReached | None:
    """:func:`over_cap`'s reading, in a transaction the caller has open (it reads
    the mail's bid in it too); the caller then calls :func:`alert_cap` once that
    transaction is over."""
    box = mailbox(to)
    return await _first_reached(connection, office, box, box.rpartition("@")[2], now)


async def alert_cap(runtime: CapContext, office: Office, to: str, reached: CapReached) -> None:
    """Log that ``reached`` stopped a mail to ``to``, and queue the office's alert."""
    runtime.log.warning("office %s: not mailing %s: %s reached", office.id, to, reached.words())
    async with runtime.engine.begin() as connection:
        await enqueue(
            connection,
            CapAlertJob.of(office.id, reached.cap, reached.alert_words(), at=runtime.clock.now()),
        )


async def _first_reached(
    connection: AsyncConnection, office: Office, box: str, domain: str, now: datetime
) -> CapReached | None:
    day, hour = now - timedelta(days=1), now - timedelta(hours=1)
    to_box, to_domain, from_office = await outbox.recent_counts(
        connection,
        mailbox=outbox.Counted(box, day, office.acks_per_sender_per_day),
        domain=outbox.Counted(domain, hour, office.acks_per_domain_per_hour),
        office=outbox.Counted(office.id, hour, office.acks_per_office_per_hour),
    )
    if box and to_box >= office.acks_per_sender_per_day:
        return CapReached("mailbox", office.acks_per_sender_per_day, "day", box)
    if domain and to_domain >= office.acks_per_domain_per_hour:
        return CapReached("domain", office.acks_per_domain_per_hour, "hour", domain)
    if from_office >= office.acks_per_office_per_hour:
        return CapReached("office", office.acks_per_office_per_hour, "hour", office.id)
    return None


def thread_salt(bid: Bid) -> str:
    """What salts our Message-IDs about ``bid``: facts only its own thread knows, so an
    id is opaque to anyone else (:func:`notifier.references.message_id`)."""
    return f"{bid.id}|{bid.received_at.isoformat()}|{bid.thread_message_id or ''}"


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
    office: str,
    bid_id: int | None = None,
) -> SentMail:
    """The outbox row of ``mail``, sent by ``office``'s ``mailer`` to ``to`` for the job ``key``."""
    return SentMail(
        key=key,
        bid_id=bid_id,
        kind=kind,
        to_addr=to.lower(),
        subject=str(mail["Subject"]),
        message_id=message_id,
        sent_at=at,
        via="relay" if isinstance(mailer, RelayMailer) else "outbox",
        office=office,
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
    *,
    finishing: bool = False,
) -> None:
    """Hand ``mail`` to the relay, then at once ``record`` it (in one transaction).

    ``finishing``: the send is the job's last act, and its record the job's last
    transaction (:func:`intake.jobs.finishing.last_transaction`), which also marks
    the job done: one commit where there were two, the send recorded as soon.

    Raises what the mailer raises (nothing was sent), or the database's error
    after :data:`RECORD_TRIES` (it was sent; the job's retry sends it again).
    """
    async with runtime.sending:
        await runtime.mailer.send(mail)
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                async with job_transaction(runtime.engine, last=finishing) as connection:
                    await record(connection)
                return
            except (OperationalError, DBAPIError) as exc:
                if attempt == RECORD_TRIES:
                    raise
                log.warning(
                    "mail %s sent, not yet recorded (%s); trying again", mail["Message-ID"], exc
                )
                await asyncio.sleep(1.0)
