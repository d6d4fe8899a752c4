"""Deadline alerts: which are due, claiming each once, and the ``alert`` job that sends it.

The calendar is :func:`intake.rules.calendar.deadlines`. An alert goes out when its
moment has come and is still worth saying (a "closes in 7 days" alert found
a week late is noise, so each kind has a window). Claiming is an insert of the
alert's key into ``alerts`` in the same transaction as its job: the key is
unique, so across restarts and nodes only one claim ever succeeds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from intake.config.model import Config
from intake.jobs.kinds import AlertJob
from intake.rules.calendar import Deadline, deadlines
from intake.runtime import Runtime
from intake.slack.channels import channel_for, office_place, slack_chain
from intake.slack.posts import post_once
from intake.store import alerts, bids
from intake.store.alerts import AlertClaim
from intake.store.engine import reading
from intake.store.queue import enqueue
from notifier.alerts import console_alert, deadline_alert
from notifier.model import ALERT_KINDS, DeadlineAlert, RoundCounts

ALERTED = ALERT_KINDS
# After its moment, how long an alert is still worth sending: a service that was
# down over the moment sends it late; one started long after does not send it.
# A reminder is worth sending only until the next one, or the close.
LATE_WINDOW = timedelta(days=7)
MORNING = time(9, 0)


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


async def claim_due(runtime: Runtime) -> list[str]:
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
        channel = channel_for(runtime.config, office=deadline.office, fund=deadline.fund.id)
        place = office_place(runtime.config, office=deadline.office, channel=channel)
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
            await enqueue(connection, AlertJob(alert=due.key, chain=slack_chain(place)))
        claimed.append(due.key)
        runtime.log.info("deadline alert claimed: %s", deadline.describe())
    return claimed


async def send_alert(runtime: Runtime, job: AlertJob) -> None:
    """The ``alert`` job: count the round's bids now and post (or print) the alert once."""
    key = job.alert
    async with reading(runtime.engine) as connection:
        row = await alerts.alert_by_key(connection, key)
    if row is None or row.posted_at is not None:
        return
    deadline = next((d for d in deadlines(runtime.config) if d.key == key), None)
    if deadline is None:
        runtime.log.warning("alert %s: no longer in the configuration; not sent", key)
        return
    async with reading(runtime.engine) as connection:
        counts = await round_counts(connection, runtime.config, deadline)
    office = runtime.config.office(deadline.office)
    alert = DeadlineAlert(
        kind=deadline.kind,  # type: ignore[arg-type]
        office_name=office.name,
        fund_name=deadline.fund.name,
        round_name=deadline.round.name,
        timezone=office.timezone,
        due_at=deadline.at,
        closes_at=deadline.round.closes_at(office.tz),
        decisions_due_at=datetime.combine(
            deadline.round.decisions_due_on(), MORNING, tzinfo=office.tz
        ),
        counts=counts,
    )
    payload = deadline_alert(alert)
    channel, ts = row.channel or "", None  # every claim names its channel
    slack = await runtime.slack.poster_for(deadline.office)
    if slack is None:
        print("── Deadline alert ".ljust(78, "─") + "\n" + console_alert(alert), flush=True)
        channel = "console"
    else:
        channel, ts = await post_once(
            runtime,
            slack,
            key=f"alert:{key}",
            channel=channel,
            place=office_place(runtime.config, office=deadline.office, channel=channel),
            payload=payload,
        )
    async with runtime.engine.begin() as connection:
        await alerts.mark_posted(
            connection, key, channel=channel, ts=ts, at=runtime.clock.now(), payload=payload
        )


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
    )
