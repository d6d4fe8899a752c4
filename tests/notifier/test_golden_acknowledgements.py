"""The acknowledgements' wording, held in golden files: a change in wording is a reviewed change.

Each test renders one acknowledgement from the bundled (Kent) configuration at
a fixed time and compares it with its file under ``tests/golden/``. To accept a
new wording after reading it, run this module with ``INTAKE_UPDATE_GOLDEN=1``
and review the diff.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from intake.bids.enquiries import enquiry_of
from intake.config.load import load_config
from intake.reading.extract import extract_from_file
from intake.reading.forms import form_spec
from intake.rules.checks import judge
from intake.slack.summaries import bid_summary
from notifier.ack import acknowledgement_text
from notifier.enquiry import enquiry_acknowledgement_text
from notifier.model import Acknowledgement

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
LONDON = ZoneInfo("Europe/London")


def _matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("INTAKE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed: review it, then update it"


def test_an_enquiry_is_answered_with_the_funds_their_inboxes_and_the_round_dates() -> None:
    received = datetime(2027, 4, 15, 10, 0, tzinfo=LONDON)
    facts = {
        "office": "kent",
        "sender": "scouts@example.org",
        "subject": "Can our Scout group apply?",
        "text": "Can our Scout group apply?",
        "received_at": received.isoformat(),
    }
    text = enquiry_acknowledgement_text(enquiry_of(load_config(), facts), now=received)
    assert "Attach the application form" in text
    assert "safer-in-kent@bids.example.org" in text
    _matches_golden("enquiry-acknowledgement.txt", text)


FORMS = Path(__file__).resolve().parents[2] / "fixtures" / "forms"


def _acknowledgement_of(form_file: str, received: datetime) -> str:
    """The acknowledgement of a committed form sent to the Safer in Kent Fund at ``received``:
    the form read by the real parser, judged by the real rules, worded by the notifier."""
    config = load_config()
    fund = config.fund("safer-in-kent")
    office = config.office(fund.office)
    form = config.form(fund.form)
    extraction = extract_from_file(
        form_file, (FORMS / form_file).read_bytes(), form_spec(config, form, fund)
    )
    assert extraction.document is not None
    judgement = judge(
        form=form,
        fund=fund,
        office=office,
        answers=extraction.document.answers,
        received_at=received,
    )
    bid = SimpleNamespace(
        ref="KENT-2027-0001",
        office=office.id,
        fund=fund.id,
        form=fund.form,
        decision=None,
        decision_reason=None,
        scores=None,
        assigned_to=None,
    )
    version = SimpleNamespace(
        version=1,
        fields=judgement.fields,
        round=judgement.round.id if judgement.round else None,
        problems=[p.model_dump() for p in judgement.problems],
        status=judgement.status,
        received_at=received,
        attachments=[{"name": form_file}],
        sources={},
    )
    ack = Acknowledgement(
        bid=bid_summary(config, bid, version),
        to="applicant@example.org",
        from_addr=office.reply_from,
        their_subject="Our application",
        their_message_id=None,
        message_id="<grant-intake.KENT-2027-0001.v1.received.0@bids.example.org>",
    )
    return acknowledgement_text(ack, now=received)


@pytest.mark.parametrize(
    ("golden", "form_file", "received"),
    [
        ("complete", "complete-medway-youth-trust.docx", "2027-04-15T10:00:00+01:00"),
        ("incomplete", "incomplete-missing.docx", "2027-04-15T10:00:00+01:00"),
        ("early", "complete-medway-youth-trust.docx", "2027-02-10T11:00:00+00:00"),
        ("late", "complete-medway-youth-trust.docx", "2027-05-31T09:30:00+01:00"),
    ],
)
def test_the_acknowledgements_wording_is_reviewed(
    golden: str, form_file: str, received: str
) -> None:
    text = _acknowledgement_of(form_file, datetime.fromisoformat(received))
    _matches_golden(f"{golden}-acknowledgement.txt", text)


def test_a_form_sent_before_its_round_opens_may_be_sent_again_then() -> None:
    text = " ".join(
        _acknowledgement_of(
            "complete-medway-youth-trust.docx", datetime.fromisoformat("2027-02-10T11:00:00+00:00")
        ).split()
    )
    assert "The round opens on Monday 1 March 2027" in text
    assert "You are welcome to send your application again then" in text
