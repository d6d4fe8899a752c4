"""Erasure with the service running: it waits for a worker's job about the bid, removes
the jobs still waiting, and leaves the Slack lines of the bid to delete; and mail of
the person set aside in the accept journal goes too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.journal import Journal
from intake.jobs.kinds import AckJob, CardJob
from intake.store import erasure, queue, slack_posts
from intake.store.messages import IncomingMessage
from intake.store.schema import bids, jobs
from tests.intake.store.test_bids import new_bid

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


async def _count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as connection:
        found = await connection.execute(select(func.count()).select_from(table))  # type: ignore[arg-type]
        return int(found.scalar_one())


async def test_an_erasure_waits_for_the_worker_running_a_job_about_the_bid(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        bid = await new_bid(connection, "KENT-2027-0001")
        await queue.enqueue(connection, CardJob.for_event(bid, 1, chain="slack:#c"))
        await queue.enqueue(connection, AckJob.for_version(bid, 1, "received"))
        await slack_posts.set_post(
            connection, "card:KENT-2027-0001", channel="C1", state="posted", ts="1.1"
        )
        await slack_posts.set_post(
            connection, "line:KENT-2027-0001:7", channel="C1", state="posted", ts="1.2"
        )
    running = await queue.claim(database, kinds=["card"], worker="w1", lease=60)
    assert running is not None

    erasing = asyncio.create_task(
        erasure.erase(database, ref="KENT-2027-0001", actor="test", at=AT)
    )
    await asyncio.sleep(0.6)
    assert not erasing.done()  # the card job is running: its writes would land after
    assert await _count(database, bids) == 1
    await queue.finish(database, running, worker="w1")
    erased = await asyncio.wait_for(erasing, 10)
    assert erased.refs == ["KENT-2027-0001"]
    assert await _count(database, bids) == 0
    assert await _count(database, jobs) == 0  # the waiting ack went with it
    # Its thread's line is to be deleted; the card itself is redacted (from `cards`).
    assert [(channel, ts) for _office, channel, ts in erased.slack_lines] == [("C1", "1.2")]
    async with database.connect() as connection:
        assert await slack_posts.post_by_key(connection, "line:KENT-2027-0001:7") is None


def test_mail_set_aside_in_the_journal_is_erased_by_its_sender(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")

    def held(number: int, sender: str) -> None:
        journal.add(
            IncomingMessage(
                id=f"m{number}",
                office="kent",
                fund="safer-in-kent",
                received_at=AT,
                mail_from=sender,
                rcpt_tos=["safer-in-kent@bids.example.org"],
                peer=None,
                size=1,
                sha256="0" * 64,
                dedupe_key=f"d{number}",
                spool_name=f"2027/m{number}.eml",
            )
        )
        journal.set_aside(f"m{number}", "could not be recorded")

    held(1, "Sarah@Example.org")
    held(2, "bob@example.org")
    assert journal.erase_held({"sarah@example.org"}) == ["2027/m1.eml"]
    assert [entry.id for entry in journal.held()] == ["m2"]
    assert not (tmp_path / "journal" / "held" / "m1.reason").exists()
