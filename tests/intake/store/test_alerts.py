"""Deadline alerts: of several claims of one alert only the first succeeds; then it is posted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import alerts
from intake.store.alerts import AlertClaim
from intake.store.engine import reading

DUE = datetime(2027, 4, 24, 8, 0, tzinfo=UTC)
KEY = "kent:safer-in-kent:2027-spring:closes_in_7_days"


def claim(node: str) -> AlertClaim:
    return AlertClaim(
        key=KEY,
        kind="closes_in_7_days",
        office="kent",
        fund="safer-in-kent",
        round="2027-spring",
        due_at=DUE,
        claimed_at=DUE,
        claimed_by=node,
        channel="#grants",
    )


async def test_an_alert_is_claimed_once_then_posted(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        assert await alerts.claimed_among(connection, [KEY, "other"]) == set()
        assert await alerts.claim(connection, claim("host-a:1"))
        assert not await alerts.claim(connection, claim("host-b:2"))
        assert await alerts.claimed_among(connection, [KEY, "other"]) == {KEY}
    async with reading(database) as connection:
        claimed = await alerts.alert_by_key(connection, KEY)
        assert await alerts.alert_by_key(connection, "other") is None
    assert claimed is not None
    assert (claimed.claimed_by, claimed.channel, claimed.posted_at) == ("host-a:1", "#grants", None)
    async with database.begin() as connection:
        await alerts.mark_posted(
            connection, KEY, channel="C0GRANTS1", ts="3.000", at=DUE, payload={"text": "7 days"}
        )
    async with reading(database) as connection:
        posted = await alerts.alert_by_key(connection, KEY)
    assert posted is not None
    assert (posted.channel, posted.ts, posted.posted_at, posted.payload) == (
        "C0GRANTS1",
        "3.000",
        DUE,
        {"text": "7 days"},
    )
