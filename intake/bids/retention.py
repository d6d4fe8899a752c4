"""Retention: each day, what an office no longer needs is erased (UK GDPR storage limitation).

Each office's configuration says how long it keeps bids ruled not eligible,
unreadable bids nobody ruled on, mail that made no bid, and the raw mail of
bids (:class:`intake.config.model.Retention`; a fund may have its own). The
scheduler queues one ``retention`` job a day (:class:`RetentionJob`); it
erases what ran out as ``intake erase`` does (rows, spool and outbox files,
Slack cards), logs it and leaves an audit row in ``erasures`` without the
personal data. ``intake retention --dry-run`` shows what would go.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids.erase import BY_RETENTION, ErasureReport, finish_erasure, remove_files
from intake.clock import Clock
from intake.config.model import Config, Office, Retention
from intake.jobs.kinds import RetentionJob
from intake.slack.tokens import SlackWorkspaces
from intake.store import erasure
from intake.store import retention as expiring
from intake.store.engine import reading
from intake.store.queue import enqueue

MONTH = timedelta(days=30)
ACTOR = "retention"


@dataclass(frozen=True, slots=True)
class Expiring:
    """What one office's retention has run out for, now."""

    office: str
    bids: list[tuple[int, str]] = field(default_factory=list)
    """``(id, ref)`` of bids to erase."""
    mail: list[str] = field(default_factory=list)
    """Ids of messages that made no bid, to erase with their answers."""
    raw_mail: list[expiring.RawMail] = field(default_factory=list)
    """Messages read into bids whose raw mail (spool file, stored copy) goes."""

    @property
    def empty(self) -> bool:
        return not (self.bids or self.mail or self.raw_mail)

    def words(self) -> str:
        """What would go, for the log and ``--dry-run``: references and counts, no address."""
        refs = ", ".join(ref for _id, ref in self.bids[:20])
        more = f", and {len(self.bids) - 20} more" if len(self.bids) > 20 else ""
        return (
            f"{len(self.bids)} bids"
            + (f" ({refs}{more})" if refs else "")
            + f", {len(self.mail)} mails that made no bid"
            + f", the raw mail of {len(self.raw_mail)} mails read into bids"
        )


class RetentionContext(Protocol):
    """What running the retention needs of the service (or of ``intake retention``)."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger

    @property
    def slack(self) -> SlackWorkspaces | None: ...

    @property
    def data_dir(self) -> Path: ...


def _groups(config: Config, office: Office) -> list[tuple[Retention, list[str | None]]]:
    """The office's retentions, each with the funds it governs (None: bids of no fund)."""
    own = [f for f in config.funds if f.office == office.id and f.retention is not None]
    rest: list[str | None] = [
        f.id for f in config.funds if f.office == office.id and f.retention is None
    ]
    groups: list[tuple[Retention, list[str | None]]] = [(office.retention, [*rest, None])]
    groups += [(f.retention, [f.id]) for f in own if f.retention is not None]
    return groups


async def what_expires(
    engine: AsyncEngine, config: Config, now: datetime, data_dir: Path
) -> list[Expiring]:
    """Per office, what its retention has run out for at ``now`` (nothing is erased)."""
    found = []
    async with reading(engine) as connection:
        for office in config.offices:
            plan = Expiring(office.id)
            for rule, funds in _groups(config, office):
                plan.bids.extend(
                    await expiring.expired_bids(
                        connection,
                        office=office.id,
                        funds=funds,
                        not_eligible_before=_before(now, rule.not_eligible_months, MONTH),
                        unreadable_before=_before(now, rule.unreadable_days, timedelta(days=1)),
                    )
                )
                if rule.no_bid_days is not None:
                    plan.mail.extend(
                        await expiring.expired_mail(
                            connection,
                            office=office.id,
                            funds=funds,
                            before=now - timedelta(days=rule.no_bid_days),
                        )
                    )
                if rule.raw_mail_days is not None:
                    plan.raw_mail.extend(
                        await expiring.expired_raw_mail(
                            connection,
                            office=office.id,
                            funds=funds,
                            before=now - timedelta(days=rule.raw_mail_days),
                        )
                    )
            found.append(plan)
    return await _not_gone_already(engine, found, data_dir / "spool")


async def _not_gone_already(
    engine: AsyncEngine, plans: list[Expiring], spool: Path
) -> list[Expiring]:
    """Leave out raw mail already removed (by an earlier day's run)."""
    ids = [m.id for plan in plans for m in plan.raw_mail]
    async with reading(engine) as connection:
        stored = await expiring.with_stored_copy(connection, ids)
    return [
        Expiring(
            plan.office,
            plan.bids,
            plan.mail,
            [m for m in plan.raw_mail if m.id in stored or (spool / m.spool_name).is_file()],
        )
        for plan in plans
    ]


def _before(now: datetime, count: int | None, unit: timedelta) -> datetime | None:
    return None if count is None else now - count * unit


async def erase_expired(runtime: RetentionContext) -> list[ErasureReport]:
    """Erase what every office's retention has run out for; one audit row per office."""
    now = runtime.clock.now()
    reports = []
    for plan in await what_expires(runtime.engine, runtime.config, now, runtime.data_dir):
        spool = runtime.data_dir / "spool"
        raw_files = [spool / m.spool_name for m in plan.raw_mail]
        if plan.empty:
            continue
        erased = await erasure.erase_expired(
            runtime.engine,
            bids_expired=plan.bids,
            messages_expired=plan.mail,
            raw_mail_expired=[m.id for m in plan.raw_mail],
            actor=ACTOR,
            at=now,
        )
        report = await finish_erasure(
            erased, runtime.data_dir, slack=runtime.slack, actor=ACTOR, why=BY_RETENTION
        )
        files = remove_files(runtime.data_dir, raw_files)
        runtime.log.info("retention, office %s: erased %s", plan.office, plan.words())
        reports.append(
            ErasureReport(
                refs=report.refs,
                counts=report.counts,
                files=report.files + files,
                cards_redacted=report.cards_redacted,
                cards_left=report.cards_left,
            )
        )
    return reports


async def run_retention(runtime: RetentionContext, job: RetentionJob) -> None:
    """The ``retention`` job: the day's erasure of what ran out."""
    reports = await erase_expired(runtime)
    if not reports:
        runtime.log.info("retention %s: nothing has run out", job.day)
    for report in reports:
        for channel, ts, why in report.cards_left:
            runtime.log.warning("retention: a card in %s (ts %s) is left: %s", channel, ts, why)


def daily_trigger(engine: AsyncEngine, clock: Clock) -> Callable[[], Awaitable[bool]]:
    """For the scheduler: queue the day's ``retention`` job once a day (UTC); True when it
    was queued now. Every node calls it; the job's key makes it one a day."""
    last: list[str] = []

    async def trigger() -> bool:
        day = clock.now().astimezone(UTC).date().isoformat()
        if last and last[0] == day:
            return False
        async with engine.begin() as connection:
            queued = await enqueue(connection, RetentionJob(day=day))
        last[:] = [day]
        return queued

    return trigger
