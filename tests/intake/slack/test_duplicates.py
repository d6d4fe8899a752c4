"""Issue #20: possible duplicates are flagged on the card, never merged.

Two bids of one fund and round may be one application sent twice: the same
answers, the same organisation (as people write its name), the same charity or
company number, or one applicant address. The later one's card says "Possible
duplicate of REF" and why; both stay bids of their own.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from intake.bids.deadlines import round_counts
from intake.config.load import load_config
from intake.rules.calendar import Deadline
from intake.store.engine import make_engine, reading
from notifier.alerts import console_alert
from notifier.model import DeadlineAlert, RoundCounts
from tests.harness import RunningService
from tests.intake.slack.driver import SlackDriver
from tests.intake.slack.test_triage_in_slack import bid_for, wait_card
from tests.slack_api_server import SlackApiServer, block_kit_problems

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


def _withdraw_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in card["blocks"]
        if block.get("block_id") == "duplicate_actions"
        for element in block["elements"]
    ]


async def _round_counts(service: RunningService) -> RoundCounts:
    config = load_config(service.settings.config)
    fund = config.fund("safer-in-kent")
    (round_,) = [r for r in fund.rounds if r.id == "2027-r1"]
    deadline = Deadline(
        at=datetime(2027, 5, 31, 9, tzinfo=UTC),
        kind="closed",
        office="kent",
        fund=fund,
        round=round_,
    )
    engine = make_engine(service.settings.resolved_database_url)
    try:
        async with reading(engine) as connection:
            return await round_counts(connection, config, deadline)
    finally:
        await engine.dispose()


def test_an_officer_marks_one_of_a_pair_withdrawn_and_the_close_summary_counts_it(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver
) -> None:
    before = asyncio.run(_round_counts(service))
    answers = {"organisation_name": "Folkestone Sea Scouts", "registration_number": "4440001"}
    first = _send(service, _address(), **answers)
    again = _send(service, _address(), **answers)
    card = service.wait_for(
        lambda: (
            _withdraw_buttons(wait_card(service, slack, CHANNEL, again))
            and (wait_card(service, slack, CHANNEL, again))
        ),
        what="the later card's withdraw buttons",
    )
    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    buttons = {b["value"]: b["action_id"] for b in _withdraw_buttons(card)}
    assert set(buttons) == {f"{again} {first}", f"{first} {again}"}
    assert all("confirm" in b for b in _withdraw_buttons(card))

    # The officer withdraws the later one (this bid); the earlier stays the application.
    value = f"{again} {first}"
    assert driver.click(buttons[value], value).status == 200
    said = driver.responses_to(driver.last_response_url)["text"]
    assert f"{again} is marked withdrawn (a duplicate of {first})" in said
    bid = service.bid(again)
    assert bid["decision"] == "withdrawn" and bid["decision_reason"] == f"a duplicate of {first}"
    assert bid["history"][-1]["kind"] == "withdrawn"
    assert service.bid(first)["decision"] is None

    def updated() -> dict[str, Any] | None:
        now = wait_card(service, slack, CHANNEL, again)
        return now if "withdrawn" in str(now["blocks"]) and not _withdraw_buttons(now) else None

    service.wait_for(updated, what="the card showing the bid withdrawn")

    # Once: the other of the pair cannot be withdrawn too, and a second click is told.
    other = f"{first} {again}"
    driver.click(buttons[other], other)
    assert "already withdrawn" in driver.responses_to(driver.last_response_url)["text"]
    driver.click(buttons[value], value)
    assert "already marked withdrawn" in driver.responses_to(driver.last_response_url)["text"]

    # The round's close summary: both received, one withdrawn, one distinct application more.
    after = asyncio.run(_round_counts(service))
    assert after.received == before.received + 2
    assert again in after.withdrawn and first not in after.withdrawn
    assert after.distinct == before.distinct + 1
    alert = console_alert(
        DeadlineAlert(
            kind="closed",
            office_name="Kent",
            fund_name="Safer in Kent Fund",
            round_name="2027/28 round 1",
            timezone="Europe/London",
            due_at=datetime(2027, 5, 31, 8, tzinfo=UTC),
            closes_at=datetime(2027, 5, 30, 23, tzinfo=UTC),
            decisions_due_at=datetime(2027, 6, 30, 8, tzinfo=UTC),
            counts=after,
        )
    )
    assert f"{again} may repeat {first} (" in alert and f"; {again} withdrawn" in alert
    assert f"withdrawn {len(after.withdrawn)}" in alert
