"""Mail to applicants: each job's mail recorded once, and counted per address for the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import outbox
from intake.store.engine import reading
from intake.store.outbox import SentMail

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


def sent(key: str, to: str, at: datetime) -> SentMail:
    return SentMail(
        key=key,
        bid_id=None,
        kind="received",
        to_addr=to,
        subject="Re: Our bid",
        message_id=f"<{key}@bids.example.org>",
        sent_at=at,
        via="outbox",
    )


async def test_a_job_s_mail_is_recorded_once(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        assert not await outbox.was_sent(connection, "ack:1:v1")
        await outbox.record_sent(connection, sent("ack:1:v1", "a@example.org", AT))
        await outbox.record_sent(connection, sent("ack:1:v1", "a@example.org", AT))
    async with reading(database) as connection:
        assert await outbox.was_sent(connection, "ack:1:v1")
        assert await outbox.sent_since(connection, "a@example.org", AT - timedelta(days=1)) == 1


async def test_the_daily_count_is_per_address_in_any_case_and_since_a_moment(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        await outbox.record_sent(connection, sent("ack:1:v1", "a@example.org", AT))
        await outbox.record_sent(connection, sent("ack:2:v1", "a@example.org", AT))
        await outbox.record_sent(connection, sent("ack:3:v1", "a@example.org", AT - timedelta(2)))
        await outbox.record_sent(connection, sent("ack:4:v1", "b@example.org", AT))
    async with reading(database) as connection:
        since = AT - timedelta(days=1)
        assert await outbox.sent_since(connection, "A@Example.org", since) == 2
        assert await outbox.sent_since(connection, "c@example.org", since) == 0
