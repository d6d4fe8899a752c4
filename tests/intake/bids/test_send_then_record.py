"""A mail of ours is recorded right after the hand-over, with no other mail of the
node handed over meanwhile: a node's death can send one mail twice, never more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.outgoing import send_then_record
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from notifier.mailer import Outbox


@dataclass
class Node:
    engine: AsyncEngine
    mailer: Outbox
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


def _mail(number: int) -> EmailMessage:
    mail = EmailMessage()
    mail["To"] = f"applicant{number}@example.org"
    mail["Message-ID"] = f"<ack-{number}@bids.example.org>"
    mail.set_content("Received.")
    return mail


async def test_no_mail_is_handed_over_while_another_is_being_recorded(
    database: AsyncEngine, tmp_path: Path
) -> None:
    node = Node(database, Outbox(tmp_path / "outbox"))
    seen: list[tuple[int, list[str]]] = []

    def on_disk() -> list[str]:
        return sorted(p.name for p in (tmp_path / "outbox").glob("*.eml"))

    def recorder(number: int) -> Callable[[AsyncConnection], Awaitable[None]]:
        async def record(connection: AsyncConnection) -> None:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.1)  # a slow commit: the other mail must wait for it
            seen.append((number, on_disk()))

        return record

    await asyncio.gather(*(send_then_record(node, _mail(n), recorder(n)) for n in range(3)))
    # Each record saw only the mails handed over before it and its own, never the next.
    assert [len(files) for _, files in seen] == [1, 2, 3]
