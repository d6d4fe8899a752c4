"""Answers the reader could not place: an officer checks them; the applicant is never told
they are missing (issue #17, docs/parsing.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notifier.ack import build_acknowledgement
from notifier.cards import console_card, triage_card
from notifier.model import BidSummary, ProblemLine
from tests.notifier.test_acknowledgement import NOW, body, flat, make_ack, sent

MakeBid = Callable[..., BidSummary]

UNSURE = ProblemLine(
    field="registration_number",
    question="Registration number",
    code="unsure",
    message=(
        "To check on the form (not asked of the applicant): its label was found but what "
        "follows it could not be read as its answer."
    ),
)
MISSING = ProblemLine(
    field="location",
    question="Where will the project / service be located?",
    code="missing",
    message="This question is not answered.",
)


def _bid(make_bid: MakeBid, **changes: Any) -> BidSummary:
    return make_bid(**changes)


def test_an_unplaced_answer_is_not_told_to_the_applicant_as_missing(make_bid: MakeBid) -> None:
    bid = _bid(make_bid, status="complete", problems=(UNSURE,))
    words = flat(body(sent(build_acknowledgement(make_ack(bid), now=NOW))))

    assert "Your application form is complete" in words
    assert "Registration number" not in words
    assert "will check some of your answers against your form by hand" in words


def test_only_real_problems_are_listed_when_one_answer_is_also_unsure(make_bid: MakeBid) -> None:
    bid = _bid(make_bid, status="incomplete", problems=(MISSING, UNSURE))
    words = flat(body(sent(build_acknowledgement(make_ack(bid), now=NOW))))

    assert "We found one thing to put right:" in words
    assert "Where will the project / service be located?" in words
    assert "Registration number" not in words


def test_the_card_asks_an_officer_to_check_it_and_counts_no_problem(make_bid: MakeBid) -> None:
    bid = _bid(make_bid, status="complete", problems=(UNSURE,))
    card = triage_card(bid)
    texts = " ".join(
        block.get("text", {}).get("text", "") for block in card["blocks"] if "text" in block
    )

    assert "1 answer to check against the form" in texts
    assert "Registration number" in texts
    assert "problem to resolve" not in texts and "problems to resolve" not in texts
    assert "0 problems, 1 to check on the form" in card["text"]
    buttons = [e["text"]["text"] for e in card["blocks"][-1]["elements"]]
    assert "Request missing info" not in buttons

    console = console_card(bid)
    assert "No problems found." in console
    assert "1 answer to check against the form:" in console
