"""Bids, versions and history: numbered per office and year, read back typed, found by office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.errors import NotFound
from intake.store import bids
from intake.store.bids import Bid, BidVersion, NewBid, NewVersion, Standing
from intake.store.engine import reading
from intake.store.messages import accept_messages, message_to_read
from tests.intake.store.test_messages import incoming

AT = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


def standing(status: str = "incomplete", *, at: datetime = AT) -> Standing:
    return Standing(
        status=status,  # type: ignore[arg-type]
        round="2027-spring",
        organisation="Hythe Food Bank",
        project="Winter pantry",
        amount_requested="4500.00",
        updated_at=at,
    )


def version(message_id: str, status: str = "incomplete") -> NewVersion:
    return NewVersion(
        message_id=message_id,
        received_at=AT,
        file="form.docx",
        format="docx",
        fields={"organisation_name": "Hythe Food Bank"},
        problems=[{"field": "budget", "code": "missing", "message": "No budget."}],
        status=status,  # type: ignore[arg-type]
        sources={"organisation_name": "form.docx"},
        attachments=[{"name": "form.docx"}],
        round="2027-spring",
        mail={"subject": "Our bid", "reply_address": "a@example.org"},
    )


async def new_bid(connection: AsyncConnection, ref: str, *, office: str = "kent") -> int:
    bid = NewBid(
        ref=ref,
        office=office,
        fund="safer-in-kent",
        form="standard",
        applicant="a@example.org",
        thread_subject="Our bid",
        thread_message_id="<1@example.org>",
        received_at=AT,
    )
    return await bids.add_bid(connection, bid, standing())


async def test_references_count_up_per_office_and_year(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        refs = [
            await bids.next_reference(connection, prefix="KENT", year=2027),
            await bids.next_reference(connection, prefix="KENT", year=2027),
            await bids.next_reference(connection, prefix="ESSEX", year=2027),
            await bids.next_reference(connection, prefix="KENT", year=2028),
        ]
    assert refs == ["KENT-2027-0001", "KENT-2027-0002", "ESSEX-2027-0001", "KENT-2028-0001"]


async def test_a_bid_and_its_versions_read_back_typed(database: AsyncEngine) -> None:
    await accept_messages(database, [incoming(1), incoming(2)])
    async with database.begin() as connection:
        bid_id = await new_bid(connection, "KENT-2027-0001")
        await bids.add_version(connection, bid_id, 1, version("18ea0001"))
        later = standing("complete", at=AT + timedelta(days=1))
        await bids.advance_bid(connection, bid_id, version=2, standing=later)
        await bids.add_version(connection, bid_id, 2, version("18ea0002", "complete"))
    async with reading(database) as connection:
        bid = await bids.bid_by_id(connection, bid_id)
        latest = await bids.latest_version(connection, bid_id)
        first = await bids.version(connection, bid_id, 1)
        assert await bids.version(connection, bid_id, 3) is None
        # A card and an acknowledgement read the bid with a version in one statement.
        with_latest = await bids.bid_and_version(connection, bid_id)
        with_first = await bids.bid_and_version(connection, bid_id, 1)
        with_none = await bids.bid_and_version(connection, bid_id, 3)
        with pytest.raises(NotFound):
            await bids.bid_and_version(connection, bid_id + 1)
        assert await bids.made_a_version(connection, "18ea0002")
        message, made_a_version = await message_to_read(connection, "18ea0002")
        assert made_a_version and message.id == "18ea0002"
        assert not await bids.made_a_version(connection, "18ea9999")
    assert isinstance(bid, Bid) and isinstance(latest, BidVersion)
    assert (bid.ref, bid.version, bid.status, bid.updated_at) == (
        "KENT-2027-0001",
        2,
        "complete",
        AT + timedelta(days=1),
    )
    assert (bid.received_at, bid.applicant, bid.organisation) == (
        AT,
        "a@example.org",
        "Hythe Food Bank",
    )
    assert latest is not None and (latest.version, latest.message_id) == (2, "18ea0002")
    assert with_latest == (bid, latest) and with_first == (bid, first) and with_none == (bid, None)
    assert first is not None and first.problems[0]["code"] == "missing"
    assert first.mail == {"subject": "Our bid", "reply_address": "a@example.org"}


async def test_a_reference_is_found_in_any_case_and_only_by_its_office(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        await new_bid(connection, "KENT-2027-0001")
    async with reading(database) as connection:
        assert (await bids.bid_by_ref(connection, "kent-2027-0001")).ref == "KENT-2027-0001"
        assert (await bids.bid_by_ref(connection, "KENT-2027-0001", offices={"kent"})).office
        with pytest.raises(NotFound, match="no bid with reference KENT-2027-0001"):
            await bids.bid_by_ref(connection, "KENT-2027-0001", offices={"essex"})
        with pytest.raises(NotFound):
            await bids.bid_by_ref(connection, "KENT-2027-0099")
        with pytest.raises(NotFound):
            await bids.bid_by_id(connection, 99)


async def test_bids_are_listed_oldest_first_by_office_fund_and_status(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        await new_bid(connection, "KENT-2027-0001")
        await new_bid(connection, "ESSEX-2027-0001", office="essex")
        await new_bid(connection, "KENT-2027-0002")
    async with reading(database) as connection:
        every = await bids.list_bids(connection)
        kent = await bids.list_bids(connection, office="kent")
        complete = await bids.list_bids(connection, statuses=("complete",))
    assert [b.ref for b in every] == ["KENT-2027-0001", "ESSEX-2027-0001", "KENT-2027-0002"]
    assert [b.ref for b in kent] == ["KENT-2027-0001", "KENT-2027-0002"]
    assert complete == []


async def test_officers_work_and_history_are_kept_on_the_bid(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        bid_id = await new_bid(connection, "KENT-2027-0001")
        await bids.assign(connection, bid_id, to="U0OFFICER", at=AT)
        await bids.decide(connection, bid_id, decision="not_eligible", reason="late", at=AT)
        await bids.set_scores(connection, bid_id, {"need": 3, "impact": 2}, at=AT)
        first = await bids.add_event(
            connection, bid_id=bid_id, at=AT, actor="intake", kind="received", text="Received."
        )
        for _ in range(2):
            await bids.add_event(
                connection,
                bid_id=bid_id,
                at=AT,
                actor="U0OFFICER",
                kind="info_requested",
                text="asked",
                data={"officer": "U0OFFICER", "version": 1},
            )
    async with reading(database) as connection:
        bid = await bids.bid_by_id(connection, bid_id)
        history = await bids.history(connection, bid_id)
        event = await bids.event(connection, bid_id, first)
        assert await bids.event(connection, bid_id + 1, first) is None
        assert await bids.info_requests(connection, bid_id, 1) == 2
        assert await bids.info_requests(connection, bid_id, 2) == 0
    assert (bid.assigned_to, bid.decision, bid.decision_reason) == (
        "U0OFFICER",
        "not_eligible",
        "late",
    )
    assert bid.scores == {"need": 3, "impact": 2}
    assert [e.kind for e in history] == ["received", "info_requested", "info_requested"]
    assert event is not None and (event.text, event.at, event.data) == ("Received.", AT, None)
