"""How many mails each sender has had read this hour (the hourly limit's count)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.engine import dialect_insert
from intake.store.schema import sender_hours

KEPT = timedelta(days=1)
"""How long a past hour's counts are kept (for an operator's look; none is needed)."""


async def count_mail(connection: AsyncConnection, sender: str, *, hour: datetime) -> int:
    """Count one more mail of ``sender`` (a mailbox) in ``hour``; how many it has had then.

    The first mail of a sender's hour also deletes counts older than :data:`KEPT`
    (a seek in ``ix_sender_hours_hour``).
    """
    statement = _counting(connection.dialect.name)
    mails = int(
        (
            await connection.execute(statement, {"sender": sender, "hour": hour, "mails": 1})
        ).scalar_one()
    )
    if mails == 1:
        await connection.execute(delete(sender_hours).where(sender_hours.c.hour < hour - KEPT))
    return mails


@functools.cache
def _counting(dialect: str) -> Any:
    insert = dialect_insert(dialect, sender_hours)
    return insert.on_conflict_do_update(
        index_elements=["sender", "hour"], set_={"mails": sender_hours.c.mails + 1}
    ).returning(sender_hours.c.mails)
