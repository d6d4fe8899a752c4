"""Drill (issue #18): one sender's flood of slow files cannot starve another sender.

Each of the attacker's mails carries a PDF that takes the whole parse time limit.
Mail from one sender is read one at a time, so an honest applicant who sends
after the flood has begun waits for at most one of those parses, not all of them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from fixtures.hostile import text_maze
from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_mail

PARSE_TIMEOUT = 3.0
FLOOD = 6


def _slow(number: int, maze: bytes) -> bytes:
    return build_mail(
        sender="Flood <flood@attacker.example.net>",
        to="safer-in-kent@bids.example.org",
        subject=f"Application {number}",
        body="Form attached.",
        date=datetime(2027, 5, 30, 14, 0, tzinfo=UTC),
        message_id=f"<flood-{number}@attacker.example.net>",
        attachments=[("Application form.pdf", maze, "application/octet-stream")],
    )


def test_an_honest_bid_waits_for_one_slow_parse_at_most(tmp_path: Path) -> None:
    service = RunningService(
        tmp_path,
        INTAKE_NOW="2027-05-30T14:00:00+01:00",
        INTAKE_WORKERS="2",
        INTAKE_PARSE_TIMEOUT=str(PARSE_TIMEOUT),
    )
    maze = text_maze()  # ~5 s to build: once
    flood = [_slow(number, maze) for number in range(FLOOD)]
    try:
        service.start(timeout=60)
        for raw in flood:
            service.send(raw, sender="flood@attacker.example.net")
        time.sleep(0.5)  # the flood is being read
        sent = time.monotonic()
        service.send(fixture_mail("application-complete.eml"), sender="sarah@example.org")
        honest = service.wait_for(
            lambda: [b for b in service.bids() if b["applicant"] == "sarah@example.org"],
            timeout=60,
            what="the honest bid",
        )
        waited = time.monotonic() - sent
        flood_read = sum(1 for b in service.bids() if b["applicant"] != "sarah@example.org")
    finally:
        service.close()
    print(f"honest bid after {waited:.1f} s; a slow parse is {PARSE_TIMEOUT:.0f} s")
    assert honest[0]["status"] == "complete"
    # Two parsing workers: without the share, the flood held both until most of its
    # six files were read (about three slow parses); with it, one worker is free.
    assert waited < PARSE_TIMEOUT + 2, f"the honest bid waited {waited:.1f} s"
    assert flood_read < FLOOD, "the flood was read first: this drill proved nothing"
