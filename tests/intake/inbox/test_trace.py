"""The Received: line and the refusal log line: what a client says cannot forge or escape them."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes

from intake.inbox.refusals import refusal_line
from intake.inbox.trace import protocol_name, received_header


def test_a_received_line_names_client_server_protocol_id_and_time() -> None:
    header = received_header(
        helo="mx.charity.example.org",
        peer="192.0.2.7",
        by="intake.example.org",
        protocol=protocol_name(extended=True, tls=True, smtputf8=False),
        message_id="18ee0000abcd",
        recipients=["safer-in-kent@bids.example.org"],
        when=datetime(2027, 5, 30, 13, 0, tzinfo=UTC),
    )
    parsed = message_from_bytes(header + b"Subject: x\r\n\r\nbody\r\n")
    assert " ".join(parsed["Received"].split()) == (
        "from mx.charity.example.org ([192.0.2.7]) by intake.example.org (grant-intake) "
        "with ESMTPS id 18ee0000abcd for <safer-in-kent@bids.example.org>; "
        "Sun, 30 May 2027 13:00:00 +0000"
    )
    assert parsed["Subject"] == "x"


def test_a_hostile_helo_cannot_fold_or_end_the_header() -> None:
    header = received_header(
        helo="evil\r\nBcc: victim@example.org\r\n\r\nbody",
        peer="192.0.2.7",
        by="intake.example.org",
        protocol="SMTP",
        message_id="1",
        recipients=["a@b.example", "c@d.example"],
        when=datetime(2027, 5, 30, 13, 0, tzinfo=UTC),
    )
    assert header.count(b"\r\n") == 3 and b"\nBcc" not in header and b"for <" not in header


def test_a_refusal_is_one_line_with_controls_escaped() -> None:
    line = refusal_line("127.0.0.2", "MAIL FROM:<\udcff\x00\x1b[2J@evil>\r\nRSET", "553 5.1.7 x")
    assert line == (
        "refused MAIL FROM:<\\udcff\\x00\\x1b[2J@evil>\\x0d\\x0aRSET from 127.0.0.2: 553 5.1.7 x"
    )
    assert len(refusal_line("h", "NOOP " + "x" * 5000, "421 bye")) < 300
