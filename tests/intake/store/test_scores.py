"""The scoring panel's rows: a sheet per scorer, replaced when they change it; the
lead's moderation; a ranking's bids with every sheet in one statement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.rules.scoring import Sheet
from intake.store import bids, scores
from intake.store.engine import reading
from tests.intake.store.test_bids import AT, new_bid


async def test_sheets_are_one_per_scorer_and_the_moderation_one_per_bid(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        first = await new_bid(connection, "KENT-2027-0001")
        second = await new_bid(connection, "KENT-2027-0002")
        ann = Sheet("U0ANN", {"need": 3}, {"need": "Clear need"})
        assert await scores.save_sheet(connection, first, ann, at=AT)
        later = AT + timedelta(minutes=1)
        assert await scores.save_sheet(connection, first, Sheet("U0BOB", {"need": 5}), at=later)
        # Ann changes her mind: her sheet is replaced, not added.
        changed = Sheet("U0ANN", {"need": 4})
        assert not await scores.save_sheet(connection, first, changed, at=later)
        await scores.save_moderation(connection, first, Sheet("U0LEAD", {"need": 4}), at=later)
        await scores.save_moderation(connection, first, Sheet("U0LEAD", {"need": 5}), at=later)
        await scores.save_sheet(connection, second, Sheet("U0ANN", {"need": 1}), at=AT)
    async with reading(database) as connection:
        found = await scores.sheets_of(connection, first)
        both = await scores.sheets_of_bids(connection, [first, second])
        none = await scores.sheets_of(connection, 999)
    assert sorted((s.scorer, dict(s.levels)) for s in found.scored) == [
        ("U0ANN", {"need": 4}),
        ("U0BOB", {"need": 5}),
    ]
    assert found.moderated == Sheet("U0LEAD", {"need": 5}, {})
    assert [s.scorer for s in both[second].scored] == ["U0ANN"] and both[second].moderated is None
    assert none.scored == () and none.moderated is None


async def test_a_ranking_reads_its_rounds_bids_with_their_sheets_not_the_ruled_out(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        scored = await new_bid(connection, "KENT-2027-0001")
        await new_bid(connection, "KENT-2027-0002")  # not scored yet
        ruled_out = await new_bid(connection, "KENT-2027-0003")
        await bids.decide(connection, ruled_out, decision="not_eligible", reason="No.", at=AT)
        for scorer in ("U0ANN", "U0BOB"):
            await scores.save_sheet(connection, scored, Sheet(scorer, {"need": 2}), at=AT)
        await scores.save_moderation(connection, scored, Sheet("U0LEAD", {"need": 3}), at=AT)
    async with reading(database) as connection:
        rows = await scores.ranking_rows(connection, fund="safer-in-kent", round="2027-spring")
        other = await scores.ranking_rows(connection, fund="safer-in-kent", round="2027-autumn")
    assert [(r.ref, len(r.sheets.scored)) for r in rows] == [
        ("KENT-2027-0001", 2),
        ("KENT-2027-0002", 0),
    ]
    assert rows[0].sheets.moderated is not None and rows[0].sheets.moderated.levels == {"need": 3}
    assert rows[0].amount_requested == "4500.00" and other == []
