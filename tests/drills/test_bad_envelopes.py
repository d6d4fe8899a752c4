"""Drill: envelopes and line ends that used to stop intake, then honest mail.

``MAIL FROM:<\\xff@evil.example>`` was answered ``250`` and then could never be
recorded, and every later mail waited behind it. Now every address that is not
a mail address is refused at its command with a ``5xx`` (logged, one line,
escaped), and what follows becomes bids as usual; the service still stops on
SIGTERM and starts again cleanly. Mail with bare-LF line ends (what
``smtplib.sendmail(..., msg.as_bytes())`` sends) is accepted at any size and
stored with CRLF, while a dot alone on a bare-LF line is content, not the end
of the data (the SMTP-smuggling defence).
"""

from __future__ import annotations

import smtplib
import socket
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form

INBOX = "safer-in-kent@bids.example.org"

BAD_SENDERS = {
    "not UTF-8": b"MAIL FROM:<\xff@evil.example>",
    "not UTF-8, with SMTPUTF8": b"MAIL FROM:<\xff@evil.example> SMTPUTF8",
    "NUL": b"MAIL FROM:<a\x00b@evil.example>",
    "ESC": b"MAIL FROM:<a\x1bb@evil.example>",
    "DEL": b"MAIL FROM:<a\x7fb@evil.example>",
    "local part of 65": b"MAIL FROM:<" + b"x" * 65 + b"@evil.example>",
    "domain of 256": b"MAIL FROM:<a@" + b"d." * 124 + b"example>",
    "UTF-8 without SMTPUTF8": b"MAIL FROM:<jos\xc3\xa9@evil.example>",
}
BAD_RECIPIENTS = {
    "not UTF-8": f"RCPT TO:<{INBOX}".encode() + b"\xff>",
    "NUL": b"RCPT TO:<safer-in-kent\x00@bids.example.org>",
    "local part of 65": b"RCPT TO:<" + b"y" * 65 + b"@bids.example.org>",
}


class Client:
    """A sending server on a raw socket: says a line, reads the whole reply's code."""

    def __init__(self, port: int) -> None:
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.reader = self.connection.makefile("rb")
        self.greeting = self.reply()

    def reply(self) -> int:
        line = self.reader.readline()
        while line[3:4] == b"-":
            line = self.reader.readline()
        return int(line[:3]) if line[:3].isdigit() else 0

    def say(self, line: bytes) -> int:
        self.connection.sendall(line + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.reader.close()
        self.connection.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    running = RunningService(
        tmp_path_factory.mktemp("envelopes"),
        INTAKE_NOW="2027-05-30T14:00:00+01:00",
        INTAKE_SMTP_REFUSALS_LOGGED="100",  # every refusal below is looked for in the log
    )
    running.start()
    yield running
    running.close()


def _honest(number: int) -> bytes:
    return build_mail(
        sender="Honest <honest@charity.example.org>",
        to=INBOX,
        subject=f"Application {number}",
        body="Our form is attached.",
        date=datetime(2027, 5, 30, 13, 0, tzinfo=UTC),
        message_id=f"<envelopes-{number}@charity.example.org>",
        attachments=[("form.docx", fixture_form("complete-other-type.docx"), "application/x")],
    )


def _messages(service: RunningService, where: str = "1 = 1") -> list[sqlite3.Row]:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(f"SELECT * FROM messages WHERE {where}"))


def test_addresses_that_cannot_be_recorded_are_refused_and_honest_mail_flows(
    service: RunningService,
) -> None:
    codes = {}
    for name, command in BAD_SENDERS.items():
        client = Client(service.smtp_port)
        client.say(b"EHLO attacker.example.net")
        codes[f"MAIL {name}"] = client.say(command)
        client.close()
    for name, command in BAD_RECIPIENTS.items():
        client = Client(service.smtp_port)
        client.say(b"EHLO attacker.example.net")
        assert client.say(b"MAIL FROM:<someone@example.net>") == 250
        codes[f"RCPT {name}"] = client.say(command)
        client.close()
    assert codes == dict.fromkeys(codes, 553), codes

    sent_at = time.monotonic()
    replies = [service.send(_honest(number)) for number in range(3)]
    with smtplib.SMTP("127.0.0.1", service.smtp_port, timeout=30) as smtp:
        smtp.ehlo("mx.example.org")
        assert smtp.mail("josé@charity.example.org", ["SMTPUTF8"])[0] == 250
        assert smtp.rcpt(INBOX)[0] == 250
        assert smtp.data(_honest(3).replace(b"\r\n", b"\n"))[0] == 250
    assert all(reply.startswith("2.0.0") for reply in replies)
    bids = service.wait_for(
        lambda: (found := service.bids()) and len(found) >= 4 and found, what="four bids"
    )
    print(
        f"\nfour honest mails after the bad envelopes: bids in {time.monotonic() - sent_at:.1f} s"
    )
    assert {bid["status"] for bid in bids} <= {"complete", "incomplete", "ineligible", "late"}
    assert any(m["mail_from"] == "josé@charity.example.org" for m in _messages(service))

    log = service.output
    assert "refused MAIL FROM:<\\udcff@evil.example> from 127.0.0.1: 553 5.1.7" in log
    assert "refused MAIL FROM:<a\\x00b@evil.example> from 127.0.0.1: 553 5.1.7" in log
    assert "refused MAIL FROM:<a\\x1bb@evil.example>" in log
    assert "refused MAIL FROM:<josé@evil.example> from 127.0.0.1: 553 5.6.7" in log
    assert "refused RCPT TO:<safer-in-kent\\x00@bids.example.org> from 127.0.0.1: 553 5.1.3" in log
    assert not any(character in log for character in "\x00\x1b\x7f")


def test_bare_lf_mail_of_any_size_becomes_a_bid_stored_with_crlf(service: RunningService) -> None:
    raw = _honest(10).replace(b"\r\n", b"\n")  # msg.as_bytes(): LF line ends, 76-char lines
    assert len(raw) > 20_000 and b"\r" not in raw
    with smtplib.SMTP("127.0.0.1", service.smtp_port, timeout=30) as client:
        assert client.sendmail("bare-lf@charity.example.org", [INBOX], raw) == {}
    (message,) = service.wait_for(
        lambda: _messages(service, "mail_from = 'bare-lf@charity.example.org' AND bid_id > 0"),
        what="the bare-LF mail's bid",
    )
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        (status,) = connection.execute(
            "SELECT status FROM bids WHERE id = ?", (message["bid_id"],)
        ).fetchone()
    assert status != "unreadable"  # its form was found and read
    kept = (service.data_dir / "spool" / message["spool_name"]).read_bytes()
    assert kept.startswith(b"Received: from ")
    assert kept.count(b"\n") == kept.count(b"\r\n")  # every line ends in CRLF


def test_a_dot_on_a_bare_lf_line_does_not_end_the_data(service: RunningService) -> None:
    """SMTP smuggling: a second, forged message after ``LF . LF`` stays inside the first."""
    smuggled = (
        b"Subject: first\r\n\r\nhello\n.\n"
        b"MAIL FROM:<ceo@bank.example>\nRCPT TO:<" + INBOX.encode() + b">\nDATA\n"
        b"Subject: forged\n\nwire the money\r\n.\r\n"
    )
    client = Client(service.smtp_port)
    assert client.say(b"EHLO mx.example.org") == 250
    assert client.say(b"MAIL FROM:<smuggler@example.net>") == 250
    assert client.say(f"RCPT TO:<{INBOX}>".encode()) == 250
    assert client.say(b"DATA") == 354
    client.connection.sendall(smuggled)
    assert client.reply() == 250
    assert client.say(b"QUIT") == 221
    client.close()
    time.sleep(0.5)
    assert _messages(service, "mail_from = 'ceo@bank.example'") == []
    (message,) = _messages(service, "mail_from = 'smuggler@example.net'")
    kept = (service.data_dir / "spool" / message["spool_name"]).read_bytes()
    # The dot line is content, unstuffed as any line that begins with a dot.
    assert b"hello\r\n\r\nMAIL FROM:<ceo@bank.example>\r\n" in kept
    assert kept.endswith(b"Subject: forged\r\n\r\nwire the money\r\n")


def test_postmaster_is_accepted_and_kept_with_its_recipient(service: RunningService) -> None:
    """RFC 5321 §4.5.1: postmaster@ every domain we receive for, and plain postmaster.

    Its mail is office correspondence: shown to officers as postmaster mail, never a
    bid (even with a form and a reference) and never answered."""
    form = build_mail(
        sender="neighbour@example.net",
        to="postmaster@bids.example.org",
        subject="your server [Ref KENT-2027-0001]",
        body="A question for you.",
        date=datetime(2027, 5, 30, 13, 0, tzinfo=UTC),
        message_id="<postmaster-1@example.net>",
        attachments=[
            ("form.docx", fixture_form("complete-medway-youth-trust.docx"), "application/x")
        ],
    )
    with smtplib.SMTP("127.0.0.1", service.smtp_port, timeout=30) as client:
        client.ehlo("mx.example.org")
        client.mail("neighbour@example.net")
        assert client.rcpt("Postmaster@bids.example.org")[0] == 250
        assert client.rcpt("postmaster")[0] == 250
        assert client.data(form)[0] == 250
        client.rset()
        client.mail("neighbour@example.net")
        assert client.rcpt("postmaster@elsewhere.example.com")[0] == 550
    (message,) = service.wait_for(
        lambda: _messages(service, "mail_from = 'neighbour@example.net'"), what="postmaster mail"
    )
    assert "postmaster@bids.example.org" in message["rcpt_tos"]
    kept = service.wait_for(
        lambda: _messages(service, "mail_from = 'neighbour@example.net' AND state = 'postmaster'"),
        what="postmaster mail kept as correspondence",
    )
    assert kept[0]["bid_id"] is None
    service.wait_for(lambda: "Postmaster mail" in service.output, what="its card")
    time.sleep(0.5)
    # No automatic answer (counted by its recipient: an earlier test's mail may
    # still be on its way out of this module's service).
    assert not [m for m in service.outbox() if "neighbour@example.net" in str(m["To"])]


def test_sigterm_stops_the_service_and_it_starts_again_cleanly(service: RunningService) -> None:
    started = time.monotonic()
    assert service.stop(timeout=20) == 0
    stopped = time.monotonic() - started
    print(f"\nSIGTERM to exit: {stopped:.1f} s")
    service.start()
    assert service.send(_honest(20)).startswith("2.0.0")
