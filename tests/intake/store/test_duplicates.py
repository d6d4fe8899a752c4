"""Possible duplicates: a new bid finds the earlier bids of its round that share a fingerprint."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import duplicates
from intake.store.engine import reading
from tests.intake.store.test_bids import AT, new_bid


async def test_a_bid_finds_the_oldest_bids_sharing_a_fingerprint_in_its_round_and_links_them(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        ids = [await new_bid(connection, f"KENT-2027-{n:04d}") for n in range(1, 8)]
        same_org = {"organisation": "hythe food bank"}
        for bid_id in ids[:4]:
            await duplicates.keep_fingerprints(
                connection, bid_id, fund="safer-in-kent", round="2027-spring", values=same_org
            )
        # The same answers as the second: found on two kinds at once.
        await duplicates.keep_fingerprints(
            connection,
            ids[1],
            fund="safer-in-kent",
            round="2027-spring",
            values={"answers": "a1b2"},
        )
        # Another round, another fund, and no round: never matched with the 2027 round's.
        await duplicates.keep_fingerprints(
            connection, ids[4], fund="safer-in-kent", round="2026-autumn", values=same_org
        )
        await duplicates.keep_fingerprints(
            connection, ids[5], fund="mental-health", round="2027-spring", values=same_org
        )
        await duplicates.keep_fingerprints(
            connection, ids[6], fund="safer-in-kent", round=None, values=same_org
        )

        new = ids[3]
        found = await duplicates.matching_bids(
            connection,
            fund="safer-in-kent",
            round="2027-spring",
            values={"answers": "a1b2", "organisation": "hythe food bank", "applicant": ""},
            but=new,
            limit=2,
        )
        assert found == {
            ids[0]: ("KENT-2027-0001", ["organisation"]),
            ids[1]: ("KENT-2027-0002", ["answers", "organisation"]),
        }
        no_round = await duplicates.matching_bids(
            connection, fund="safer-in-kent", round=None, values=same_org, but=new, limit=5
        )
        assert list(no_round) == [ids[6]]

        links = {other: ["the same organisation"] for other in found}
        await duplicates.link_all(connection, new, links, at=AT)
        await duplicates.link_all(connection, new, {ids[0]: ["changed"]}, at=AT)  # kept as was
    async with reading(database) as connection:
        repeats = await duplicates.duplicates_of(connection, new)
    assert [(d.ref, d.of_ref, d.reasons) for d in repeats] == [
        ("KENT-2027-0004", "KENT-2027-0001", ["the same organisation"]),
        ("KENT-2027-0004", "KENT-2027-0002", ["the same organisation"]),
    ]
