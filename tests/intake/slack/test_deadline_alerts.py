"""Deadline alerts from a running service whose clock starts just before a deadline.

Each alert goes out once, in its fund's channel, even with two nodes on one
database and across a restart that replays the same moment.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import RunningService
from tests.intake.slack.conftest import MailMaker, slack_env, workspace
from tests.slack_api_server import SlackApiServer, block_kit_problems

# Three seconds before 9am on Sunday 23 May 2027: round 1 of the Safer in Kent and
# Mental Health funds closes in seven days (at the end of Sunday 30 May).
SEVEN_DAYS_BEFORE = "2027-05-23T08:59:57+01:00"
# Six seconds before 9am on the Monday after round 1 closed: its summary is due.
MORNING_AFTER_CLOSE = "2027-05-31T08:59:54+01:00"


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


def _alerts(slack: SlackApiServer, channel: str) -> list[dict]:
    return [
        m
        for m in slack.channels[channel].top_level
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("alert:")
    ]


def test_seven_days_before_close_each_fund_is_alerted_once_in_its_channel(
    tmp_path: Path, slack: SlackApiServer
) -> None:
    env = slack_env(slack, tmp_path, INTAKE_NOW=SEVEN_DAYS_BEFORE)
    first = RunningService(tmp_path / "a", **env)
    (tmp_path / "a").mkdir()
    # Two nodes sharing the alerts are PostgreSQL's case (tests/pg); on SQLite one
    # service holds the database, and what it sent survives its restart.
    try:
        first.start()
        first.wait_for(
            lambda: _alerts(slack, "C0COMMISS1") and _alerts(slack, "C0MENTAL01"),
            what="the 7-day alerts",
        )
        time.sleep(1.0)  # time for a duplicate to show, were there one
        first.stop()

        # Restarted with its clock a moment before 9am again: nothing goes out again.
        first.env["INTAKE_NOW"] = "2027-05-23T08:59:59+01:00"
        first.start()
        time.sleep(2.5)
        first.stop()
    finally:
        first.close()

    (safer,) = _alerts(slack, "C0COMMISS1")
    (mental,) = _alerts(slack, "C0MENTAL01")
    assert safer["text"].startswith("Safer in Kent Fund 2027/28 round 1 closes in 7 days")
    assert mental["text"].startswith("Mental Health &amp; Policing Fund 2027/28 round 1 closes")
    assert "by the end of Sunday 30 May 2027" in safer["text"]
    for alert in (safer, mental):
        assert block_kit_problems(alert["blocks"], text=alert["text"]) == []
    with sqlite3.connect(first.data_dir / "intake.sqlite3") as connection:
        rows = connection.execute(
            "SELECT key, channel, posted_at IS NOT NULL FROM alerts ORDER BY key"
        ).fetchall()
    assert rows == [
        ("deadline:mental-health-policing:2027-r1:closes_in_7_days", "C0MENTAL01", 1),
        ("deadline:safer-in-kent:2027-r1:closes_in_7_days", "C0COMMISS1", 1),
    ]


def test_the_morning_after_a_round_closes_its_summary_counts_the_bids(
    tmp_path: Path, slack: SlackApiServer, mail: MailMaker
) -> None:
    service = RunningService(tmp_path, **slack_env(slack, tmp_path, INTAKE_NOW=MORNING_AFTER_CLOSE))
    try:
        service.start()
        # After the close: late. The same form twice: a possible duplicate, counted apart.
        service.send(mail("complete-medway-youth-trust"))
        service.send(mail("complete-medway-youth-trust"))
        summary = service.wait_for(
            lambda: next(
                (m for m in _alerts(slack, "C0COMMISS1") if "has closed" in m["text"]), None
            ),
            timeout=20,
            what="the round's summary",
        )
    finally:
        service.close()
    counts = {
        f["text"].split("\n")[0].strip("*"): int(f["text"].split("\n")[1])
        for block in summary["blocks"]
        for f in block.get("fields") or []
    }
    assert counts == {
        "Received": 2,
        "Distinct applications": 1,
        "Complete": 0,
        "Incomplete": 0,
        "Ineligible": 2,
        "Unreadable": 0,
        "Late so far": 2,
    }
    assert "Award and regret letters are due by Wednesday 30 June 2027" in summary["text"]
    assert (
        "2 bids received (1 distinct application; 1 possible duplicate listed apart)"
        in (summary["text"])
    )
    listed = str(summary["blocks"])
    assert "KENT-2027-0002 may repeat KENT-2027-0001 (the same answers" in listed


def test_without_slack_alerts_are_printed_and_stored(tmp_path: Path) -> None:
    service = RunningService(tmp_path, INTAKE_NOW="2027-05-23T08:59:59+01:00")
    try:
        service.start()
        service.wait_for(
            lambda: service.output.count("Deadline alert") == 2, what="two alerts printed"
        )
    finally:
        service.close()
    assert "Safer in Kent Fund 2027/28 round 1 closes in 7 days" in service.output


def test_started_on_the_closing_afternoon_the_reminder_says_closes_today(
    tmp_path: Path, slack: SlackApiServer
) -> None:
    """Issue #20: the day-before reminder, caught up at 4pm on the closing day, said
    "closes tomorrow"; it must say what is true when it is posted."""
    service = RunningService(
        tmp_path, **slack_env(slack, tmp_path, INTAKE_NOW="2027-05-30T16:00:00+01:00")
    )
    try:
        service.start()
        reminder = service.wait_for(
            lambda: next(
                (m for m in _alerts(slack, "C0COMMISS1") if "round 1 closes" in m["text"]), None
            ),
            timeout=20,
            what="the caught-up reminder",
        )
    finally:
        service.close()
    assert reminder["text"].startswith("Safer in Kent Fund 2027/28 round 1 closes today.")
    assert "by the end of Sunday 30 May 2027" in reminder["text"]
