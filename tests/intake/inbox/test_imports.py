"""The receiver's process loads no bid, Slack or parsing code: it keeps mail safe and says 250.

A fresh interpreter is what the receiver process is (it is spawned), so what it
imports is what it loads; a Slack or parsing import here would slow its start
and tie taking mail to code that has no part in it. Nor SQLAlchemy: on SQLite the
receiver only reads the database through the standard library, and SQLAlchemy
was 30 of its 70 MB (on PostgreSQL it imports it to commit each message).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = (
    "intake.bids",
    "intake.cli",
    "intake.jobs.worker",
    "intake.reading",
    "intake.rules",
    "intake.slack",
    "parsers",
    "notifier",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
)
ALLOWED = ("intake.rules", "intake.rules.addresses")
"""A mailbox's normal form (pure, the standard library only): the receiver's store
call names each message's sender for the parsing's fair share."""


def test_the_receiver_process_loads_no_bid_slack_or_parsing_code() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, intake.inbox.receiver, intake.inbox.protocol, intake.inbox.handler;"
            "print('\\n'.join(sorted(sys.modules)))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "intake.inbox.receiver" in loaded
    forbidden = [m for m in loaded if any(m == f or m.startswith(f"{f}.") for f in FORBIDDEN)]
    assert [m for m in forbidden if m not in ALLOWED] == []
