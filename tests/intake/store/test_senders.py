"""The hourly count of each sender's mail read (the sender limit's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import senders
from intake.store.schema import sender_hours

HOUR = datetime(2027, 5, 30, 15, 0, tzinfo=UTC)


async def test_each_mail_raises_its_senders_count_for_the_hour(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        counts = [await senders.count_mail(connection, "bob@x.org", hour=HOUR) for _ in range(3)]
        other = await senders.count_mail(connection, "ann@x.org", hour=HOUR)
        later = await senders.count_mail(connection, "bob@x.org", hour=HOUR + timedelta(hours=1))
    assert (counts, other, later) == ([1, 2, 3], 1, 1)


async def test_counts_older_than_a_day_are_deleted_as_new_hours_begin(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        await senders.count_mail(connection, "bob@x.org", hour=HOUR)
        await senders.count_mail(connection, "ann@x.org", hour=HOUR + timedelta(days=2))
        rows = (await connection.execute(select(func.count()).select_from(sender_hours))).scalar()
    assert rows == 1
