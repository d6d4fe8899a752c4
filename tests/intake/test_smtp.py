"""The DATA handler: a message whose final dot arrived is stored whole, whatever the client does."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from intake.clock import Clock
from intake.config.load import load_config
from intake.journal import Journal, JournalWriter
from intake.smtp import IntakeHandler
from intake.smtp_server import ProtocolLimits, protocol_factory
from intake.spool import Spool, SpoolFile
from intake.store.records import IncomingMessage

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
    spool = Spool(tmp_path / "spool")
    accepted: list[int] = []
    handler = IntakeHandler(
        config=load_config(),
        spool=spool,
        recorder=journal,
        clock=Clock(),
        on_accept=lambda: accepted.append(1),
    )
    factory, _ = protocol_factory(handler, limits=ProtocolLimits(), hostname="test.local")
    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        await _session(port, b"Subject: my bid\r\n\r\nthe form is attached")
        await asyncio.to_thread(journal.started.wait, 10)
        await asyncio.sleep(0.2)  # the server has seen the client go
        journal.go_on.set()
        for _ in range(100):
            if not handler.storing:
                break
            await asyncio.sleep(0.05)
    finally:
        server.close()
        handler.close()
    (entry,) = journal.journal.pending()
    assert spool.path(entry.spool_name).read_bytes().startswith(b"Subject: my bid\r\n")
    assert accepted == [1] and handler.accepted == 1 and handler.storing == 0
    assert list(spool.tmp.iterdir()) == []
