"""Issue #20: a mail with no form and no reference is an enquiry, not a bid.

The enquirer's words reach the officers as an enquiry card in the office's
channel; the enquirer is answered with how to apply (the funds, their inboxes,
the round dates, "attach the application form"); and no bid is made, so the
enquiry is in no listing and no round's counts.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from tests.harness import RunningService
from tests.slack_api_server import SlackApiServer

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
ENQUIRER = "scouts@example.org"
QUESTION = (
    "Hello,\n\nCan our Scout group apply? We are a small volunteer group <!channel> "
    "& would like to run a safety evening.\n\nThanks, Pat"
)


def _enquiry_mail(sender: str, body: str) -> bytes:
    return build_mail(
        sender=f"Pat Leader <{sender}>",
        to="safer-in-kent@bids.example.org",
        subject="Can our Scout group apply?",
        body=body,
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=f"<enquiry-{uuid.uuid4().hex}@example.org>",
        attachments=[],
    )


def _state(service: RunningService, reply: str) -> tuple[str, int | None]:
    queued = reply.rsplit(" ", 1)[-1]

    def handled() -> tuple[str, int | None] | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT state, bid_id FROM messages WHERE id = ?", (queued,)
            ).fetchone()
        return (row[0], row[1]) if row and row[0] != "queued" else None

    return service.wait_for(handled, what=f"message {queued} handled")


def _answers_to(service: RunningService, address: str) -> list[EmailMessage]:
    return [m for m in service.outbox() if address in str(m["To"])]


@pytest.fixture(scope="module")
def enquiry(service: RunningService) -> tuple[str, int | None]:
    """One enquiry sent over SMTP, handled."""
    reply = service.send(_enquiry_mail(ENQUIRER, QUESTION), sender=ENQUIRER)
    return _state(service, reply)


def test_an_enquiry_is_kept_as_an_enquiry_and_makes_no_bid(
    service: RunningService, enquiry: tuple[str, int | None]
) -> None:
    state, bid = enquiry
    assert (state, bid) == ("enquiry", None)
    assert not [b for b in service.bids() if b.get("applicant") == ENQUIRER]
    listed = subprocess.run(
        [sys.executable, "-m", "intake", "bids", "--json", "--limit", "0"],
        env={**os.environ, "INTAKE_DATA_DIR": str(service.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert ENQUIRER not in listed.stdout


def test_officers_see_the_enquiry_with_its_words_in_the_offices_channel(
    service: RunningService, slack: SlackApiServer, enquiry: tuple[str, int | None]
) -> None:
    channel = slack.channel("commissioning")
    assert channel is not None

    def card() -> dict[str, Any] | None:
        return next((m for m in channel.top_level if ENQUIRER in m.get("text", "")), None)

    posted = service.wait_for(card, what="the enquiry's card")
    shown = str(posted["blocks"])
    assert "Enquiry (not a bid)" in shown
    assert "Can our Scout group apply?" in shown
    # What the enquirer wrote is escaped: it shows, and pings nobody.
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "&amp; would like" in shown
    # When it came, in the office's time with the zone written (the service's clock
    # starts at 10:00 BST on 15 April).
    assert re.search(r"Thu 15 Apr 2027, 10:0\d BST", shown)


def test_the_enquirer_is_told_how_to_apply(
    service: RunningService, enquiry: tuple[str, int | None]
) -> None:
    answers = service.wait_for(lambda: _answers_to(service, ENQUIRER), what="the answer")
    assert len(answers) == 1
    answer = answers[0]
    assert answer["Subject"] == "Re: Can our Scout group apply?"
    assert answer["Auto-Submitted"] == "auto-replied"
    body = answer.get_content()
    assert body == (GOLDEN / "enquiry-acknowledgement.txt").read_text(), (
        "the enquiry's answer changed: review it and update tests/golden/"
    )


def test_a_question_with_a_reference_of_no_bid_is_still_an_enquiry(
    service: RunningService,
) -> None:
    sender = f"other.{uuid.uuid4().hex[:6]}@example.org"
    reply = service.send(
        _enquiry_mail(sender, "About [Ref KENT-2027-9999], when is the next round?"),
        sender=sender,
    )
    assert _state(service, reply) == ("enquiry", None)


def test_a_form_sent_to_two_funds_at_once_makes_no_bid_and_the_applicant_is_asked(
    service: RunningService, slack: SlackApiServer
) -> None:
    """Our call (README): one mail to several funds' inboxes is not silently one fund's
    bid; the applicant is asked to send it to the fund it is for."""
    sender = f"twofunds.{uuid.uuid4().hex[:6]}@example.org"
    base = next(c for c in FORM_CASES if c.name == "complete-medway-youth-trust")
    raw = build_mail(
        sender=sender,
        to="safer-in-kent@bids.example.org, mental-health@bids.example.org",
        subject="Our application",
        body="Please find our application attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=f"<two-{uuid.uuid4().hex}@example.org>",
        attachments=[("form.docx", build_form(base.answers), "application/octet-stream")],
    )
    with service.smtp() as client:
        refused = client.sendmail(
            sender, ["safer-in-kent@bids.example.org", "mental-health@bids.example.org"], raw
        )
        assert refused == {}
    queued = service.wait_for(
        lambda: _message_from(service, sender), what="the mail to two funds recorded"
    )
    assert _state(service, f"queued as {queued}") == ("several_funds", None)
    answer = service.wait_for(lambda: _answers_to(service, sender), what="the question")[0]
    body = " ".join(answer.get_content().split())
    assert "sent to the inboxes of more than one fund" in body
    assert "Safer in Kent Fund and Mental Health & Policing Fund" in body
    assert "mental-health@bids.example.org" in body
    channel = slack.channel("commissioning")
    assert channel is not None
    card = service.wait_for(
        lambda: next((m for m in channel.top_level if sender in m.get("text", "")), None),
        what="its card",
    )
    assert "Sent to several funds (not a bid yet)" in str(card["blocks"])


def _message_from(service: RunningService, sender: str) -> str | None:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        row = connection.execute(
            "SELECT id FROM messages WHERE mail_from = ?", (sender,)
        ).fetchone()
    return row[0] if row else None
