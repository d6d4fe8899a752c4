"""Mail to applicants: each job's mail recorded once, and counted per address for the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import outbox
from intake.store.engine import reading
from intake.store.outbox import SentMail

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


def sent(
    key: str, to: str, at: datetime, *, bid_id: int | None = None, office: str | None = None
) -> SentMail:
    return SentMail(
        key=key,
        bid_id=bid_id,
        office=office,
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


async def test_caps_count_a_mailbox_as_the_mail_system_does_and_domains_and_offices(
    database: AsyncEngine,
) -> None:
    """``X+1@`` and ``x+2@`` reach one mailbox: the attack of the plus-addressed cap."""
    async with database.begin() as connection:
        for n, to in enumerate(["x+1@Victim.example", "X+2@victim.example", "x@VICTIM.example"]):
            await outbox.record_sent(connection, sent(f"k{n}", to, AT, office="kent"))
        await outbox.record_sent(connection, sent("k9", "y@victim.example", AT, office="essex"))
    async with reading(database) as connection:
        since = AT - timedelta(hours=1)
        counts = await outbox.recent_counts(
            connection,
            mailbox=outbox.Counted("x@victim.example", since, 100),
            domain=outbox.Counted("victim.example", since, 100),
            office=outbox.Counted("kent", since, 100),
        )
        assert counts == (3, 4, 3)
        # Each count stops at what its cap needs, and at its own moment.
        counts = await outbox.recent_counts(
            connection,
            mailbox=outbox.Counted("x@victim.example", since, 2),
            domain=outbox.Counted("victim.example", AT, 100),
            office=outbox.Counted("kent", AT + timedelta(1), 100),
        )
        assert counts == (2, 4, 0)


async def test_a_reply_finds_its_bid_by_our_message_id(database: AsyncEngine) -> None:
    from tests.intake.store.test_bids import new_bid

    async with database.begin() as connection:
        bid_id = await new_bid(connection, "KENT-2027-0001")
        await outbox.record_sent(connection, sent("ack:1:v1", "a@example.org", AT, bid_id=bid_id))
        await outbox.record_sent(connection, sent("enquiry:m1:ack", "b@example.org", AT))
    async with reading(database) as connection:
        theirs = ["<other@x>", "<ack:1:v1@bids.example.org>"]
        assert await outbox.bid_of_message_ids(connection, theirs) == bid_id
        # A mail of ours that is about no bid leads nowhere; neither does a stranger's id.
        assert (
            await outbox.bid_of_message_ids(connection, ["<enquiry:m1:ack@bids.example.org>"])
            is None
        )
        assert await outbox.bid_of_message_ids(connection, ["<nope@x>", ""]) is None
