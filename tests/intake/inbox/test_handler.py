"""The DATA handler: a message whose final dot arrived is stored whole, whatever the client does."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

from intake.inbox.journal import Journal, JournalWriter
from intake.inbox.spool import SpoolFile
from intake.store.messages import IncomingMessage
from tests.intake.inbox.receiving import receiving

INBOX = "safer-in-kent@bids.example.org"


class HeldJournal(JournalWriter):
    """The journal, made to wait before writing until the test lets it."""

    def __init__(self, journal: Journal) -> None:
        super().__init__(journal)
        self.started = threading.Event()
        self.go_on = threading.Event()

    def keep(self, message: IncomingMessage, file: SpoolFile) -> tuple[str, bool]:
        self.started.set()
        self.go_on.wait(10)
        return super().keep(message, file)


async def _session(port: int, message: bytes) -> None:
    """A client that sends one message and hangs up without waiting for the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for line in (
        b"",
        b"EHLO mx.example.org",
        b"MAIL FROM:<a@example.org>",
        f"RCPT TO:<{INBOX}>".encode(),
        b"DATA",
    ):
        if line:
            writer.write(line + b"\r\n")
        while True:  # read the whole reply (multi-line for EHLO)
            reply = await reader.readline()
            if reply[3:4] != b"-":
                break
    writer.write(message + b"\r\n.\r\n")
    await writer.drain()
    writer.close()


async def test_a_client_gone_after_its_final_dot_still_has_its_message_kept(
    tmp_path: Path,
) -> None:
    journal = HeldJournal(Journal(tmp_path / "journal"))
    accepted: list[int] = []
    async with receiving(tmp_path, journal, on_accept=lambda: accepted.append(1)) as (
        handler,
        port,
    ):
        await _session(port, b"Subject: my bid\r\n\r\nthe form is attached")
        await asyncio.to_thread(journal.started.wait, 10)
        await asyncio.sleep(0.2)  # the server has seen the client go
        journal.go_on.set()
        for _ in range(100):
            if not handler.storing:
                break
            await asyncio.sleep(0.05)
    (entry,) = journal.journal.pending()
    kept = handler.spool.path(entry.spool_name).read_bytes()
    assert kept.startswith(b"Received: from ") and b"\r\nSubject: my bid\r\n" in kept
    assert accepted == [1] and handler.accepted == 1 and handler.storing == 0
    assert list(handler.spool.tmp.iterdir()) == []


async def test_the_250_waits_for_the_message_to_be_durable_and_comes_once(
    tmp_path: Path,
) -> None:
    """The handler answers from the callback that learns the message is kept; the
    session then goes on with the next message as if the reply came the usual way."""
    journal = HeldJournal(Journal(tmp_path / "journal"))
    async with receiving(tmp_path, journal) as (_handler, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            replies = await _two_messages_held(journal, reader, writer)
        finally:
            writer.close()
    kept = [entry.id for entry in journal.journal.pending()]
    assert [reply.split(b" ", 1)[0] for reply in replies] == [
        *[b"250", b"250", b"354", b"250"] * 2,
        b"221",
    ]
    assert [reply.rsplit(b" ", 1)[1].strip().decode() for reply in replies[3:8:4]] == kept


async def _two_messages_held(
    journal: HeldJournal, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> list[bytes]:
    """Two messages in one session, each held by the journal for a while; every reply."""

    async def say(line: bytes) -> bytes:
        writer.write(line + b"\r\n")
        while (reply := await asyncio.wait_for(reader.readline(), 10))[3:4] == b"-":
            pass
        return reply

    await reader.readline()  # the greeting
    await say(b"EHLO mx.example.org")
    replies = []
    for number in (1, 2):
        journal.started.clear()
        journal.go_on.clear()
        replies.append(await say(b"MAIL FROM:<a@example.org>"))
        replies.append(await say(f"RCPT TO:<{INBOX}>".encode()))
        replies.append(await say(b"DATA"))
        writer.write(f"Subject: bid {number}\r\n\r\nthe form\r\n.\r\n".encode())
        await asyncio.to_thread(journal.started.wait, 10)
        with contextlib.suppress(TimeoutError):  # nothing before it is durable
            replies.append(await asyncio.wait_for(reader.readline(), 0.3))
        journal.go_on.set()
        replies.append(await asyncio.wait_for(reader.readline(), 10))
    replies.append(await say(b"QUIT"))
    return replies
