"""Accepting mail into a shared database: messages share commits, and a failed
commit leaves nothing behind for a sender who will send again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from intake.inbox.group_commit import DatabaseRecorder, GroupCommit
from intake.inbox.spool import Spool
from intake.store.messages import IncomingMessage
from tests.intake.inbox.test_journal import arriving


async def test_messages_arriving_during_a_commit_share_the_next_one(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    batches: list[list[str]] = []
    release = asyncio.Event()

    async def commit(batch: list[IncomingMessage]) -> list[tuple[str, bool]]:
        batches.append([m.id for m in batch])
        await release.wait()
        return [(m.id, True) for m in batch]

    group = GroupCommit(commit)
    messages = [arriving(spool, n)[0] for n in range(4)]
    first = asyncio.create_task(group.accept(messages[0]))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(group.accept(m)) for m in messages[1:]]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(first, *rest) == [(m.id, True) for m in messages]
    assert batches == [[messages[0].id], [m.id for m in messages[1:]]]


async def test_the_database_recorder_keeps_the_file_and_shares_its_content(
    tmp_path: Path,
) -> None:
    spool = Spool(tmp_path / "spool")
    stored: list[IncomingMessage] = []

    async def commit(batch: list[IncomingMessage]) -> list[tuple[str, bool]]:
        stored.extend(batch)
        return [(m.id, True) for m in batch]

    recorder = DatabaseRecorder(GroupCommit(commit), asyncio.get_running_loop())
    message, file = arriving(spool, 1)
    assert await asyncio.to_thread(recorder.keep, message, file) == (message.id, True)
    assert spool.path(message.spool_name).read_bytes().startswith(b"Subject: 1\r\n")
    assert stored[0].content == spool.path(message.spool_name).read_bytes()


async def test_a_second_delivery_keeps_the_first_copy_only(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")

    async def commit(batch: list[IncomingMessage]) -> list[tuple[str, bool]]:
        return [("first-copy", False) for _ in batch]

    recorder = DatabaseRecorder(GroupCommit(commit), asyncio.get_running_loop())
    message, file = arriving(spool, 2)
    assert await asyncio.to_thread(recorder.keep, message, file) == ("first-copy", False)
    assert not spool.path(message.spool_name).exists()


async def test_a_commit_that_fails_leaves_no_file_behind(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")

    async def commit(batch: list[IncomingMessage]) -> list[tuple[str, bool]]:
        raise ConnectionError("the database went away")

    recorder = DatabaseRecorder(GroupCommit(commit), asyncio.get_running_loop())
    message, file = arriving(spool, 3)
    with pytest.raises(ConnectionError):
        await asyncio.to_thread(recorder.keep, message, file)
    assert list(spool.root.glob("*/*.eml")) == [] and list(spool.tmp.iterdir()) == []
