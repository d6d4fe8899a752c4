"""Reminders before a round closes: to each incomplete bid's applicant once, at the
configured moment, whatever restarts or second nodes; counted in the deadline alert."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from intake.bids.acknowledge import send_acknowledgement
from intake.bids.deadlines import round_counts
from intake.bids.round_mail import claim_due, moments, queue_round_mail
from intake.jobs.kinds import AckJob, RoundMailJob
from intake.jobs.worker import runs
from intake.rules.calendar import deadlines
from intake.store.bids import history
from intake.store.engine import reading
from notifier.alerts import console_alert
from tests.intake.bids.stored import MISSING, config_with, context, run_jobs, store_bid

LONDON = ZoneInfo("Europe/London")
GOLDEN = Path(__file__).resolve().parents[2] / "golden"
RECEIVED = datetime(2027, 5, 2, 10, 0, tzinfo=LONDON)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_the_reminder_comes_at_nine_the_configured_days_before_the_close(tmp_path: Path) -> None:
    config = config_with(tmp_path, fund_lines="reminder_days_before_close = 5")
    reminders = [m for m in moments(config) if m.job.what == "reminders"]
    # Only the fund that says so (the office sets no default here).
    assert [(m.job.fund, m.job.round, m.at) for m in reminders] == [
        ("safer-in-kent", "2027-r1", at("2027-05-25T09:00")),
        ("safer-in-kent", "2027-r2", at("2027-08-27T09:00")),
    ]
    assert reminders[0].until == at("2027-05-31T00:00")
    office_wide = config_with(tmp_path, office_lines="reminder_days_before_close = 3")
    assert {m.job.fund for m in moments(office_wide) if m.job.what == "reminders"} == {
        "safer-in-kent",
        "mental-health-policing",
        "victim-specialist-services",
    }


async def test_each_incomplete_applicant_is_reminded_once_across_nodes_and_restarts(
    tmp_path: Path,
) -> None:
    config = config_with(tmp_path, fund_lines="reminder_days_before_close = 5")
    node_a = await context(tmp_path, config, at("2027-05-25T08:59"), node="a:1")
    engine = node_a.engine
    incomplete = await store_bid(
        engine, ref="KENT-2027-0001", status="incomplete", problems=[MISSING], at=RECEIVED
    )
    await store_bid(engine, ref="KENT-2027-0002", at=RECEIVED)  # complete
    await store_bid(  # an officer ruled on it: they have it in hand
        engine,
        ref="KENT-2027-0003",
        status="incomplete",
        problems=[MISSING],
        decision="not_eligible",
        at=RECEIVED,
    )
    await store_bid(engine, ref="KENT-2027-0004", status="ineligible", at=RECEIVED)
    put_right = await store_bid(
        engine, ref="KENT-2027-0005", status="incomplete", problems=[MISSING], at=RECEIVED
    )
    await store_bid(  # another round
        engine,
        ref="KENT-2027-0006",
        round="2027-r2",
        status="incomplete",
        problems=[MISSING],
        at=RECEIVED,
    )

    assert await claim_due(node_a) == []  # a minute early
    node_a.clock = type(node_a.clock)(at("2027-05-25T09:00"))
    node_b = await context(tmp_path, config, at("2027-05-25T09:00"), node="b:1")
    claimed = await asyncio.gather(claim_due(node_a), claim_due(node_b))
    assert sorted(claimed[0] + claimed[1]) == ["round_mail:reminders:safer-in-kent:2027-r1"]

    def handlers(ctx: object) -> dict[str, object]:
        return {
            RoundMailJob.kind: runs(RoundMailJob, partial(queue_round_mail, ctx)),
            AckJob.kind: runs(AckJob, partial(send_acknowledgement, ctx)),
        }

    ran = await run_jobs(node_a, {RoundMailJob.kind: handlers(node_a)[RoundMailJob.kind]})
    assert ran == ["round_mail:reminders:safer-in-kent:2027-r1"]
    # The round's job run a second time (a retry after a lost commit) queues nothing new.
    await queue_round_mail(node_b, RoundMailJob("reminders", "safer-in-kent", "2027-r1"))
    # A corrected form arrives before the reminder goes: it is not sent.
    async with engine.begin() as connection:
        from intake.store.schema import bids as bids_table

        await connection.execute(
            bids_table.update().where(bids_table.c.id == put_right).values(status="complete")
        )
    sent = await run_jobs(node_b, handlers(node_b))
    assert sent == [f"ack:{incomplete}:reminder:2027-r1", f"ack:{put_right}:reminder:2027-r1"]

    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    mail = email.message_from_bytes(outbox[0].read_bytes(), policy=email.policy.default)
    assert mail["To"] == "kent-2027-0001@example.org"
    assert mail["Subject"] == "Reminder: your application is not complete yet [Ref KENT-2027-0001]"
    body = mail.get_content()
    golden = GOLDEN / "reminder.txt"
    if os.environ.get("INTAKE_UPDATE_GOLDEN"):
        golden.write_text(body, encoding="utf-8")
    assert body == golden.read_text(encoding="utf-8"), "reminder.txt changed: review, then update"

    async with reading(engine) as connection:
        lines = [e for e in await history(connection, incomplete) if e.kind == "reminded"]
        assert [e.text for e in lines] == [
            "Reminder of what is still missing sent to kent-2027-0001@example.org."
        ]
        closing = next(
            d
            for d in deadlines(config)
            if d.key == "deadline:safer-in-kent:2027-r1:closes_in_1_day"
        )
        counts = await round_counts(connection, config, closing)
    assert counts.reminded == 1
    assert "1 applicant reminded of what is missing" in console_alert_of(config, closing, counts)

    # A restart: a new engine over the same file claims and sends nothing again.
    await node_a.engine.dispose()
    await node_b.engine.dispose()
    again = await context(tmp_path, config, at("2027-05-28T12:00"), node="a:2")
    assert await claim_due(again) == []
    assert await run_jobs(again, handlers(again)) == []
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    await again.engine.dispose()


def console_alert_of(config: object, deadline: object, counts: object) -> str:
    from intake.config.model import Config
    from intake.rules.calendar import Deadline
    from notifier.model import DeadlineAlert

    assert isinstance(config, Config) and isinstance(deadline, Deadline)
    office = config.office(deadline.office)
    alert = DeadlineAlert(
        kind="closes_in_1_day",
        office_name=office.name,
        fund_name=deadline.fund.name,
        round_name=deadline.round.name,
        timezone=office.timezone,
        due_at=deadline.at,
        closes_at=deadline.round.closes_at(office.tz),
        decisions_due_at=deadline.at,
        counts=counts,  # type: ignore[arg-type]
        sent_at=deadline.at,
    )
    return console_alert(alert)
