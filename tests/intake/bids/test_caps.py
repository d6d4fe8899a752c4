"""Caps on automatic mail: one check for every sender, counted as the mail system counts.

The attacks of issue 19: plus-addressed copies of one mailbox passing the daily
cap, forged senders at one domain, a flood from every side; each trip tells the
office's channel once an hour.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids.outgoing import over_cap
from intake.clock import Clock, FixedClock
from intake.config.load import load_config
from intake.config.model import Config, Office
from intake.jobs.kinds import CapAlertJob
from intake.slack.alerts import send_cap_alert
from intake.slack.tokens import SlackWorkspaces
from intake.store import outbox
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from intake.store.outbox import SentMail
from intake.store.queue import Job
from intake.store.schema import jobs
from notifier.pacing import ChannelPacer
from notifier.slack import SlackPoster
from tests.slack_api_server import TOKEN, SlackApiServer

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


@dataclass
class Context:
    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger


@pytest.fixture
async def context(tmp_path: Path) -> AsyncIterator[Context]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield Context(load_config(), engine, FixedClock(AT), logging.getLogger("test.caps"))
    await engine.dispose()


def office(context: Context, **caps: int) -> Office:
    return context.config.offices[0].model_copy(update=caps)


async def send(context: Context, key: str, to: str, *, office_id: str, at: datetime = AT) -> None:
    mail = SentMail(key, None, "received", to.lower(), "s", f"<{key}@x>", at, "outbox", office_id)
    async with context.engine.begin() as connection:
        await outbox.record_sent(connection, mail)


async def cap_alerts(context: Context) -> list[str]:
    async with context.engine.connect() as connection:
        found = await connection.execute(select(jobs.c.key).where(jobs.c.kind == "cap_alert"))
        return sorted(found.scalars())


async def test_plus_addressed_copies_of_one_mailbox_share_its_daily_cap(context: Context) -> None:
    kent = office(context, acks_per_sender_per_day=2)
    await send(context, "a", "x+1@victim.example", office_id=kent.id)
    assert await over_cap(context, kent, "X+2@Victim.example") is None
    await send(context, "b", "X+2@Victim.example", office_id=kent.id)
    reached = await over_cap(context, kent, "x+3@victim.example")
    assert reached is not None and reached.cap == "mailbox"
    assert await over_cap(context, kent, "someone.else@victim.example") is None


async def test_a_domain_and_the_office_are_capped_per_hour(context: Context) -> None:
    kent = office(context, acks_per_domain_per_hour=3, acks_per_office_per_hour=5)
    for n in range(3):
        await send(context, f"d{n}", f"user{n}@victim.example", office_id=kent.id)
    reached = await over_cap(context, kent, "user9@VICTIM.example")
    assert reached is not None and reached.cap == "domain"
    await send(context, "e1", "a@elsewhere.example", office_id=kent.id)
    assert await over_cap(context, kent, "b@third.example") is None
    await send(context, "e2", "b@third.example", office_id=kent.id)
    reached = await over_cap(context, kent, "c@fourth.example")
    assert reached is not None and reached.cap == "office"
    # Another office's mail counts for its own cap only; an hour later the domain is free.
    assert await over_cap(context, office(context, id="essex"), "c@fourth.example") is None
    context.clock = FixedClock(AT + timedelta(hours=1, seconds=1))
    assert await over_cap(context, kent, "user9@victim.example") is None


async def test_a_cap_that_trips_tells_the_office_once_an_hour(context: Context) -> None:
    kent = office(context, acks_per_sender_per_day=1)
    await send(context, "a", "x@victim.example", office_id=kent.id)
    for n in range(20):
        assert await over_cap(context, kent, f"x+{n}@victim.example") is not None
    assert await cap_alerts(context) == [f"cap_alert:{kent.id}:mailbox:2027-04-15T09"]
    context.clock = FixedClock(AT + timedelta(hours=1))
    await over_cap(context, kent, "x@victim.example")
    assert len(await cap_alerts(context)) == 2


async def test_the_alert_is_posted_in_the_office_channel_naming_no_address(
    context: Context, slack_api: SlackApiServer
) -> None:
    """The alert outlives any erasure: it says which cap, never whose mailbox."""
    kent = office(context, acks_per_sender_per_day=1)
    await send(context, "a", "victim@example.org", office_id=kent.id)
    assert await over_cap(context, kent, "victim+2@example.org") is not None
    async with context.engine.connect() as connection:
        stored = (await connection.execute(select(jobs).where(jobs.c.kind == "cap_alert"))).one()
    job = CapAlertJob.from_stored(
        Job(stored.id, stored.kind, stored.key, stored.payload, stored.attempts, stored.chain)
    )
    poster = SlackPoster(token=TOKEN, api_url=slack_api.url, pacer=ChannelPacer(0))
    slack_api.add_channel("C0COMMISS1", "commissioning")
    posting = Posting(
        context.config,
        context.engine,
        context.clock,
        context.log,
        SlackWorkspaces(context.config, {"SLACK_BOT_TOKEN": poster}),
        {},
    )
    try:
        await send_cap_alert(posting, job)
        await send_cap_alert(posting, job)  # a retry posts nothing twice
    finally:
        await poster.close()
    channel = slack_api.channel("C0COMMISS1")
    assert channel is not None
    (alert,) = channel.top_level
    assert "1 automatic mails a day to one mailbox" in alert["text"]
    assert "victim" not in json.dumps(alert)


@dataclass
class Posting:
    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    slack: SlackWorkspaces
    slack_warnings: dict[str, str]
