"""The SMTP front door as a sending mail server sees it, over a real socket."""

from __future__ import annotations

import os
import smtplib
import socket
import sqlite3
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from fixtures.mail_shapes import HOSTILE, SHAPES, gmail
from tests.harness import RunningService, fixture_form

LIMIT = 27 * 1024 * 1024
INBOX = "safer-in-kent@bids.example.org"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    running = RunningService(
        tmp_path_factory.mktemp("smtp"),
        INTAKE_NOW="2027-04-15T10:00:00+01:00",
        INTAKE_MAX_MESSAGE_BYTES=str(LIMIT),
        INTAKE_MAX_RECIPIENTS="3",
        INTAKE_SMTP_COMMAND_TIMEOUT="2",
        INTAKE_SMTP_RATE_WINDOW="1",
        INTAKE_SMTP_MIN_DATA_RATE="20000",
        INTAKE_SMTP_MAX_CONNECTIONS_PER_CLIENT="4",
    )
    running.start()
    yield running
    running.close()


def _state_of(service: RunningService, message_id: str) -> tuple[str, str | None] | None:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        row = connection.execute(
            "SELECT m.state, b.status FROM messages m LEFT JOIN bids b ON b.id = m.bid_id "
            "WHERE m.id = ?",
            (message_id,),
        ).fetchone()
    return (row[0], row[1]) if row and row[0] != "queued" else None


def test_ehlo_offers_size_8bitmime_and_smtputf8_and_no_auth(service: RunningService) -> None:
    with service.smtp() as client:
        client.ehlo("mx.example.org")
        assert client.has_extn("size") and client.esmtp_features["size"] == str(LIMIT)
        assert client.has_extn("8bitmime")
        assert client.has_extn("smtputf8")
        assert not client.has_extn("auth")
        assert not client.has_extn("starttls")  # no certificate configured


def test_a_message_declared_too_big_is_refused_at_mail_from(service: RunningService) -> None:
    with service.smtp() as client:
        client.ehlo("mx.example.org")
        code, _reply = client.mail("big@example.org", [f"SIZE={LIMIT + 1}"])
        assert code == 552


def test_a_message_bigger_than_the_limit_is_refused_after_data(service: RunningService) -> None:
    with service.smtp() as client:
        client.ehlo("mx.example.org")
        client.mail("big@example.org")
        client.rcpt(INBOX)
        body = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * (LIMIT // 1000 + 10)
        code, _reply = client.data(body)
        assert code == 552


def test_a_25_megabyte_application_is_accepted(service: RunningService) -> None:
    form = fixture_form("complete-medway-youth-trust.docx")
    padding = os.urandom(18 * 1024 * 1024)
    raw = gmail(form).replace(
        b"--000000000000gmail--",
        b'--000000000000gmail\r\nContent-Type: application/pdf; name="annual-report.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").encodebytes(padding).replace(b"\n", b"\r\n")
        + b"\r\n--000000000000gmail--",
    )
    assert 24 * 1024 * 1024 < len(raw) < LIMIT
    started = time.monotonic()
    reply = service.send(raw, sender="big@example.org")
    assert reply.startswith("2.0.0 OK queued as ")
    assert time.monotonic() - started < 60
    queued = reply.rsplit(" ", 1)[-1]
    state = service.wait_for(lambda: _state_of(service, queued), what="the big mail's bid")
    assert state == ("processed", "complete")


def test_too_many_recipients_get_452(service: RunningService) -> None:
    with service.smtp() as client:
        client.ehlo("mx.example.org")
        client.mail("many@example.org")
        for _ in range(3):
            assert client.rcpt(INBOX)[0] == 250
        code, reply = client.rcpt(INBOX)
        assert code == 452 and reply.startswith(b"4.5.3")


def test_utf8_addresses_are_accepted_with_smtputf8(service: RunningService) -> None:
    raw = "From: Jörg <jörg@exämple.org>\r\nSubject: Grüße\r\n\r\nKein Formular.\r\n".encode()
    with service.smtp() as client:
        client.ehlo("mx.example.org")
        assert client.mail("jörg@exämple.org", ["SMTPUTF8"])[0] == 250
        assert client.rcpt(INBOX)[0] == 250
        assert client.data(raw)[0] == 250


def test_one_client_gets_a_limited_number_of_connections(service: RunningService) -> None:
    held = []
    try:
        for _ in range(4):
            connection = socket.create_connection(("127.0.0.1", service.smtp_port), timeout=5)
            assert connection.recv(1024).startswith(b"220")
            held.append(connection)
        extra = socket.create_connection(("127.0.0.1", service.smtp_port), timeout=5)
        with extra:
            assert extra.recv(1024).startswith(b"421 4.7.0")
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.2)
    with service.smtp() as client:  # the slots are given back
        assert client.noop()[0] == 250


def test_an_idle_client_is_cut_after_the_command_timeout(service: RunningService) -> None:
    with socket.create_connection(("127.0.0.1", service.smtp_port), timeout=10) as connection:
        assert connection.recv(1024).startswith(b"220")
        started = time.monotonic()
        assert connection.recv(1024) == b""  # closed by the server
        assert 1.5 < time.monotonic() - started < 6


def _start_data(connection: socket.socket, *, sender: str) -> Any:
    """Speak SMTP by hand up to DATA's 354; returns the reader of the server's lines."""
    reader = connection.makefile("rb")
    assert reader.readline().startswith(b"220")
    line = b""
    for command in (
        b"EHLO raw.example.org",
        f"MAIL FROM:<{sender}>".encode(),
        f"RCPT TO:<{INBOX}>".encode(),
        b"DATA",
    ):
        connection.sendall(command + b"\r\n")
        line = reader.readline()
        while line[3:4] == b"-":
            line = reader.readline()
    assert line.startswith(b"354"), line
    return reader


def test_a_client_dripping_data_is_cut(service: RunningService) -> None:
    with socket.create_connection(("127.0.0.1", service.smtp_port), timeout=10) as connection:
        reader = _start_data(connection, sender="d@example.org")
        started = time.monotonic()
        try:
            for _ in range(40):
                connection.sendall(b"Subject: drip\r\n")
                time.sleep(0.25)
        except OSError:
            pass
        answer = reader.readline()
        assert answer.startswith(b"421 4.4.2")
        assert time.monotonic() - started < 8


def test_a_client_that_drops_before_250_and_sends_again_makes_one_bid(
    service: RunningService,
) -> None:
    raw = SHAPES["apple-mail"](fixture_form("complete-other-type.docx"))
    with socket.create_connection(("127.0.0.1", service.smtp_port), timeout=10) as connection:
        _start_data(connection, sender="drop@example.org")
        connection.sendall(raw + b"\r\n.\r\n")
        # gone before reading the answer
    reply = service.send(raw, sender="drop@example.org")
    queued = reply.rsplit(" ", 1)[-1]
    service.wait_for(lambda: _state_of(service, queued), what="the resent mail's bid")
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        (copies,) = connection.execute(
            "SELECT count(*) FROM messages WHERE mail_from = 'drop@example.org'"
        ).fetchone()
    assert copies == 1


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_hostile_mail_ends_as_a_bid_officers_see(service: RunningService, shape: str) -> None:
    raw = HOSTILE[shape](fixture_form("complete-partnership.docx"))
    queued = service.send(raw, sender=f"{shape}@example.org").rsplit(" ", 1)[-1]
    state, status = service.wait_for(lambda: _state_of(service, queued), what=shape)
    assert state == "processed"
    assert status in {"unreadable", "complete", "incomplete", "ineligible"}
    assert service.health()["status"] == "ok"


# --- STARTTLS and our own failures ---------------------------------------------


@pytest.fixture(scope="module")
def tls_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningService, ssl.SSLContext]]:
    folder = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    server = authority.issue_cert("localhost", "127.0.0.1")
    cert, key = folder / "cert.pem", folder / "key.pem"
    server.cert_chain_pems[0].write_to_path(str(cert))
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(str(cert), append=True)
    server.private_key_pem.write_to_path(str(key))
    running = RunningService(
        folder,
        INTAKE_TLS_CERT=str(cert),
        INTAKE_TLS_KEY=str(key),
        INTAKE_NOW="2027-04-15T10:00:00+01:00",
    )
    running.start()
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    yield running, client_context
    running.close()


def test_starttls_is_offered_and_works_when_a_certificate_is_configured(
    tls_service: tuple[RunningService, ssl.SSLContext],
) -> None:
    service, context = tls_service
    with smtplib.SMTP("127.0.0.1", service.smtp_port, timeout=30) as client:
        client.ehlo("mx.example.org")
        assert client.has_extn("starttls")
        client.starttls(context=context)
        client.ehlo("mx.example.org")
        # Inside TLS: no second STARTTLS (RFC 3207 §4.2), and no AUTH line, empty or not.
        assert not client.has_extn("starttls") and not client.has_extn("auth")
        assert b"AUTH" not in (client.ehlo_resp or b"")
        assert client.docmd("STARTTLS")[0] == 503
        client.mail("tls@example.org")
        assert client.rcpt(INBOX)[0] == 250
        code, reply = client.data(SHAPES["gmail"](fixture_form("complete-other-type.docx")))
        assert code == 250, reply


def test_our_own_failure_answers_451_and_leaks_nothing(
    tls_service: tuple[RunningService, ssl.SSLContext],
) -> None:
    service, _context = tls_service
    day = service.data_dir / "spool" / "2027-04-15"
    blocked = Path(str(day) + ".moved")
    if day.exists():
        day.rename(blocked)
    day.write_text("not a folder")  # the spool cannot write into a file
    try:
        with service.smtp() as client:
            client.ehlo("mx.example.org")
            client.mail("unlucky@example.org")
            client.rcpt(INBOX)
            code, reply = client.data(b"Subject: x\r\n\r\nhello\r\n")
        assert code == 451
        assert reply == b"4.3.0 Temporary failure, please try again later"
    finally:
        day.unlink()
        if blocked.exists():
            blocked.rename(day)


def test_cpythons_test_mails_over_smtp_each_end_as_a_bid_or_kept(
    service: RunningService,
) -> None:
    from tests.intake.reading.test_mail import CPYTHON_MAILS

    if not CPYTHON_MAILS:
        pytest.skip("this Python has no test.test_email corpus")
    queued = [
        service.send(path.read_bytes(), sender=f"corpus{n}@example.org").rsplit(" ", 1)[-1]
        for n, path in enumerate(CPYTHON_MAILS)
    ]
    for message_id in queued:
        state, _status = service.wait_for(lambda m=message_id: _state_of(service, m))
        # A mail with no form and no reference is kept as an enquiry (issue #20).
        assert state in {"processed", "automatic", "enquiry"}
    assert service.health()["failed_jobs"] == 0
