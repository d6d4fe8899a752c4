"""Drill: SMTP abuse all at once while an honest applicant keeps sending.

Relay attempts, too many recipients, an oversized message, slow-drip clients
and a flood of connections from one address each get the refusal they
deserve, and the honest sender's mail is accepted throughout.
"""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fixtures.make_fixtures import build_mail
from tests.drills.kit import INBOX, drill
from tests.harness import RunningService, fixture_form


def _relay_attempt(service: RunningService) -> int:
    with service.smtp() as client:
        client.ehlo("spam.example.net")
        client.mail("spammer@example.net")
        return client.rcpt("victim@elsewhere.example.com")[0]


def _too_many_recipients(service: RunningService) -> int:
    with service.smtp() as client:
        client.ehlo("spam.example.net")
        client.mail("spammer@example.net")
        codes = [client.rcpt(INBOX)[0] for _ in range(25)]
        return codes[-1]


def _oversize(service: RunningService) -> int:
    with service.smtp() as client:
        client.ehlo("spam.example.net")
        client.mail("spammer@example.net")
        client.rcpt(INBOX)
        body = b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 3000
        return client.data(body)[0]


def _slow_drip(service: RunningService) -> int:
    with socket.create_connection(("127.0.0.1", service.smtp_port), timeout=20) as connection:
        reader = connection.makefile("rb")
        reader.readline()
        for command in (
            b"EHLO drip",
            b"MAIL FROM:<d@example.net>",
            f"RCPT TO:<{INBOX}>".encode(),
            b"DATA",
        ):
            connection.sendall(command + b"\r\n")
            line = reader.readline()
            while line[3:4] == b"-":
                line = reader.readline()
        try:
            for _ in range(60):
                connection.sendall(b"x")
                time.sleep(0.2)
        except OSError:
            pass
        answer = reader.readline()
        return int(answer[:3]) if answer[:3].isdigit() else 0


def _flood(service: RunningService) -> int:
    held: list[socket.socket] = []
    refused = 0
    try:
        for _ in range(12):
            connection = socket.create_connection(("127.0.0.1", service.smtp_port), timeout=5)
            held.append(connection)
            if connection.recv(100).startswith(b"421"):
                refused += 1
    finally:
        for connection in held:
            connection.close()
    return refused


def test_abusers_are_refused_and_the_honest_sender_is_not(tmp_path: Path) -> None:
    with drill(
        tmp_path,
        INTAKE_MAX_MESSAGE_BYTES="1000000",
        INTAKE_MAX_RECIPIENTS="20",
        INTAKE_SMTP_MAX_CONNECTIONS_PER_CLIENT="8",
        INTAKE_SMTP_RATE_WINDOW="2",
        INTAKE_SMTP_MIN_DATA_RATE="100",
    ) as scene:
        service = scene.service
        outcomes: dict[str, int] = {}
        abuses: dict[str, Callable[[RunningService], int]] = {
            "relay": _relay_attempt,
            "recipients": _too_many_recipients,
            "oversize": _oversize,
            "slow-drip": _slow_drip,
            "flood": _flood,
        }

        def run(name: str, abuse: Callable[[RunningService], int]) -> None:
            try:
                outcomes[name] = abuse(service)
            except smtplib.SMTPServerDisconnected:
                outcomes[name] = -1

        threads = [threading.Thread(target=run, args=item) for item in abuses.items()]
        for thread in threads:
            thread.start()
        honest = []
        form = fixture_form("complete-other-type.docx")
        for number in range(6):
            raw = build_mail(
                sender="Honest <honest@charity.example.org>",
                to=INBOX,
                subject=f"Application {number}",
                body="Attached.",
                date=datetime(2027, 5, 30, 14, 0, tzinfo=UTC),
                message_id=f"<abuse-honest-{number}@charity.example.org>",
                attachments=[("form.docx", form, "application/octet-stream")],
            )
            for _attempt in range(3):  # a real MTA retries a 421 from a full connection table
                try:
                    honest.append(service.send(raw))
                    break
                except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected):
                    time.sleep(1)
            time.sleep(0.3)
        for thread in threads:
            thread.join(30)

    assert len(honest) == 6 and all(reply.startswith("2.0.0") for reply in honest)
    assert outcomes["relay"] == 550
    assert outcomes["recipients"] == 452
    assert outcomes["oversize"] == 552
    assert outcomes["slow-drip"] == 421
    assert outcomes["flood"] >= 4
