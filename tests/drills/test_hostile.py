"""Drill: hostile files and mails while honest applicants keep sending.

Zip bombs, entity tricks, password-protected, 2,000-page and slow PDFs, files
lying about their type, a 30 MB attachment and mail nested 40 deep: the
service keeps accepting mail throughout, each hostile mail ends as an
``unreadable`` bid with a reason, and no file takes longer than the parsing
time limit or more memory than the workers' limit.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.hostile import HOSTILE_FILES
from fixtures.mail_shapes import deep_nesting
from fixtures.make_fixtures import build_mail
from tests.drills.kit import drill
from tests.harness import fixture_form

PARSE_TIMEOUT = 4
"""Seconds a file may be read for: the text maze takes ~10 s on an idle core, every
other file here (and the honest DOCX) well under one."""
MEMORY_MB = 768


def _mail(name: str, file_name: str, data: bytes) -> bytes:
    return build_mail(
        sender=f"Hostile <{name}@attacker.example.net>",
        to="safer-in-kent@bids.example.org",
        subject=f"Application ({name})",
        body="Form attached.",
        date=datetime(2027, 5, 30, 14, 0, tzinfo=UTC),
        message_id=f"<hostile-{name}@attacker.example.net>",
        attachments=[(file_name, data, "application/octet-stream")],
    )


@pytest.fixture(scope="module")
def hostile_mails() -> dict[str, bytes]:
    mails = {name: _mail(name, file, build()) for name, (file, build) in HOSTILE_FILES.items()}
    mails["mime-40-deep"] = deep_nesting(fixture_form("complete-medway-youth-trust.docx"))
    return mails


def test_hostile_mail_ends_unreadable_while_honest_mail_keeps_flowing(
    tmp_path: Path, hostile_mails: dict[str, bytes]
) -> None:
    honest_latencies: list[float] = []
    stop = threading.Event()
    with drill(
        tmp_path,
        INTAKE_PARSE_TIMEOUT=str(PARSE_TIMEOUT),
        INTAKE_PARSE_MEMORY_MB=str(MEMORY_MB),
        INTAKE_MAX_MESSAGE_BYTES=str(48 * 1024 * 1024),
    ) as scene:
        service = scene.service
        honest = fixture_form("complete-other-type.docx")

        def keep_sending() -> None:
            number = 0
            while not stop.is_set():
                raw = build_mail(
                    sender="Honest <honest@charity.example.org>",
                    to="safer-in-kent@bids.example.org",
                    subject=f"Honest application {number}",
                    body="Attached.",
                    date=datetime(2027, 5, 30, 14, 0, tzinfo=UTC),
                    message_id=f"<honest-{number}@charity.example.org>",
                    attachments=[("form.docx", honest, "application/octet-stream")],
                )
                started = time.monotonic()
                service.send(raw)
                honest_latencies.append(time.monotonic() - started)
                number += 1
                time.sleep(0.3)

        sender = threading.Thread(target=keep_sending)
        sender.start()
        try:
            queued = {
                name: service.send(raw, sender=f"{name}@attacker.example.net").rsplit(" ", 1)[-1]
                for name, raw in hostile_mails.items()
            }

            def outcomes() -> dict[str, tuple[str, str, str]] | None:
                with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
                    rows = connection.execute(
                        "SELECT m.id, b.status, v.problems, j.created_at, j.finished_at "
                        "FROM messages m JOIN bids b ON b.id = m.bid_id "
                        "JOIN bid_versions v ON v.message_id = m.id "
                        "JOIN jobs j ON j.key = 'message:' || m.id "
                        # The job is finished in the commit after the bid's, when busy.
                        "WHERE j.finished_at IS NOT NULL"
                    ).fetchall()
                found = {row[0]: row[1:] for row in rows}
                if not all(queued[name] in found for name in queued):
                    return None
                return {name: found[queued[name]] for name in queued}

            results = service.wait_for(outcomes, timeout=180, what="every hostile mail handled")
            assert service.health()["status"] == "ok"
        finally:
            stop.set()
            sender.join(30)

    for name, (status, problems, created, finished) in results.items():
        assert status == "unreadable", f"{name}: {status}"
        assert '"unreadable"' in problems and len(problems) > 60, f"{name}: {problems}"
        took = (datetime.fromisoformat(finished) - datetime.fromisoformat(created)).total_seconds()
        assert took < PARSE_TIMEOUT + 30, f"{name} took {took:.0f} s"
    assert f"took longer than {PARSE_TIMEOUT} seconds" in results["text-maze"][1]
    assert len(honest_latencies) >= 5
    assert max(honest_latencies) < 5.0, f"an honest sender waited {max(honest_latencies):.1f} s"
