"""Drill: an attacker holds every SMTP slot and loops NOOP while an applicant sends.

Forty idle connections from four loopback addresses (each reopened the moment
it is closed) fill the receiver's table, and three more addresses loop
``NOOP`` as fast as they are answered. Before, every other client got
``421 Too busy`` until the attacker let go, and a NOOP loop was served for
ever. Now idle sessions are dropped for newcomers, NOOP loops are cut after
their share, and every honest mail is accepted within a bound, as a sending
server would deliver it (retrying a ``421`` after a moment).
"""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import statistics
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form

INBOX = "safer-in-kent@bids.example.org"
SLOTS = 40
IDLE_HOSTS = [f"127.0.0.{n}" for n in range(2, 6)]  # 4 x 10 connections: every slot
NOOP_HOSTS = [f"127.0.0.{n}" for n in range(6, 9)]
HONEST_MAILS = 8
BOUND = 10.0
"""Seconds an honest mail may take from its first try to its 250, retries included."""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    running = RunningService(
        tmp_path,
        INTAKE_NOW="2027-05-30T14:00:00+01:00",
        INTAKE_SMTP_MAX_CONNECTIONS=str(SLOTS),
        INTAKE_SMTP_MAX_CONNECTIONS_PER_CLIENT="10",
        # Each dropped and cut session is counted in the log below, line by line
        # (summarised, a flood's lines would come only at the minute's end).
        INTAKE_SMTP_REFUSALS_LOGGED="100000",
    )
    running.start()
    yield running
    running.close()


class Attack:
    """The attacker's connections, in an event loop of their own (a thread)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.seen: Counter[str] = Counter()
        self.noops_answered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def __enter__(self) -> Attack:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(20)

    async def _run(self) -> None:
        tasks = [
            asyncio.create_task(self._keep(host, noop=False))
            for host in IDLE_HOSTS
            for _ in range(10)
        ]
        tasks += [
            asyncio.create_task(self._keep(host, noop=True))
            for host in NOOP_HOSTS
            for _ in range(3)
        ]
        while not self._stop.is_set():
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _keep(self, host: str, *, noop: bool) -> None:
        """One connection slot, reopened whenever the server closes it."""
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(host, 0)
                )
            except OSError:
                await asyncio.sleep(0.05)
                continue
            try:
                greeting = await reader.readline()
                self.seen[greeting[:3].decode(errors="replace") or "closed"] += 1
                if not greeting.startswith(b"220"):
                    continue
                writer.write(b"EHLO attacker.example.net\r\n")
                while (line := await reader.readline())[3:4] == b"-":
                    pass
                while noop and not self._stop.is_set():
                    writer.write(b"NOOP\r\n")
                    line = await reader.readline()
                    if not line.startswith(b"250"):
                        self.seen[f"NOOP {line[:3].decode(errors='replace') or 'closed'}"] += 1
                        break
                    self.noops_answered += 1
                if not noop:
                    line = await reader.readline()  # held until the server says something
                    self.seen[f"idle {line[:3].decode(errors='replace') or 'closed'}"] += 1
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()


def _honest(number: int) -> bytes:
    return build_mail(
        sender="Honest <honest@charity.example.org>",
        to=INBOX,
        subject=f"Application {number}",
        body="Our form is attached.",
        date=datetime(2027, 5, 30, 13, 0, tzinfo=UTC),
        message_id=f"<exhaustion-{number}@charity.example.org>",
        attachments=[("form.docx", fixture_form("complete-other-type.docx"), "application/x")],
    )


def _metrics(service: RunningService) -> dict[str, float]:
    url = f"http://127.0.0.1:{service.http_port}/metrics"
    time.sleep(0.6)  # the receiver publishes its counts twice a second
    with urllib.request.urlopen(url, timeout=5) as response:
        lines = response.read().decode().splitlines()
    return {
        name: float(value)
        for name, _, value in (line.partition(" ") for line in lines)
        if name.startswith("intake_smtp_")
    }


def _deliver(port: int, raw: bytes) -> tuple[float, int]:
    """Deliver as a sending server would: a 421 or a dropped connection is tried again.
    Seconds to the 250, and tries."""
    started, tries = time.monotonic(), 0
    while time.monotonic() - started < 60:
        tries += 1
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.ehlo("mx.charity.example.org")
                client.mail("honest@charity.example.org")
                client.rcpt(INBOX)
                code, _reply = client.data(raw)
                if code == 250:
                    return time.monotonic() - started, tries
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError("an honest mail was not accepted in 60 s")


def test_honest_mail_is_accepted_while_every_slot_is_held_and_noop_loops_run(
    service: RunningService,
) -> None:
    with Attack(service.smtp_port) as attack:
        time.sleep(2)  # every slot taken, the loops running
        filled = sum(attack.seen.values())
        results = [_deliver(service.smtp_port, _honest(number)) for number in range(HONEST_MAILS)]
        time.sleep(0.5)
    times = [seconds for seconds, _ in results]
    log = service.output
    evicted = log.count("refused (idle session)")
    cut = log.count("Too many commands without sending mail")
    print(
        f"\n{SLOTS} slots; attacker: {len(IDLE_HOSTS) * 10} idle connections from "
        f"{len(IDLE_HOSTS)} addresses, reopened when closed; NOOP loops on "
        f"{len(NOOP_HOSTS) * 3} connections from {len(NOOP_HOSTS)} addresses\n"
        f"attacker connections before the first honest mail: {filled}; replies it saw: "
        f"{dict(attack.seen)}; NOOPs answered: {attack.noops_answered}\n"
        f"honest mails: {HONEST_MAILS}, accepted in p50 {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s, tries {[tries for _, tries in results]}\n"
        f"idle sessions dropped for newcomers: {evicted}; NOOP sessions cut: {cut}"
    )
    assert max(times) <= BOUND
    metrics = _metrics(service)
    assert metrics["intake_smtp_idle_dropped_total"] >= evicted  # each logged, each counted
    assert metrics["intake_smtp_refusals_total"] >= evicted + cut
    assert evicted >= 1 and cut >= 1
    # NOOP loops get their share (20 a session), not the receiver's whole attention.
    assert attack.noops_answered <= 20 * (attack.seen["220"] + 1)
    bids = service.wait_for(
        lambda: (found := service.bids()) and len(found) >= HONEST_MAILS and found,
        what="every honest mail's bid",
    )
    assert len(bids) == HONEST_MAILS
