"""The ``alert`` job: a deadline alert in the office's channel, with the round's counts, once."""

from __future__ import annotations

from datetime import datetime

from intake.bids.deadlines import MORNING, round_counts
from intake.jobs.kinds import AlertJob
from intake.rules.calendar import deadlines
from intake.slack.channels import office_place
from intake.slack.posts import PostingContext, post_once
from intake.store import alerts
from intake.store.engine import reading
from notifier.alerts import console_alert, deadline_alert
from notifier.model import DeadlineAlert


async def send_alert(runtime: PostingContext, job: AlertJob) -> None:
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
        sent_at=runtime.clock.now(),
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
