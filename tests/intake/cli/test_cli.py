"""The ``intake`` command as an officer or operator types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.harness import ROOT

FORMS = ROOT / "fixtures" / "forms"


def intake(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=120,
    )


def test_parse_prints_spec_bid_json_for_a_docx() -> None:
    done = intake("parse", str(FORMS / "complete-medway-youth-trust.docx"))
    assert done.returncode == 0, done.stderr
    bid = json.loads(done.stdout)
    expected = json.loads((FORMS / "complete-medway-youth-trust.expected.json").read_text())
    assert bid["file"] == "complete-medway-youth-trust.docx"
    assert bid["format"] == "docx"
    assert bid["form"] == "kent-funding-application"
    assert bid["fund"] == "safer-in-kent"  # recognised from the ticked criteria
    assert bid["fields"] == expected["fields"]
    assert bid["status"] == "complete"  # no --fund: the fund's caps and rounds are not applied


def test_parse_with_fund_and_received_applies_caps_and_rounds() -> None:
    on_time = intake(
        "parse",
        str(FORMS / "ineligible-over-cap.docx"),
        "--fund",
        "safer-in-kent",
        "--received",
        "2027-05-30T23:00:00+01:00",
    )
    bid = json.loads(on_time.stdout)
    assert [(p["field"], p["code"]) for p in bid["problems"]] == [
        ("amount_requested", "over_limit")
    ]
    late = intake(
        "parse",
        str(FORMS / "complete-medway-youth-trust.docx"),
        "--fund",
        "safer-in-kent",
        "--received",
        "2027-05-31T09:00:00+01:00",
    )
    bid = json.loads(late.stdout)
    assert [(p["field"], p["code"]) for p in bid["problems"]] == [(None, "late")]
    assert bid["status"] == "ineligible"


def test_parse_several_files_prints_json_lines(tmp_path: Path) -> None:
    junk = tmp_path / "notes.docx"
    junk.write_bytes(b"this is not a word document")
    done = intake(
        "parse",
        str(FORMS / "incomplete-missing.docx"),
        str(junk),
        "--fund",
        "safer-in-kent",
        "--received",
        "2027-04-15T10:00:00+01:00",
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["status"] == "incomplete"
    assert second["status"] == "unreadable"
    assert second["problems"][0]["code"] == "unreadable"
    assert second["problems"][0]["field"] is None


def test_mistakes_are_one_sentence_and_a_non_zero_exit() -> None:
    unknown = intake("parse", str(FORMS / "incomplete-missing.docx"), "--fund", "lottery")
    assert unknown.returncode == 2
    assert "there is no fund 'lottery'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    missing = intake("parse", "no-such-form.docx")
    assert missing.returncode == 2
    assert "no such file: no-such-form.docx" in missing.stderr
    bad_time = intake("parse", "x.docx", "--received", "tomorrow")
    assert bad_time.returncode == 2
    assert "not an ISO-8601 time" in bad_time.stderr


def test_intake_now_moves_the_clock_of_every_rule() -> None:
    done = intake(
        "parse",
        str(FORMS / "complete-medway-youth-trust.docx"),
        "--fund",
        "safer-in-kent",
        INTAKE_NOW="2027-09-01T20:00:00+01:00",
    )
    bid = json.loads(done.stdout)
    assert bid["round"] == "2027-r2"
    assert bid["status"] == "complete"


def test_deadlines_lists_the_calendar_soonest_first() -> None:
    done = intake("deadlines", INTAKE_NOW="2027-05-01T00:00:00+01:00")
    lines = done.stdout.splitlines()
    assert lines[0].endswith("Mental Health & Policing Fund 2027/28 round 1 closes in 7 days")
    assert "Sun 30 May 2027" not in lines[0]
    assert any("award and regret letters due" in line for line in lines)
    assert any("year-end monitoring returns due" in line for line in lines)


def test_deadlines_show_the_closing_day_and_when_its_summary_goes_out() -> None:
    """A round closes at the end of its closing day; officers hear of it at 9am next."""
    done = intake("deadlines", INTAKE_NOW="2027-05-01T00:00:00+01:00")
    closed = next(
        line
        for line in done.stdout.splitlines()
        if "Safer in Kent" in line and "has closed" in line
    )
    assert closed.startswith("Sun 30 May 2027 end of day")
    assert closed.endswith("alert Mon 31 May 09:00 BST")
    assert "00:00" not in closed
