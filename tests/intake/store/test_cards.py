"""Triage cards: one per bid, updated in place, its place in Slack kept once known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import cards
from intake.store.cards import Card
from intake.store.engine import reading
from tests.intake.store.test_bids import new_bid

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


async def test_a_card_is_stored_once_and_updated_in_place(database: AsyncEngine) -> None:
    later = AT + timedelta(hours=1)
    async with database.begin() as connection:
        bid_id = await new_bid(connection, "KENT-2027-0001")
        assert await cards.card_of(connection, bid_id) is None
        await cards.add_card(
            connection, bid_id, channel="C0GRANTS1", ts="1.000", payload={"v": 1}, at=AT
        )
        await cards.add_card(
            connection, bid_id, channel="C0OTHER", ts="9.000", payload={"v": 9}, at=AT
        )
        # An update without a ts (a console card) keeps where the card is.
        await cards.update_card(
            connection, bid_id, channel="console", ts=None, payload={"v": 2}, at=later
        )
    async with reading(database) as connection:
        card = await cards.card_of(connection, bid_id)
    assert card == Card(
        bid_id=bid_id,
        channel="C0GRANTS1",
        ts="1.000",
        payload={"v": 2},
        posted_at=AT,
        updated_at=later,
    )


async def test_a_console_card_gets_its_place_when_first_posted(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        bid_id = await new_bid(connection, "KENT-2027-0001")
        await cards.add_card(
            connection, bid_id, channel="console", ts=None, payload={"v": 1}, at=AT
        )
        await cards.update_card(
            connection, bid_id, channel="C0GRANTS1", ts="2.000", payload={"v": 2}, at=AT
        )
    async with reading(database) as connection:
        card = await cards.card_of(connection, bid_id)
    assert card is not None and (card.channel, card.ts) == ("C0GRANTS1", "2.000")
