"""Accepted mail survives the service stopping or dying, and is processed exactly once."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.make_fixtures import build_mail
from tests.harness import FIXTURES, RunningService

ROUND_ONE = "2027-04-20T10:00:00+01:00"
MAILS = 10


def _mails(tag: str) -> list[bytes]:
    # A text PDF: a few times slower to read than the Word form, so that the
    # ten cannot all be read in the moment between the last 250 and the stop.
    form = (FIXTURES / "corpus" / "pdf-text-table-complete-medway-youth-trust.pdf").read_bytes()
    return [
        build_mail(
            sender=f"Applicant {n} <applicant{n}@example.org>",
            to="safer-in-kent@bids.example.org",
            subject=f"Application {n}",
            body="Our form is attached.",
            date=datetime(2027, 4, 20, 9, n, tzinfo=UTC),
            message_id=f"<{tag}-{n}@example.org>",
            attachments=[(f"form-{n}.pdf", form, "application/pdf")],
        )
        for n in range(MAILS)
    ]


def _query(service: RunningService, sql: str) -> list[tuple]:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        return connection.execute(sql).fetchall()


def _refused_within(port: int, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def _all_done(service: RunningService) -> bool:
    (pending,) = _query(service, "SELECT count(*) FROM jobs WHERE state != 'done'")[0]
    (bids,) = _query(service, "SELECT count(*) FROM bids")[0]
    return bids == MAILS and pending == 0


@pytest.mark.parametrize("stop", ["kill", "stop"], ids=["kill -9", "SIGTERM"])
def test_mail_accepted_before_a_stop_is_processed_once_after_restart(
    tmp_path: Path, stop: str
) -> None:
    # One parsing worker and ten mails delivered at once: the stop lands while
    # most are still queued, however slow or loaded the machine is.
    service = RunningService(tmp_path, INTAKE_NOW=ROUND_ONE, INTAKE_WORKERS="1")
    try:
        service.start()
        with ThreadPoolExecutor(MAILS) as senders:
            replies = senders.map(
                lambda n_raw: service.send(n_raw[1], sender=f"applicant{n_raw[0]}@example.org"),
                enumerate(_mails(stop)),
            )
            queued = [reply.rsplit(" ", 1)[-1] for reply in replies]
        halt: Callable[[], object] = service.kill if stop == "kill" else service.stop
        halt()

        processed = _query(service, "SELECT count(*) FROM messages WHERE state != 'queued'")
        assert processed[0][0] < MAILS, "the stop came too late to test anything"
        for message_id in queued:
            # Every 250 is on disk: the message in the spool, its envelope in the
            # database or, if the service died before recording it, the journal.
            assert list((service.data_dir / "spool").glob(f"*/{message_id}.eml"))
            recorded = _query(service, f"SELECT 1 FROM messages WHERE id = '{message_id}'")
            assert recorded or (service.data_dir / "journal" / f"{message_id}.json").is_file()
        if stop == "kill":
            # The receiver process dies with the service: nothing takes mail now.
            assert _refused_within(service.smtp_port, seconds=5)

        service.start()
        service.wait_for(lambda: _all_done(service), what="every accepted mail processed")
    finally:
        service.close()

    per_message = _query(service, "SELECT bid_id FROM messages ORDER BY id")
    assert len(per_message) == MAILS and None not in {row[0] for row in per_message}
    assert len({row[0] for row in per_message}) == MAILS
    assert _query(service, "SELECT count(*) FROM bid_versions")[0][0] == MAILS
    assert _query(service, "SELECT count(*) FROM cards")[0][0] == MAILS
    assert _query(service, "SELECT count(DISTINCT bid_id), count(*) FROM outgoing_mail")[0] == (
        MAILS,
        MAILS,
    )
    assert len(list((service.data_dir / "outbox").glob("*.eml"))) == MAILS
    assert service.output.count("New triage card") == MAILS


def test_a_second_service_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = RunningService(tmp_path / "one", INTAKE_NOW=ROUND_ONE)
    second = RunningService(tmp_path / "two", INTAKE_NOW=ROUND_ONE)
    second.env["INTAKE_DATA_DIR"] = str(first.data_dir)  # same data, its own ports
    try:
        first.start()
        with pytest.raises(RuntimeError, match="another intake serve is using the database"):
            second.start()
        first.kill()  # the lock goes with the process, however it ends
        second.start()
        assert second.health()["status"] == "ok"
    finally:
        first.close()
        second.close()
