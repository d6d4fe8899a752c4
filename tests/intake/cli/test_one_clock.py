"""Issue #20: one clock on every view, and every version tells its own story.

A bid sent on time whose second version comes after the round closed: each
version keeps its own received time and is judged by it; ``intake show`` says
each time in the office's zone with the zone written, shows any version's
answers (``--version N``), and prints answers whole unless ``--brief``;
``--json`` keeps ISO 8601 with the offset.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from intake.bids.reports import bid_text
from intake.cli import main
from tests.harness import RunningService

SENDER = "sarah@example.org"
BASE = next(c for c in FORM_CASES if c.name == "complete-medway-youth-trust")
BUDGET = "Staff: £6,000\nVenue hire: £2,500\nEquipment and travel for the detached team: £1,000"


def _mail(subject: str, **answers: object) -> bytes:
    return build_mail(
        sender=SENDER,
        to="safer-in-kent@bids.example.org",
        subject=subject,
        body="Please find our application attached.",
        date=datetime(2027, 5, 30, 15, 0, tzinfo=UTC),
        message_id=f"<clock-{uuid.uuid4().hex}@example.org>",
        attachments=[
            ("form.docx", build_form({**BASE.answers, **answers}), "application/octet-stream")
        ],
    )


@pytest.fixture(scope="module")
def bid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningService, str]]:
    """KENT-2027-0001: version 1 at 16:00 BST on the closing day, version 2 the next morning."""
    service = RunningService(
        tmp_path_factory.mktemp("one-clock"), INTAKE_NOW="2027-05-30T16:00:00+01:00"
    )
    try:
        service.start()
        service.send(_mail("Our application"), sender=SENDER)
        service.wait_for(lambda: service.bids(), what="version 1")
        ref = service.bids()[0]["ref"]
        service.stop()
        service.env["INTAKE_NOW"] = "2027-05-31T09:30:00+01:00"
        service.start()
        service.send(
            _mail(f"Re: Our application [Ref {ref}]", budget_breakdown=BUDGET), sender=SENDER
        )
        service.wait_for(lambda: service.bids()[0]["version"] == 2, what="version 2")
        yield service, ref
    finally:
        service.close()


def _intake(service: RunningService, *args: str) -> str:
    """Run ``intake ARGS`` on the service's data, in this process (as fast as a call),
    and return what it printed."""
    saved = os.environ.get("INTAKE_DATA_DIR")
    os.environ["INTAKE_DATA_DIR"] = str(service.data_dir)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            assert main(list(args)) == 0
    finally:
        if saved is None:
            os.environ.pop("INTAKE_DATA_DIR", None)
        else:
            os.environ["INTAKE_DATA_DIR"] = saved
    return out.getvalue()


def test_each_version_keeps_its_own_time_and_is_judged_by_it(
    bid: tuple[RunningService, str],
) -> None:
    service, ref = bid
    shown = _intake(service, "show", ref)
    assert f"{ref} (version 2): ineligible" in shown
    assert "Received: 31 May 2027 09:30 BST" in shown
    assert "1 received 30 May 2027 16:00 BST (complete)" in shown
    assert "2 received 31 May 2027 09:30 BST (ineligible)" in shown
    first = _intake(service, "show", ref, "--version", "1")
    assert f"{ref} (version 1 of 2): complete" in first
    assert "Received: 30 May 2027 16:00 BST" in first


def test_the_table_and_the_history_write_the_zone(bid: tuple[RunningService, str]) -> None:
    service, ref = bid
    assert "30 May 2027 16:00 BST" in _intake(service, "bids")
    history = _intake(service, "show", ref).split("History:", 1)[1]
    assert "31 May 2027 09:30 BST" in history


def test_json_keeps_iso_8601_with_the_offset(bid: tuple[RunningService, str]) -> None:
    service, ref = bid
    shown = json.loads(_intake(service, "show", ref, "--json"))
    assert datetime.fromisoformat(shown["received_at"]).utcoffset() is not None
    received = [datetime.fromisoformat(v["received_at"]) for v in shown["versions"]]
    assert [r.replace(second=0, microsecond=0) for r in received] == [
        datetime(2027, 5, 30, 15, 0, tzinfo=UTC),
        datetime(2027, 5, 31, 8, 30, tzinfo=UTC),
    ]


def test_answers_are_shown_whole_and_wrapped_unless_brief(
    bid: tuple[RunningService, str],
) -> None:
    service, ref = bid
    whole = _intake(service, "show", ref)
    # All of it, wrapped, with the form's own line break between its two sentences
    # (the parser keeps an answer's line breaks, issue 17).
    assert "exploitation\n    or offending.\n    Our youth workers" in whole
    assert "make positive choices about their future." in whole
    assert (
        max(len(line) for line in whole.split("Answers:")[1].split("History:")[0].splitlines())
        <= 100
    )
    brief = _intake(service, "show", ref, "--brief")
    assert "future." not in brief and "organisation_aims: We work with young people" in brief


def test_line_breaks_inside_an_answer_survive_into_show() -> None:
    stored = {
        "ref": "KENT-2027-0001",
        "version": 1,
        "fund": "safer-in-kent",
        "round": None,
        "status": "complete",
        "received_at": "2027-05-30T15:00:00+00:00",
        "applicant": SENDER,
        "file": "form.docx",
        "problems": [],
        "fields": {"budget_breakdown": BUDGET},
    }
    shown = bid_text(stored, zone=ZoneInfo("Europe/London"))
    assert "    Staff: £6,000\n    Venue hire: £2,500\n    Equipment" in shown
    assert "Received: 30 May 2027 16:00 BST" in shown
