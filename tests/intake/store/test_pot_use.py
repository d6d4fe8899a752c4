"""What a pot's bids ask of it and what was awarded of it, read from a real database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from intake.store.bids import PotUse, award, requested_of_pot
from intake.store.engine import reading
from tests.intake.bids.stored import config_with, context, store_bid

AT = datetime(2027, 5, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))


async def test_an_award_counts_its_amount_and_a_ruled_out_bid_asks_nothing(tmp_path: Path) -> None:
    ctx = await context(tmp_path, config_with(tmp_path), AT)
    kept = await store_bid(ctx.engine, ref="KENT-2027-0001", at=AT, amount_requested="9000.00")
    in_full = await store_bid(ctx.engine, ref="KENT-2027-0002", at=AT, amount_requested="1500.00")
    await store_bid(ctx.engine, ref="KENT-2027-0003", at=AT, amount_requested="2500.00")
    await store_bid(
        ctx.engine, ref="KENT-2027-0004", at=AT, decision="not_eligible", amount_requested="700.00"
    )
    async with ctx.engine.begin() as connection:
        await award(connection, kept, amount="6000.00", reason=None, at=AT)
        await award(connection, in_full, amount="1500.00", reason=None, at=AT)
    async with reading(ctx.engine) as connection:
        use = await requested_of_pot(connection, fund="safer-in-kent", round="2027-r1")
    await ctx.engine.dispose()
    assert use == PotUse(
        bids=3, requested=Decimal("13000.00"), awards=2, awarded=Decimal("7500.00")
    )
