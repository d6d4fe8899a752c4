"""The ``alert`` job: a deadline alert in the office's channel, with the round's counts, once;
and the ``cap_alert`` job: a cap on automatic mail tripped."""

from __future__ import annotations

from datetime import datetime

from intake.bids.deadlines import MORNING, round_counts
from intake.jobs.kinds import AlertJob, CapAlertJob
from intake.rules.calendar import deadlines
from intake.slack.channels import office_place
from intake.slack.posts import PostingContext, post_once
from intake.store import alerts
from intake.store.engine import reading
from notifier.alerts import console_alert, deadline_alert
from notifier.escape import escape_mrkdwn
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


async def send_cap_alert(runtime: PostingContext, job: CapAlertJob) -> None:
    """The ``cap_alert`` job: tell the office's channel that a cap on automatic mail
    stopped a mail (the job's key makes it once per cap and hour)."""
    office = runtime.config.office(job.office)
    text = (
        f":warning: Automatic mail held back: {escape_mrkdwn(job.words)} reached "
        f"(hour from {job.hour}:00 UTC). Mail that would pass it is not sent this hour; "
        "someone may be sending us mail in others' names. The log names each address."
    )
    slack = await runtime.slack.poster_for(job.office)
    if slack is None:
        print(f"── Cap reached ── {office.name}: {text}", flush=True)
        return
    channel = office.slack_channel
    await post_once(
        runtime,
        slack,
        key=job.key,
        channel=channel,
        place=office_place(runtime.config, office=job.office, channel=channel),
        payload={"text": text},
    )
