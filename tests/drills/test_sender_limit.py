"""Drill (issue #18): one sender's mail past the hourly limit is kept, shown and held.

A sender (written three ways that reach one mailbox) sends more than the limit;
another sender's mail flows on. The mail over the limit is not read: it is
listed by ``intake held``, counted on ``/healthz`` (degraded), the office is
told once, and ``intake held --release-sender`` has it read.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form, fixture_mail

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SENDERS = [
    "Flood+1@Attacker.example.net",
    "flood@attacker.example.net",
    "FLOOD+x@attacker.example.net",
]


def _mail(number: int) -> bytes:
    return build_mail(
        sender="Flood <flood@attacker.example.net>",
        to="safer-in-kent@bids.example.org",
        subject=f"Application {number}",
        body="Form attached.",
        date=datetime(2027, 5, 30, 14, 0, tzinfo=UTC),
        message_id=f"<limit-{number}@attacker.example.net>",
        attachments=[("form.docx", fixture_form("complete-medway-youth-trust.docx"), DOCX)],
    )


def _states(service: RunningService) -> dict[str, int]:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as db:
        return dict(
            db.execute("SELECT state, count(*) FROM jobs WHERE kind = 'message' GROUP BY state")
        )


def _held(service: RunningService, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "intake", "held", *args],
        cwd=service.folder,
        env=service.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_a_sender_over_the_hourly_limit_is_held_until_released(tmp_path: Path) -> None:
    service = RunningService(
        tmp_path, INTAKE_NOW="2027-05-30T14:00:00+01:00", INTAKE_SENDER_HOURLY_LIMIT="2"
    )
    try:
        service.start(timeout=60)
        for number in range(4):
            service.send(_mail(number), sender=SENDERS[number % len(SENDERS)])
        service.send(fixture_mail("application-complete.eml"), sender="sarah@example.org")
        service.wait_for(
            lambda: _states(service) == {"done": 3, "held": 2}, timeout=60, what="two held"
        )
        health = service.health()
        assert health["status"] == "degraded" and health["held_jobs"] == 2
        assert any("2 mails held back" in p for p in health["problems"])
        service.wait_for(lambda: "Sender held: flood@attacker.example.net" in service.output)
        listed = _held(service)
        assert listed.count("from flood@attacker.example.net: sender") == 2, listed
        said = _held(service, "--release-sender", "FLOOD@attacker.example.net")
        assert "2 held mails released" in said
        service.wait_for(lambda: _states(service) == {"done": 5}, timeout=60, what="all read")
        assert service.health()["held_jobs"] == 0
        assert service.output.count("Sender held:") == 1  # once per sender and hour
    finally:
        service.close()
