"""What a running service keeps to itself: its files, its HTTP endpoint, its terminal.

One real ``intake serve`` takes a mail whose subject, sender name and file name
carry terminal escape sequences; then its files, its HTTP endpoint under slow
and greedy clients, and what ``intake show`` and its log print are checked.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form

ROUND_ONE = "2027-04-15T10:00:00+01:00"
TOKEN = "metrics-token-19"
HEADER_TIMEOUT = 1.0
MAX_CONNECTIONS = 4
ESCAPE = "\x1b[2J"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("hardening")
    # A data folder an earlier version (or a hand) left readable by everyone.
    (folder / "var" / "spool").mkdir(parents=True)
    (folder / "var").chmod(0o755)
    (folder / "var" / "spool").chmod(0o755)
    running = RunningService(
        folder,
        INTAKE_NOW=ROUND_ONE,
        INTAKE_METRICS_TOKEN=TOKEN,
        INTAKE_HTTP_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        INTAKE_HTTP_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )
    running.start()
    mail = build_mail(
        sender=f"Ann {ESCAPE}Applicant <ann@example.org>",
        to="safer-in-kent@bids.example.org",
        subject=f"Our application {ESCAPE}\x1b]0;owned\x07",
        body="Please find our application attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id="<hardening@example.org>",
        attachments=[
            (
                f"form{ESCAPE}.docx",
                fixture_form("complete-medway-youth-trust.docx"),
                "application/octet-stream",
            )
        ],
    )
    running.send(mail, sender="ann@example.org")
    running.wait_for(
        lambda: running.bids() and running.outbox(), what="a bid and its acknowledgement"
    )
    yield running
    running.close()


def _intake(service: RunningService, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "intake", *args],
        env={**service.env, "PYTHONPATH": service.env["PYTHONPATH"]},
        cwd=service.folder,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def _get(service: RunningService, path: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{service.http_port}{path}")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- files at rest -----------------------------------------------------------------


def test_every_file_and_folder_the_service_keeps_is_its_owners_alone(
    service: RunningService,
) -> None:
    looser = []
    for folder, _folders, names in os.walk(service.data_dir):
        for path in [folder, *(os.path.join(folder, n) for n in names)]:
            if stat.S_IMODE(os.lstat(path).st_mode) & 0o077:
                looser.append((path, oct(stat.S_IMODE(os.lstat(path).st_mode))))
    assert looser == []
    kept = {
        os.path.relpath(os.path.join(f, n), service.data_dir)
        for f, _, ns in os.walk(service.data_dir)
        for n in ns
    }
    assert {"intake.sqlite3", "secret.key"} <= kept
    assert any(k.startswith("outbox/") and k.endswith(".eml") for k in kept)
    assert any(k.startswith("spool/") for k in kept)
    # The folders it found open are named in its log.
    assert f"tightened {service.data_dir} to owner-only" in service.output
    assert f"tightened {service.data_dir / 'spool'} to owner-only" in service.output


# --- what is printed -----------------------------------------------------------------


def test_escape_sequences_from_mail_never_reach_the_terminal(service: RunningService) -> None:
    ref = service.bids()[0]["ref"]
    shown = _intake(service, "show", ref)
    listed = _intake(service, "bids")
    as_json = _intake(service, "show", ref, "--json")
    for text in (shown, listed, as_json, service.output):
        assert "\x1b" not in text and "\x07" not in text
    assert json.loads(as_json)["ref"] == ref
    # The rest of what the sender sent is still shown (the console card's file name).
    assert "form[2J.docx" in service.output


# --- the HTTP endpoint -----------------------------------------------------------


def test_a_client_dripping_its_headers_is_cut_within_the_header_timeout(
    service: RunningService,
) -> None:
    with socket.create_connection(("127.0.0.1", service.http_port), timeout=5) as client:
        started = time.monotonic()
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        cut = False
        for n in range(40):  # 8 s at most
            try:
                client.sendall(f"X-Drip-{n}: y\r\n".encode())
                client.settimeout(0.2)
                if client.recv(1024) == b"":
                    cut = True
                    break
            except TimeoutError:
                continue
            except OSError:
                cut = True
                break
        elapsed = time.monotonic() - started
    assert cut, "the dripping client was never cut"
    assert elapsed < HEADER_TIMEOUT + 2.0, elapsed


def test_connections_over_the_cap_are_told_busy_and_the_endpoint_recovers(
    service: RunningService,
) -> None:
    idle = [
        socket.create_connection(("127.0.0.1", service.http_port)) for _ in range(MAX_CONNECTIONS)
    ]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", service.http_port), timeout=5) as one_more:
            one_more.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert one_more.recv(1024).startswith(b"HTTP/1.1 503")
    finally:
        for connection in idle:
            connection.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _get(service, "/healthz")[0] != 200:
        time.sleep(0.1)
    assert _get(service, "/healthz")[0] == 200


def test_metrics_and_the_detail_of_health_need_the_token(service: RunningService) -> None:
    status, body = _get(service, "/metrics")
    assert status == 401
    assert _get(service, "/metrics", token="wrong")[0] == 401
    status, body = _get(service, "/metrics", token=TOKEN)
    assert status == 200 and b"intake_messages_accepted_total 1" in body
    # The jobs' health, as /healthz judges it: overdue, held, failing.
    assert b'intake_jobs_oldest_due_seconds{kind="message"} ' in body
    assert b"intake_jobs_held 0" in body and b"intake_job_failures_total 0" in body

    status, body = _get(service, "/healthz")
    anonymous: dict[str, Any] = json.loads(body)
    assert anonymous == {"status": "ok"}
    status, body = _get(service, "/healthz", token=TOKEN)
    detail = json.loads(body)
    assert "slack_workspaces" in detail and "backlog" in detail
    assert (detail["overdue_jobs"], detail["held_jobs"], detail["job_failures_recent"]) == (
        {},
        0,
        0,
    )


def test_a_log_line_quoting_a_sender_shows_the_escape_instead_of_running_it() -> None:
    from intake.cli.bids import printable_json
    from intake.logs import PrintableFormatter

    record = logging.LogRecord(
        "intake", logging.WARNING, __file__, 1, "refused HELO %s", (f"evil{ESCAPE}\u202e",), None
    )
    line = PrintableFormatter("%(message)s").format(record)
    assert line == "refused HELO evil\\x1b[2J\\u202e"
    # C1 controls (\x9b opens an escape on some terminals) are escaped in JSON too.
    assert json.loads(printable_json({"s": "a\x9b[2J"})) == {"s": "a\x9b[2J"}
    assert "\x9b" not in printable_json({"s": "a\x9b[2J"})
