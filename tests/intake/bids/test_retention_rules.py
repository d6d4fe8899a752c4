"""What each retention lets go, and when: a fund's own retention over its office's,
decisions counted from their last change, mail that made no bid, raw mail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids.retention import what_expires
from intake.config.load import load_config
from intake.config.model import Config, Retention
from intake.store import bids, messages
from intake.store.bids import NewBid
from intake.store.engine import make_engine
from intake.store.messages import IncomingMessage
from intake.store.migrate import migrate
from tests.intake.store.test_bids import standing

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


def _config(**fund_retention: int | None) -> Config:
    config = load_config()
    funds = tuple(
        f.model_copy(update={"retention": Retention(**fund_retention)})  # type: ignore[arg-type]
        if f.id == "safer-in-kent"
        else f
        for f in config.funds
    )
    return config.model_copy(update={"funds": funds})


async def _bid(database: AsyncEngine, ref: str, fund: str, *, status: str = "complete") -> int:
    async with database.begin() as connection:
        bid = NewBid(ref, "kent", fund, "standard", "a@example.org", "s", None, AT)
        return await bids.add_bid(connection, bid, standing(status))


async def _message(database: AsyncEngine, number: int, *, fund: str, at: datetime) -> str:
    incoming = IncomingMessage(
        id=f"m{number}",
        office="kent",
        fund=fund,
        received_at=at,
        mail_from="q@example.org",
        rcpt_tos=[],
        peer=None,
        size=1,
        sha256="0" * 64,
        dedupe_key=f"d{number}",
        spool_name=f"m{number}.eml",
        content=b"raw",
    )
    ((kept, _new),) = await messages.accept_messages(database, [incoming])
    return kept


async def test_a_funds_own_retention_comes_before_its_offices(
    database: AsyncEngine, tmp_path: Path
) -> None:
    config = _config(not_eligible_months=4)
    ruled = await _bid(database, "KENT-2027-0001", "safer-in-kent")
    other = await _bid(database, "KENT-2027-0002", "mental-health-policing")
    unreadable = await _bid(
        database, "KENT-2027-0003", "mental-health-policing", status="unreadable"
    )
    async with database.begin() as connection:
        for bid in (ruled, other):
            await bids.decide(connection, bid, decision="not_eligible", reason="x", at=AT)

    (plan,) = await what_expires(database, config, AT + 130 * DAY, tmp_path)
    assert [ref for _id, ref in plan.bids] == ["KENT-2027-0001"]  # its fund keeps four months
    (plan,) = await what_expires(database, config, AT + 181 * DAY, tmp_path)
    assert sorted(ref for _id, ref in plan.bids) == ["KENT-2027-0001", "KENT-2027-0003"]
    (plan,) = await what_expires(database, config, AT + 361 * DAY, tmp_path)
    assert len(plan.bids) == 3
    # A later change (an officer's second look) starts the period again.
    async with database.begin() as connection:
        await bids.decide(connection, other, decision="not_eligible", reason="y", at=AT + 300 * DAY)
    (plan,) = await what_expires(database, config, AT + 361 * DAY, tmp_path)
    assert sorted(ref for _id, ref in plan.bids) == ["KENT-2027-0001", "KENT-2027-0003"]
    assert unreadable not in (ruled, other)


async def test_mail_that_made_no_bid_and_raw_mail_go_after_their_periods(
    database: AsyncEngine, tmp_path: Path
) -> None:
    config = _config(no_bid_days=30, raw_mail_days=60)
    enquiry = await _message(database, 1, fund="safer-in-kent", at=AT)
    read = await _message(database, 2, fund="safer-in-kent", at=AT)
    elsewhere = await _message(database, 3, fund="mental-health-policing", at=AT)
    bid = await _bid(database, "KENT-2027-0001", "safer-in-kent")
    async with database.begin() as connection:
        await messages.set_message_outcome(connection, enquiry, state="enquiry", outcome="q")
        await messages.set_message_outcome(connection, elsewhere, state="enquiry", outcome="q")
        await messages.set_message_outcome(
            connection, read, state="processed", outcome="v1", bid_id=bid
        )
    (plan,) = await what_expires(database, config, AT + 31 * DAY, tmp_path)
    assert plan.mail == [enquiry] and plan.raw_mail == [] and plan.bids == []
    (plan,) = await what_expires(database, config, AT + 91 * DAY, tmp_path)
    assert sorted(plan.mail) == sorted([enquiry, elsewhere])  # the office keeps 90 days
    assert [m.id for m in plan.raw_mail] == [read]  # its copy in the database is still there
