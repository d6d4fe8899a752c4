"""Accepted messages: stored once per dedupe key with their parsing job, read back typed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.errors import NotFound
from intake.store import queue
from intake.store.engine import reading
from intake.store.incoming import KEPT_AS, kept_as
from intake.store.messages import (
    IncomingMessage,
    StoredMessage,
    accept_messages,
    get_message,
    message_content,
    message_to_read,
    set_message_outcome,
)
from intake.store.schema import messages

RECEIVED = datetime(2027, 4, 15, 9, 30, tzinfo=UTC)


def incoming(number: int, *, dedupe: str | None = None, content: bytes | None = None):
    return IncomingMessage(
        id=f"18ea{number:04d}",
        office="kent",
        fund="safer-in-kent",
        received_at=RECEIVED,
        mail_from=f"applicant{number}@example.org",
        rcpt_tos=["safer-in-kent@bids.example.org"],
        peer="127.0.0.1",
        size=120,
        sha256="0" * 64,
        dedupe_key=dedupe or f"key-{number}",
        spool_name=f"2027-04-15/18ea{number:04d}.eml",
        content=content,
    )


async def test_a_message_is_stored_queued_with_its_parsing_job(database: AsyncEngine) -> None:
    assert await accept_messages(database, [incoming(1)]) == [("18ea0001", True)]
    async with reading(database) as connection:
        message = await get_message(connection, "18ea0001")
        # What a parsing job reads first: the message, and that it made no version yet.
        to_read = await message_to_read(connection, "18ea0001")
    assert to_read == (message, False)
    assert isinstance(message, StoredMessage)
    assert (message.state, message.outcome, message.bid_id) == ("queued", None, None)
    assert message.received_at == RECEIVED and message.rcpt_tos == [
        "safer-in-kent@bids.example.org"
    ]
    job = await queue.claim(database, kinds=["message"], worker="test/w", lease=60)
    assert job is not None
    # One sender's mails share a chain: read one at a time, others' in parallel.
    assert (job.key, job.payload, job.chain) == (
        "message:18ea0001",
        {"message": "18ea0001"},
        "sender:applicant1@example.org",
    )


async def test_a_second_delivery_keeps_the_first_copy_and_queues_nothing(
    database: AsyncEngine,
) -> None:
    await accept_messages(database, [incoming(1, dedupe="same")])
    kept = await accept_messages(
        database, [incoming(2, dedupe="same"), incoming(3), incoming(4, dedupe="key-3")]
    )
    assert kept == [("18ea0001", False), ("18ea0003", True), ("18ea0003", False)]
    assert await queue.backlog(database) == {"message": 2}


async def test_content_is_kept_only_when_another_node_must_read_it(database: AsyncEngine) -> None:
    await accept_messages(database, [incoming(1, content=b"Subject: hi\r\n\r\n"), incoming(2)])
    async with reading(database) as connection:
        assert await message_content(connection, "18ea0001") == b"Subject: hi\r\n\r\n"
        assert await message_content(connection, "18ea0002") is None


async def test_an_outcome_says_what_became_of_the_message(database: AsyncEngine) -> None:
    await accept_messages(database, [incoming(1)])
    async with database.begin() as connection:
        await set_message_outcome(
            connection, "18ea0001", state="automatic", outcome="not answered: auto-reply"
        )
    async with reading(database) as connection:
        message = await get_message(connection, "18ea0001")
        with pytest.raises(NotFound):
            await get_message(connection, "nope")
    assert (message.state, message.outcome) == ("automatic", "not answered: auto-reply")


async def test_the_receivers_threads_find_a_stored_copy_without_the_engine(
    database: AsyncEngine, tmp_path: Path
) -> None:
    await accept_messages(database, [incoming(1, dedupe="same")])
    with sqlite3.connect(tmp_path / "intake.sqlite3") as connection:
        assert kept_as(connection, "same") == "18ea0001"
        assert kept_as(connection, "other") is None


def test_the_receivers_lookup_is_what_the_schema_compiles_to() -> None:
    # Written out so the receiver's process need not import SQLAlchemy.
    compiled = (
        select(messages.c.id)
        .where(messages.c.dedupe_key == bindparam("key"))
        .compile(dialect=sqlite_dialect(paramstyle="named"))
    )
    assert str(compiled) == KEPT_AS
