"""Issue #20: possible duplicates are flagged on the card, never merged.

Two bids of one fund and round may be one application sent twice: the same
answers, the same organisation (as people write its name), the same charity or
company number, or one applicant address. The later one's card says "Possible
duplicate of REF" and why; both stay bids of their own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from tests.harness import RunningService
from tests.intake.slack.test_triage_in_slack import bid_for, wait_card
from tests.slack_api_server import SlackApiServer

CHANNEL = "C0COMMISS1"
BASE = next(c for c in FORM_CASES if c.name == "complete-medway-youth-trust")


def _send(service: RunningService, sender: str, **answers: Any) -> str:
    form = build_form({**BASE.answers, **answers})
    raw = build_mail(
        sender=sender,
        to="safer-in-kent@bids.example.org",
        subject="Our application",
        body="Please find our application attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=f"<dup-{uuid.uuid4().hex}@example.org>",
        attachments=[("form.docx", form, "application/octet-stream")],
    )
    return bid_for(service, service.send(raw, sender=sender))


def _address() -> str:
    return f"a{uuid.uuid4().hex[:8]}@example.org"


def _duplicate_text(card: dict[str, Any]) -> str:
    return " ".join(
        b["text"]["text"]
        for b in card["blocks"]
        if b.get("type") == "section" and "text" in b and "Possible duplicate" in b["text"]["text"]
    )


def test_the_same_organisation_again_is_flagged_on_the_later_card(
    service: RunningService, slack: SlackApiServer
) -> None:
    first = _send(
        service, _address(), organisation_name="Riverside Youth Club", registration_number="1122334"
    )
    again = _send(
        service,
        _address(),
        organisation_name="The Riverside Youth Club Ltd.",
        project_name="Another project",
        registration_number="9988776",
    )
    assert first != again  # flagged, not merged
    assert not _duplicate_text(wait_card(service, slack, CHANNEL, first))
    said = _duplicate_text(wait_card(service, slack, CHANNEL, again))
    assert f"Possible duplicate of {first} (the same organisation)" in said


def test_the_same_form_sent_twice_is_flagged_with_its_answers(
    service: RunningService, slack: SlackApiServer
) -> None:
    answers = {"organisation_name": "Hythe Lifeboat Friends", "registration_number": "5550001"}
    first = _send(service, _address(), **answers)
    again = _send(service, _address(), **answers)
    said = _duplicate_text(wait_card(service, slack, CHANNEL, again))
    assert f"Possible duplicate of {first}" in said
    assert "the same answers" in said and "the same charity or company number" in said


def test_a_second_form_from_one_address_is_flagged(
    service: RunningService, slack: SlackApiServer
) -> None:
    sender = _address()
    first = _send(service, sender, organisation_name="Deal Boxing Club", registration_number="1")
    again = _send(service, sender, organisation_name="Walmer Cycling", registration_number="2")
    said = _duplicate_text(wait_card(service, slack, CHANNEL, again))
    assert said == f"Possible duplicate of {first} (the same applicant address)"


def test_another_organisation_from_another_address_is_not_flagged(
    service: RunningService, slack: SlackApiServer
) -> None:
    ref = _send(
        service, _address(), organisation_name="Sandwich Bowls Club", registration_number="77"
    )
    assert not _duplicate_text(wait_card(service, slack, CHANNEL, ref))
