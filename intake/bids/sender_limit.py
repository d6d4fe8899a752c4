"""Bounded work per sender: at most so many of one sender's mails are read an hour.

Every mail read becomes a bid (or a version, an enquiry) and a card in an
office's channel, so one address sending thousands of mails would bury the
officers' channel and the parsing workers. Past
``INTAKE_SENDER_HOURLY_LIMIT`` mails in a clock hour, a sender's further mail
is kept (its message and its job) but not read: the job is *held*, listed by
``intake held`` and counted on ``/healthz``, and the office's channel is told
once per sender and hour, until an officer releases it (``intake held
--release``, or the alert's button). Senders are compared as the mail system
delivers (:func:`intake.rules.addresses.mailbox`): ``Bob+1@X.org`` is
``bob@x.org``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.config.model import Config
from intake.errors import HeldBack
from intake.jobs.kinds import MessageJob, SenderAlertJob
from intake.store import messages, queue
from intake.store.engine import reading
from intake.store.queue import enqueue


class LimitContext(Protocol):
    """What the limit needs of the service: the database, and where an office's alerts go."""

    config: Config
    engine: AsyncEngine

    def card_chain(self, *, office: str, fund: str | None) -> str: ...


C = TypeVar("C", bound=LimitContext)


def clock_hour(moment: datetime) -> datetime:
    """The clock hour ``moment`` is in (its start)."""
    return moment.replace(minute=0, second=0, microsecond=0)


async def read_within_limit(
    runtime: C,
    job: MessageJob,
    *,
    limit: int,
    read: Callable[[C, MessageJob], Awaitable[None]],
) -> None:
    """``read`` ``job``'s mail, or, if its sender has had ``limit`` mails read this
    clock hour, hold it (:class:`HeldBack`) and queue the office's alert (once per
    sender and hour).

    A mail read again on an officer's word, or released by one, is never held:
    an officer has already looked (a released one counts towards the hour once
    read). ``limit`` 0: no limit.
    """
    if limit and job.chain and job.again is None and not job.released:
        hour = clock_hour(queue.real_now())
        # A sender's mails are read one at a time (they share a chain), so this
        # count cannot race with another of its mails; it writes nothing.
        done = await queue.chain_done_since(runtime.engine, job.chain, hour, at_most=limit)
        if done >= limit:
            async with runtime.engine.begin() as connection:
                message = await messages.get_message(connection, job.message)
                office = message.office or runtime.config.offices[0].id
                await enqueue(
                    connection,
                    SenderAlertJob(
                        sender=job.sender or "",
                        hour=hour.isoformat(),
                        office=office,
                        limit=limit,
                        chain=runtime.card_chain(office=office, fund=None),
                    ),
                )
            raise HeldBack(
                f"sender {job.sender} has had {limit} mails read since {hour:%H:%M} UTC, "
                "its limit an hour: held until an officer releases it"
            )
    await read(runtime, job)


async def release_sender(engine: AsyncEngine, sender: str, *, office: str | None = None) -> int:
    """Let every held mail of ``sender`` (a mailbox) be read now, only ``office``'s when
    given; how many."""
    released = 0
    for held in await queue.held_jobs(engine):
        if held.kind != MessageJob.kind or held.chain != f"sender:{sender}":
            continue
        if office is not None:
            async with reading(engine) as connection:
                message = await messages.get_message(connection, str(held.payload["message"]))
            if message.office != office:
                continue
        if await queue.release_held(engine, held.key, mark={"released": True}):
            released += 1
    return released
