"""Mail a round owes its applicants on dates of its calendar, each sent once.

- **Reminders**: ``reminder_days_before_close`` days before a round closes (per
  fund, or the office's default), every applicant whose bid is still incomplete,
  and on which no officer has ruled, is told once what is still missing.
- **Monitoring**: two weeks before a report falls due (the round's
  ``updates_due`` days: the mid-year or six-month progress report; its
  ``monitoring_due``: the year-end report), every grantee of the round (a bid
  whose award letter was sent) is reminded of it, once.

The scheduler (:mod:`intake.jobs.scheduler`) calls :func:`claim_due` on every
node; it queues one :class:`~intake.jobs.kinds.RoundMailJob` per moment, whose
key is the moment's, so a restart or a second node queues nothing twice. The
job queues one :class:`~intake.jobs.kinds.AckJob` per applicant, whose key is
the bid's and the moment's: a bid is reminded once, whatever runs twice. The
mails themselves are the ``ack`` job's (:mod:`intake.bids.acknowledge`), which
records each on the bid's history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.clock import Clock
from intake.config.model import Config
from intake.jobs.kinds import AckJob, RoundMailJob
from intake.jobs.waker import EFFECTS, Waker
from intake.store import letters
from intake.store.engine import reading
from intake.store.queue import enqueue, enqueue_many

MORNING = time(9, 0)
MONITORING_NOTICE = timedelta(days=14)
"""How long before a report falls due its grantees are reminded."""

PROGRESS_REPORT = "mid-year progress report"
YEAR_END_REPORT = "year-end monitoring report"


class RoundMailContext(Protocol):
    """What queuing a round's mail needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    waker: Waker


@dataclass(frozen=True, slots=True)
class Moment:
    """A round's mail and when it may go: from ``at`` to before ``until``."""

    job: RoundMailJob
    at: datetime
    until: datetime
    report: str | None = None
    """For monitoring: what is due."""


def moments(config: Config) -> list[Moment]:
    """Every moment of every fund's rounds, soonest first."""
    found: list[Moment] = []
    for fund in config.funds:
        if not fund.takes_bids:
            continue
        zone = config.office(fund.office).tz
        days = config.reminder_days(fund)

        def morning(day: date, zone: object = zone) -> datetime:
            return datetime.combine(day, MORNING, tzinfo=zone)  # type: ignore[arg-type]

        for round_ in fund.rounds:
            closes = round_.closes_at(zone)
            if days is not None:
                at = max(morning(round_.closes - timedelta(days=days)), round_.opens_at(zone))
                found.append(Moment(RoundMailJob("reminders", fund.id, round_.id), at, closes))
            reports = [(day, PROGRESS_REPORT) for day in round_.updates_due]
            if round_.monitoring_due:
                reports.append((round_.monitoring_due, YEAR_END_REPORT))
            for day, report in reports:
                job = RoundMailJob("monitoring", fund.id, round_.id, due=day.isoformat())
                due = morning(day)
                found.append(Moment(job, due - MONITORING_NOTICE, due + timedelta(days=1), report))
    return sorted(found, key=lambda m: (m.at, m.job.key))


def due_now(config: Config, now: datetime) -> list[Moment]:
    """The moments that have come and are still worth acting on."""
    return [m for m in moments(config) if m.at <= now < m.until]


def next_moment(config: Config, now: datetime) -> datetime | None:
    """When the next moment comes, if one does."""
    return next((m.at for m in moments(config) if m.at > now), None)


async def claim_due(runtime: RoundMailContext) -> list[str]:
    """Queue the job of every moment due now that is not queued yet; returns their keys."""
    found = due_now(runtime.config, runtime.clock.now())
    if not found:
        return []
    async with reading(runtime.engine) as connection:
        # Read first: most ticks find every due moment queued, and need no write lock.
        taken = await letters.queued_among(connection, [m.job.key for m in found])
    queued: list[str] = []
    for moment in [m for m in found if m.job.key not in taken]:
        async with runtime.engine.begin() as connection:
            if await enqueue(connection, moment.job):
                queued.append(moment.job.key)
                runtime.log.info("round mail queued: %s", moment.job.key)
    return queued


async def queue_round_mail(runtime: RoundMailContext, job: RoundMailJob) -> None:
    """The ``round_mail`` job: one mail job per applicant it concerns."""
    batch: list[AckJob] = []
    async with reading(runtime.engine) as connection:
        if job.what == "reminders":
            for bid, version in await letters.incomplete_undecided(
                connection, fund=job.fund, round=job.round
            ):
                batch.append(AckJob.reminder(bid, version, round=job.round))
        elif job.what == "monitoring" and job.due:
            report = _report_of(runtime.config, job)
            grantees = await letters.grantees(connection, fund=job.fund, round=job.round)
            for bid, version in grantees:
                seq = date.fromisoformat(job.due).toordinal()  # one Message-ID per report
                batch.append(AckJob.monitoring(bid, version, due=job.due, report=report, seq=seq))
    if not batch:
        runtime.log.info("%s: nobody to mail", job.key)
        return
    async with runtime.engine.begin() as connection:
        await enqueue_many(connection, batch)
    runtime.log.info("%s: %d mails queued", job.key, len(batch))
    runtime.waker.notify(EFFECTS, count=len(batch))


def _report_of(config: Config, job: RoundMailJob) -> str:
    for moment in moments(config):
        if moment.job == job and moment.report:
            return moment.report
    return "monitoring report"
