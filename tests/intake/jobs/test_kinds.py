"""Job kinds: keys as databases already hold them, and each job back whole from the queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.jobs.kinds import (
    KINDS,
    AckJob,
    AlertJob,
    CapAlertJob,
    CardJob,
    EnquiryJob,
    LetterJob,
    MessageJob,
    RetentionJob,
    RoundMailJob,
    SenderAlertJob,
)
from intake.store import queue
from intake.store.engine import make_engine
from intake.store.migrate import migrate

ALERT = "kent:safer-in-kent:2027-spring:closes_in_7_days"
AT = datetime(2027, 4, 15, 9, 30, tzinfo=ZoneInfo("Europe/London"))  # 08:30 UTC


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


def test_keys_payloads_and_chains_are_those_already_stored() -> None:
    """Changing one would queue a job again (or never) on a database of an older version."""
    jobs = [
        MessageJob(message="18ea0001"),
        CardJob.for_version(7, 1, event=31, chain="slack:#grants"),
        CardJob.for_version(7, 2, event=32, chain="slack:#grants"),
        CardJob.for_event(7, 33, chain="slack:#grants"),
        AckJob.for_version(7, 2, "no_form"),
        AckJob.request_info(7, 2, request="V0" + "x" * 100, note="Your budget, please.", seq=2),
        AlertJob(alert=ALERT, chain="slack:#grants"),
        CapAlertJob.of("kent", "mailbox", "5 automatic mails a day to one mailbox", at=AT),
        RetentionJob(day="2027-04-15"),
    ]
    assert [(j.kind, j.key, j.chain, j.payload()) for j in jobs] == [
        ("message", "message:18ea0001", None, {"message": "18ea0001"}),
        ("card", "card:7:v1", "slack:#grants", {"bid": 7, "event": None}),
        ("card", "card:7:v2", "slack:#grants", {"bid": 7, "event": 32}),
        ("card", "card:7:event:33", "slack:#grants", {"bid": 7, "event": 33}),
        ("ack", "ack:7:v2", "mail:7", {"bid": 7, "version": 2, "kind": "no_form"}),
        (
            "ack",
            "ack:7:v2:request_info:V0" + "x" * 78,
            "mail:7",
            {
                "bid": 7,
                "version": 2,
                "kind": "request_info",
                "note": "Your budget, please.",
                "seq": 2,
            },
        ),
        ("alert", f"alert:{ALERT}", "slack:#grants", {"alert": ALERT}),
        (
            "cap_alert",
            "cap_alert:kent:mailbox:2027-04-15T08",
            None,
            {
                "office": "kent",
                "cap": "mailbox",
                "words": "5 automatic mails a day to one mailbox",
                "hour": "2027-04-15T08",
            },
        ),
        ("retention", "retention:2027-04-15", "retention", {"day": "2027-04-15"}),
    ]


async def test_a_claimed_job_reads_back_as_the_job_queued(database: AsyncEngine) -> None:
    queued = [
        MessageJob(message="18ea0001"),
        CardJob.for_version(7, 2, event=32, chain="slack:#grants"),
        CardJob.for_version(8, 1, event=40, chain="slack:#other"),
        AckJob.for_version(7, 2, "received"),
        AckJob.request_info(7, 2, request="V0REQUEST", note=None, seq=1),
        AlertJob(alert=ALERT, chain="slack:#alerts"),
        EnquiryJob.card("18ea0002", {"office": "kent", "text": "Can we apply?"}, chain="slack:#g"),
        EnquiryJob.answer("18ea0002", {"office": "kent", "text": "Can we apply?"}),
        CapAlertJob.of("kent", "domain", "100 automatic mails an hour", at=AT),
        RetentionJob(day="2027-04-15"),
        MessageJob(message="18ea0003", sender="bob@example.org", released=True),
        SenderAlertJob(
            sender="bob@example.org",
            hour="2027-05-30T15:00:00+00:00",
            office="kent",
            limit=200,
            chain="slack:#grants",
        ),
        AckJob.reminder(9, 2, round="2027-r1"),
        AckJob.monitoring(9, 2, due="2028-04-30", report="year-end monitoring report", seq=3),
        RoundMailJob("reminders", "safer-in-kent", "2027-r1"),
        RoundMailJob("monitoring", "safer-in-kent", "2027-r1", due="2028-04-30"),
        LetterJob(letter=4, bid=9),
    ]
    async with database.begin() as connection:
        await queue.enqueue_many(connection, queued)
        # The same key again is not queued again.
        assert not await queue.enqueue(connection, CardJob.for_version(7, 2, event=99, chain="x"))
    kinds = {k.kind: k for k in KINDS}
    claimed = []
    while job := await queue.claim(database, kinds=kinds, worker="test/w", lease=60):
        claimed.append(kinds[job.kind].from_stored(job))
        await queue.finish(database, job, worker="test/w")
    assert claimed == queued


def test_every_kind_is_listed_once() -> None:
    assert [k.kind for k in KINDS] == [
        "message",
        "card",
        "ack",
        "alert",
        "enquiry",
        "cap_alert",
        "retention",
        "sender_alert",
        "fund_notice",
        "reply",
        "round_mail",
        "letter",
    ]
