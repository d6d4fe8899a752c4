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
from zoneinfo import ZoneInfo

from intake.bids.enquiries import enquiry_of
from intake.config.load import load_config
from notifier.enquiry import enquiry_acknowledgement_text

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
