"""Fair shares of the receiver, as a client on a real loopback socket sees them:
junk commands do not keep a session alive, have a cap, and idle sessions make
room for newcomers when every slot is taken."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from intake.inbox.admission import MIN_IDLE, ConnectionLimiter
from intake.inbox.protocol import ProtocolLimits
from tests.intake.inbox.receiving import receiving

INBOX = "safer-in-kent@bids.example.org"


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, host: str = "127.0.0.1") -> Client:
        client = cls(*await asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0)))
        return client

    async def reply(self) -> bytes:
        """The last line of the next reply; b"" when the server closed."""
        while (line := await asyncio.wait_for(self.reader.readline(), 10))[3:4] == b"-":
            pass
        return line

    async def say(self, line: bytes) -> bytes:
        self.writer.write(line + b"\r\n")
        return await self.reply()

    def close(self) -> None:
        self.writer.close()


async def test_junk_commands_have_a_share_then_421(tmp_path: Path) -> None:
    async with receiving(tmp_path, limits=ProtocolLimits(junk_limit=5)) as (_handler, port):
        client = await Client.connect(port)
        await client.reply()
        await client.say(b"EHLO mx.example.org")
        answers = [await client.say(command) for command in [b"NOOP", b"RSET", b"VRFY <a@b>"] * 2]
        assert [a[:3] for a in answers] == [b"250", b"250", b"252", b"250", b"250", b"421"]
        assert answers[-1].startswith(b"421 4.7.0 Too many commands")
        assert await client.reply() == b""  # closed
        client.close()


async def test_a_greeting_loop_is_junk(
    tmp_path: Path,
) -> None:
    async with receiving(tmp_path, limits=ProtocolLimits(junk_limit=2)) as (_handler, port):
        client = await Client.connect(port)
        await client.reply()
        answers = [await client.say(b"EHLO mx.example.org") for _ in range(4)]
        assert [a[:3] for a in answers] == [b"250", b"250", b"250", b"421"]
        client.close()


async def test_refused_commands_count_and_a_message_gives_a_new_share(tmp_path: Path) -> None:
    async with receiving(tmp_path, limits=ProtocolLimits(junk_limit=3)) as (_handler, port):
        client = await Client.connect(port)
        await client.reply()
        await client.say(b"EHLO mx.example.org")
        for _ in range(2):  # two messages, three junk commands each: within the share
            assert (await client.say(b"NOOP"))[:3] == b"250"
            assert (await client.say(b"MAIL FROM:<a@example.org>"))[:3] == b"250"
            assert (await client.say(b"RCPT TO:<nobody@elsewhere.example>"))[:3] == b"550"
            assert (await client.say(f"RCPT TO:<{INBOX}>".encode()))[:3] == b"250"
            assert (await client.say(b"DATA"))[:3] == b"354"
            assert (await client.say(b"Subject: a bid\r\n\r\nform\r\n."))[:3] == b"250"
            assert (await client.say(b"HELP"))[:3] == b"250"
        # Since the last message: HELP, then a refused command, a NOOP, and one too many.
        assert (await client.say(b"RCPT TO:<x@elsewhere.example>"))[:3] == b"503"  # no MAIL
        assert (await client.say(b"NOOP"))[:3] == b"250"
        assert (await client.say(b"NOOP"))[:3] == b"421"
        client.close()


async def test_junk_commands_do_not_restart_the_command_timeout(tmp_path: Path) -> None:
    limits = ProtocolLimits(command_timeout=1.0, junk_limit=100)
    async with receiving(tmp_path, limits=limits) as (_handler, port):
        client = await Client.connect(port)
        await client.reply()
        await client.say(b"EHLO mx.example.org")
        started = time.monotonic()
        answers = []
        while time.monotonic() - started < 3:
            answer = await client.say(b"NOOP")
            answers.append(answer)
            if not answer:
                break
            await asyncio.sleep(0.2)
        cut_after = time.monotonic() - started
        assert answers[-1] == b"" and 0.8 < cut_after < 1.6, (cut_after, answers)
        client.close()


async def test_progress_restarts_the_command_timeout(tmp_path: Path) -> None:
    limits = ProtocolLimits(command_timeout=1.0)
    async with receiving(tmp_path, limits=limits) as (_handler, port):
        client = await Client.connect(port)
        await client.reply()
        for command in [b"EHLO mx.example.org", b"MAIL FROM:<a@example.org>"]:
            await asyncio.sleep(0.7)
            assert (await client.say(command))[:3] == b"250"
        await asyncio.sleep(0.7)
        assert (await client.say(f"RCPT TO:<{INBOX}>".encode()))[:3] == b"250"
        client.close()


async def test_when_every_slot_is_taken_the_idlest_session_makes_room(tmp_path: Path) -> None:
    limits = ProtocolLimits(total=3, per_client=3)
    async with receiving(tmp_path, limits=limits) as (_handler, port):
        idle = []
        for _ in range(2):  # one address holding two slots
            client = await Client.connect(port, "127.0.0.2")
            await client.reply()
            await client.say(b"EHLO idle.example.net")
            idle.append(client)
        looping = await Client.connect(port, "127.0.0.4")
        await looping.reply()
        await looping.say(b"EHLO busy.example.net")
        await asyncio.sleep(MIN_IDLE + 0.2)
        assert (await looping.say(b"NOOP"))[:3] == b"250"  # junk is no progress

        newcomer = await Client.connect(port)
        assert (await newcomer.reply())[:3] == b"220"
        assert (await idle[0].reply()).startswith(b"421 4.7.0 Too busy: closing an idle")
        assert (await newcomer.say(b"EHLO honest.example.org"))[:3] == b"250"

        # Now each address holds one slot: a newcomer takes nobody's, however idle.
        await asyncio.sleep(MIN_IDLE + 0.2)
        late = await Client.connect(port, "127.0.0.5")
        assert (await late.reply()).startswith(b"421 4.7.0 Too busy")
        for client in [*idle, looping, newcomer, late]:
            client.close()


async def test_a_session_sending_only_junk_makes_room_at_once(tmp_path: Path) -> None:
    limits = ProtocolLimits(total=2, per_client=2)
    async with receiving(tmp_path, limits=limits) as (_handler, port):
        working = await Client.connect(port, "127.0.0.2")
        await working.reply()
        await working.say(b"EHLO mx.example.net")
        looping = await Client.connect(port, "127.0.0.2")
        await looping.reply()
        await looping.say(b"EHLO mx.example.net")
        assert (await looping.say(b"NOOP"))[:3] == b"250"

        newcomer = await Client.connect(port)  # well within a second of their EHLO
        assert (await newcomer.reply())[:3] == b"220"
        assert (await looping.reply()).startswith(b"421 4.7.0 Too busy: closing an idle")
        assert (await working.say(b"MAIL FROM:<a@example.org>"))[:3] == b"250"
        for client in (working, looping, newcomer):
            client.close()


def test_over_its_command_rate_a_client_is_slowed_not_refused() -> None:
    now = [0.0]
    limiter = ConnectionLimiter(
        per_client=5, total=5, commands_per_second=10, monotonic=lambda: now[0]
    )
    waits = [limiter.command_wait("192.0.2.1") for _ in range(12)]
    assert waits[:10] == [0.0] * 10 and waits[10] > 0 and waits[11] > waits[10]
    assert limiter.command_wait("192.0.2.2") == 0.0  # another client has its own share
    now[0] += 5
    assert limiter.command_wait("192.0.2.1") == 0.0


def test_over_its_connection_rate_a_client_gets_421() -> None:
    now = [0.0]

    class Session:
        idle_since = None
        wasting = False

        def evict(self) -> bool:
            raise AssertionError("never idle")

    limiter = ConnectionLimiter(
        per_client=100, total=100, connections_per_minute=3, monotonic=lambda: now[0]
    )
    replies = [limiter.admit("192.0.2.1", Session()) for _ in range(4)]
    assert replies[:3] == [None] * 3 and replies[3] is not None and replies[3].code == 421
    assert limiter.admit("192.0.2.9", Session()) is None
    now[0] += 20  # a third of a minute: one more
    assert limiter.admit("192.0.2.1", Session()) is None
