"""Drill (issue #18): a mail said 250 to that cannot be recorded never stops intake.

The receiver accepted it (as one did for ``MAIL FROM:<\\xff@evil.example>``
before such addresses were refused); the service must set it aside, keep it
and say so, while every honest mail behind it becomes a bid; it must start and
stop cleanly with it there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from intake.inbox.journal import Journal
from intake.inbox.spool import Spool
from tests.harness import ROOT, RunningService, fixture_mail
from tests.intake.inbox.test_journal import incoming


def test_a_mail_that_cannot_be_recorded_is_set_aside_and_honest_mail_flows(
    tmp_path: Path,
) -> None:
    service = RunningService(tmp_path, INTAKE_NOW="2027-04-15T10:00:00+01:00")
    data = service.data_dir
    # What a receiver killed after its 250 left behind: a poison entry first in line.
    journal = Journal(data / "journal")
    poison = replace(incoming(Spool(data / "spool"), 1), mail_from="\udcff@evil.example")
    journal.add(poison)

    service.start(timeout=60)
    try:
        reply = service.send(fixture_mail("application-complete.eml"))
        assert reply.startswith("2.0.0") or "queued" in reply
        service.wait_for(lambda: len(service.bids()) == 1, timeout=60, what="the honest bid")
        health = service.health()
        assert health["status"] == "degraded"
        assert any("set aside" in problem for problem in health["problems"])

        listed = _intake(service, "held")
        assert listed.returncode == 0, listed.stderr
        assert poison.id in listed.stdout and "cannot be recorded" in listed.stdout
        assert "\\udcff" in listed.stdout, "shown escaped, not raw"

        started = time.monotonic()
        assert service.stop(timeout=30) == 0
        assert time.monotonic() - started < 20, "SIGTERM must stop the service promptly"
        service.start(timeout=60)  # and a restart does not crash on it
        assert len(service.bids()) == 1
        assert [entry.id for entry in journal.held()] == [poison.id]
    finally:
        service.close()


def _intake(service: RunningService, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_DATA_DIR": str(service.data_dir)},
        check=False,
    )
