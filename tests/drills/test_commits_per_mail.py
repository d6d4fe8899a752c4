"""Drill (issue #18): what a mail costs the database, counted as the operator sees it.

Each committed write is an fsync of SQLite's log and a transaction's worth of
CPU. A mail's whole path (recorded, read into a bid, its card posted, its
acknowledgement sent) commits at most :data:`MOST_A_MAIL` writes, counted by
``/metrics`` (``intake_database_write_commits_total``): each job's last writes
commit with its being marked done and the worker's next claim.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from tests.drills.kit import Sent, applications, drill, run, send_all
from tests.harness import RunningService

MAILS = 4
MOST_A_MAIL = 8
"""A mail on its own: recorded (one), claimed and read (two), its card claimed,
marked ``posting`` and posted (three), its acknowledgement claimed and sent
(two). Each job marked done in a transaction of its own made it eleven; under
a burst, a job's last transaction often claims the next job too, and a mail
costs fewer."""
COUNTER = "intake_database_write_commits_total"


def _write_commits(service: RunningService) -> int:
    url = f"http://127.0.0.1:{service.http_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        lines = response.read().decode().splitlines()
    return next(int(line.split()[1]) for line in lines if line.startswith(f"{COUNTER} "))


def _settled(service: RunningService) -> int:
    """The counter once the service has stopped writing (start-up work done)."""
    last = -1
    while (now := _write_commits(service)) != last:
        last = now
        time.sleep(1.0)
    return now


def test_a_mail_costs_at_most_eight_committed_writes(tmp_path: Path) -> None:
    items = [Sent(a) for a in applications(MAILS, seed=18, tag="commits", weights={"docx": 1})]
    with drill(tmp_path) as scene:
        before = _settled(scene.service)
        for done, item in enumerate(items, start=1):  # one at a time: no claim shared
            run(send_all(scene.service.smtp_port, [item], senders=1))
            assert item.queued
            scene.service.wait_for(
                lambda n=done: len(scene.acknowledgements()) == n and len(scene.cards()) == n,
                timeout=60,
                what="the mail's card and acknowledgement",
            )
        spent = _settled(scene.service) - before
    print(f"{spent} committed writes for {MAILS} mails")
    assert spent <= MOST_A_MAIL * MAILS + 4  # the service's own timers (lease heartbeats)
