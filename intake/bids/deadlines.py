"""Deadline alerts: which are due, claiming each once, and the ``alert`` job that sends it.

The calendar is :func:`intake.rules.calendar.deadlines`. An alert goes out when its
moment has come and is still worth saying (a "closes in 7 days" alert found
a week late is noise, so each kind has a window). Claiming is an insert of the
alert's key into ``alerts`` in the same transaction as its job: the key is
unique, so across restarts and nodes only one claim ever succeeds.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.clock import Clock
from intake.config.model import Config
from intake.jobs.kinds import AlertJob
from intake.rules.calendar import Deadline, deadlines
from intake.store import alerts, bids, duplicates, letters
from intake.store.alerts import AlertClaim
from intake.store.engine import reading
from intake.store.queue import enqueue
from notifier.model import ALERT_KINDS, RoundCounts

ALERTED = ALERT_KINDS
# After its moment, how long an alert is still worth sending: a service that was
# down over the moment sends it late; one started long after does not send it.
# A reminder is worth sending only until the next one, or the close.
LATE_WINDOW = timedelta(days=7)
MORNING = time(9, 0)


class DeadlineContext(Protocol):
    """What claiming due deadline alerts needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    node: str

    def alert_channel(self, *, office: str, fund: str) -> tuple[str, str]: ...


@dataclass(frozen=True, slots=True)
class Due:
    """An alert and the moment it goes out."""

    deadline: Deadline
    at: datetime

    @property
    def key(self) -> str:
        return self.deadline.key


def alert_time(config: Config, deadline: Deadline) -> datetime:
    """When the alert of ``deadline`` goes out.

    Reminders and due dates are already set at 9am. A round closes at
    midnight; its summary goes out at 9am the next morning, when officers read
    it and when the first late bids can be counted.
    """
    if deadline.kind != "closed":
        return deadline.at
    zone = config.office(deadline.office).tz
    local = deadline.at.astimezone(zone)
    morning = datetime.combine(local.date(), MORNING, tzinfo=zone)
    return morning if morning >= local else morning + timedelta(days=1)


def schedule(config: Config) -> list[Due]:
    """Every alert of the calendar with its moment, soonest first."""
    found = [
        Due(deadline=d, at=alert_time(config, d)) for d in deadlines(config) if d.kind in ALERTED
    ]
    return sorted(found, key=lambda due: (due.at, due.key))


def due_now(config: Config, now: datetime) -> list[Due]:
    """The alerts whose moment has come and which are still worth sending."""
    return [due for due in schedule(config) if due.at <= now < _stale_from(config, due)]


def _stale_from(config: Config, due: Due) -> datetime:
    deadline = due.deadline
    if deadline.kind == "closes_in_7_days":
        return due.at + timedelta(days=6)  # "closes tomorrow" says it from then on
    if deadline.kind == "closes_in_1_day":
        return deadline.round.closes_at(config.office(deadline.office).tz)
    return due.at + LATE_WINDOW


def next_moment(config: Config, now: datetime) -> datetime | None:
    """When the next alert falls due, if any does."""
    return next((due.at for due in schedule(config) if due.at > now), None)


async def claim_due(runtime: DeadlineContext) -> list[str]:
    """Claim and queue every alert due now that nobody has claimed; returns their keys."""
    now = runtime.clock.now()
    claimed: list[str] = []
    found = due_now(runtime.config, now)
    if not found:
        return claimed
    async with reading(runtime.engine) as connection:
        # Read first: most ticks find every due alert claimed, and need no write lock.
        taken = await alerts.claimed_among(connection, [d.key for d in found])
    for due in [d for d in found if d.key not in taken]:
        deadline = due.deadline
        channel, chain = runtime.alert_channel(office=deadline.office, fund=deadline.fund.id)
        async with runtime.engine.begin() as connection:
            claim = AlertClaim(
                key=due.key,
                kind=deadline.kind,
                office=deadline.office,
                fund=deadline.fund.id,
                round=deadline.round.id,
                due_at=due.at,
                claimed_at=now,
                claimed_by=runtime.node[:64],
                channel=channel,
            )
            if not await alerts.claim(connection, claim):
                continue
            await enqueue(connection, AlertJob(alert=due.key, chain=chain))
        claimed.append(due.key)
        runtime.log.info("deadline alert claimed: %s", deadline.describe())
    return claimed


async def round_counts(
    connection: AsyncConnection, config: Config, deadline: Deadline
) -> RoundCounts:
    """How the bids of ``deadline``'s round stand: by status, late, and by decision.

    A bid belongs to the round it was judged in (late bids to the round they
    missed); a bid whose form could not be read has no round, and is counted
    when it arrived while the round was open.
    """
    office = config.office(deadline.office)
    tallies, ineligible = await bids.round_tally(
        connection,
        fund=deadline.fund.id,
        round=deadline.round.id,
        opens=deadline.round.opens_at(office.tz),
        closes=deadline.round.closes_at(office.tz),
    )

    repeats = await duplicates.round_duplicates(
        connection, fund=deadline.fund.id, round=deadline.round.id
    )
    by_status: Counter[str] = Counter()
    by_decision: Counter[str | None] = Counter()
    for tally in tallies:
        by_status[tally.status] += tally.count
        by_decision[tally.decision] += tally.count
    return RoundCounts(
        received=by_status.total(),
        complete=by_status["complete"],
        incomplete=by_status["incomplete"],
        ineligible=by_status["ineligible"],
        unreadable=by_status["unreadable"],
        late=sum(1 for problems in ineligible if any(p.get("code") == "late" for p in problems)),
        undecided=by_decision[None] + by_decision[""],
        eligible=by_decision["eligible"],
        not_eligible=by_decision["not_eligible"],
        duplicates=tuple((d.ref, d.of_ref, ", ".join(d.reasons)) for d in repeats),
        withdrawn=tuple(
            await duplicates.round_withdrawn(
                connection, fund=deadline.fund.id, round=deadline.round.id
            )
        ),
        reminded=await letters.reminded(connection, fund=deadline.fund.id, round=deadline.round.id),
        awarded=await letters.awarded(connection, fund=deadline.fund.id, round=deadline.round.id),
    )
