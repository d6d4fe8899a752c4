"""A message arriving is written in the receiver's threads: whole, in order, and never ahead of
its memory bound."""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.fingerprint import Fingerprint, fingerprint
from intake.incoming import Incoming
from intake.spool import Spool

WHEN = datetime(2027, 5, 30, 23, 59, tzinfo=UTC)
RECIPIENTS = ["safer-in-kent@bids.example.org"]


def _message(seed: int) -> bytes:
    rng = random.Random(seed)
    body = b"".join(rng.randbytes(rng.randrange(1, 60_000)) for _ in range(rng.randrange(1, 40)))
    return f"Subject: bid {seed}\r\nX-Trace: {seed}\r\n\r\n".encode() + body


def _pieces(content: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(content)), min(30, len(content) - 1)))
    return [content[a:b] for a, b in zip([0, *cuts], [*cuts, len(content)], strict=True)]


async def test_messages_written_at_once_by_a_few_threads_are_each_stored_whole_and_in_order(
    tmp_path: Path,
) -> None:
    """Twenty messages in random pieces, interleaved as twenty sessions would send them, over
    three threads: each file, its hash and its fingerprint are those of the message sent."""
    spool = Spool(tmp_path / "spool")
    loop = asyncio.get_running_loop()
    rng = random.Random(7)
    contents = [_message(seed) for seed in range(20)]
    with ThreadPoolExecutor(3) as threads:
        arriving = [
            (Incoming(spool.open(), Fingerprint(RECIPIENTS), threads, loop), _pieces(c, rng))
            for c in contents
        ]
        while any(pieces for _, pieces in arriving):
            for incoming, pieces in arriving:
                if pieces:
                    full = incoming.write(pieces.pop(0))
                    if full is not None:
                        await full
        kept = [
            await asyncio.wrap_future(
                incoming.finish(lambda i=incoming: (i.file.commit(WHEN), i.fingerprint.hexdigest()))
            )
            for incoming, _ in arriving
        ]
    for content, (spooled, fingerprint_hex) in zip(contents, kept, strict=True):
        assert spool.path(spooled.name).read_bytes() == content
        assert spooled.size == len(content)
        assert spooled.sha256 == hashlib.sha256(content).hexdigest()
        assert fingerprint_hex == fingerprint(content, RECIPIENTS)
    assert list(spool.tmp.iterdir()) == []


async def test_a_session_waits_while_its_thread_is_behind_and_goes_on_when_it_catches_up(
    tmp_path: Path,
) -> None:
    """The receiver holds at most about HIGH_WATER bytes of a message its thread has not
    written: past it the session is told to wait, and is released once half is written."""
    loop = asyncio.get_running_loop()
    busy, go_on = threading.Event(), threading.Event()
    with ThreadPoolExecutor(1) as threads:
        threads.submit(lambda: (busy.set(), go_on.wait(10)))  # the only thread is taken
        await asyncio.to_thread(busy.wait, 10)
        incoming = Incoming(
            Spool(tmp_path / "spool").open(), Fingerprint(RECIPIENTS), threads, loop
        )
        piece = b"x" * (256 * 1024)
        waits = [incoming.write(piece) for _ in range(5)]
        assert waits[:4] == [None] * 4  # 1 MB queued: not yet past the mark
        full = waits[4]
        assert full is not None and not full.done()
        await asyncio.sleep(0.1)
        assert not full.done()  # nothing written, nothing released
        go_on.set()
        await asyncio.wait_for(full, 10)
        spooled = await asyncio.wrap_future(incoming.finish(lambda: incoming.file.commit(WHEN)))
    assert spooled.size == 5 * len(piece)


async def test_a_message_that_cannot_be_written_is_not_kept_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    """A full or broken disk: the keeping step never runs, and its caller gets the error
    (the session answers 451, so the sender tries again)."""
    spool = Spool(tmp_path / "spool")
    loop = asyncio.get_running_loop()
    kept: list[bool] = []
    with ThreadPoolExecutor(2) as threads:
        incoming = Incoming(spool.open(), Fingerprint(RECIPIENTS), threads, loop)
        spool.tmp.rmdir()  # the file cannot be created
        incoming.write(b"Subject: bid\r\n\r\nform attached\r\n")
        incoming.write(b"more of it\r\n")
        outcome = incoming.finish(lambda: kept.append(True))
        with pytest.raises(FileNotFoundError):
            await asyncio.wrap_future(outcome)
    assert kept == []


async def test_an_abandoned_message_is_dropped_with_what_was_still_queued(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1) as threads:
        incoming = Incoming(spool.open(), Fingerprint(RECIPIENTS), threads, loop)
        for _ in range(10):
            incoming.write(b"y" * 300_000)
        incoming.abort()
    assert list(spool.tmp.iterdir()) == []
    assert [p for p in spool.root.iterdir() if p.name != "tmp"] == []


def test_once_the_threads_are_gone_the_writing_happens_in_place(tmp_path: Path) -> None:
    """A session finishing while the receiver stops still has its message written whole."""
    spool = Spool(tmp_path / "spool")
    threads = ThreadPoolExecutor(1)
    threads.shutdown()
    loop = asyncio.new_event_loop()
    try:
        incoming = Incoming(spool.open(), Fingerprint(RECIPIENTS), threads, loop)
        incoming.write(b"Subject: late\r\n\r\nstill kept\r\n")
        spooled = incoming.finish(lambda: incoming.file.commit(WHEN)).result(timeout=0)
    finally:
        loop.close()
    assert spool.path(spooled.name).read_bytes() == b"Subject: late\r\n\r\nstill kept\r\n"
