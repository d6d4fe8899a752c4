"""SPEC's check rules, one by one, on plain answers (no documents, no service)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from intake.config.load import load_config
from intake.config.model import Condition, SupportingDocument
from intake.rules.checks import judge
from parsers.model import Answer, Source, unplaced

CONFIG = load_config()
FORM = CONFIG.form("kent-funding-application")
FUND = CONFIG.fund("safer-in-kent")
OFFICE = CONFIG.office("kent")
IN_ROUND_ONE = datetime.fromisoformat("2027-04-15T10:00:00+01:00")
HERE = Source("table-cell", "table 1, row 1")

COMPLETE: dict[str, Any] = {
    "organisation_name": "Medway Youth Trust",
    "organisation_aims": "Helping young people in Medway.",
    "organisation_type": "registered_charity",
    "registration_number": "1098765",
    "partnership_bid": False,
    "contact_name": "Sarah Okafor",
    "contact_address": "1 High Street, Chatham",
    "contact_telephone": "01632 960001",
    "contact_email": "sarah@example.org",
    "contact_position": "Director",
    "project_name": "Safe Streets",
    "start_date": "2027-04-01",
    "duration": "12 months",
    "criteria": ["empower_communities"],
    "project_outline": "Detached youth work.",
    "location": "Chatham",
    "need_evidence": "CSP strategic assessment.",
    "outcome_measures": "Young people engaged.",
    "total_cost": "9500.00",
    "amount_requested": "9500.00",
    "new_or_existing": "new",
    "budget_breakdown": "Staff.",
    "sustainability": "Reserves.",
    "funding_impact": "Fewer sessions.",
}


def answers(**changes: Any) -> dict[str, Answer]:
    values = {**COMPLETE, **changes}
    return {
        field: Answer(field, str(value), value, HERE)
        for field, value in values.items()
        if value is not None
    }


def problems(received: datetime = IN_ROUND_ONE, fund: Any = FUND, **changes: Any) -> list:
    result = judge(
        form=FORM, fund=fund, office=OFFICE, answers=answers(**changes), received_at=received
    )
    return [(p.field, p.code) for p in result.problems]


def test_a_complete_bid_has_no_problems_and_is_complete() -> None:
    result = judge(form=FORM, fund=FUND, office=OFFICE, answers=answers(), received_at=IN_ROUND_ONE)
    assert result.problems == []
    assert result.status == "complete"
    assert result.round is not None and result.round.id == "2027-r1"
    assert result.fields["amount_requested"] == "9500.00"


@pytest.mark.parametrize("field", [f.id for f in FORM.fields if f.required and f.id in COMPLETE])
def test_every_required_answer_left_out_is_missing(field: str) -> None:
    assert problems(**{field: None}) == [(field, "missing")]


def test_an_empty_tick_list_counts_as_unanswered() -> None:
    assert problems(criteria=[]) == [("criteria", "missing")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"registration_number": None}, "registration_number"),
        (
            {"organisation_type": "company_limited_by_guarantee", "registration_number": None},
            "registration_number",
        ),
        ({"organisation_type": "other", "registration_number": None}, "organisation_type_other"),
        ({"partnership_bid": True}, "partner_organisations"),
        ({"total_cost": "12000.00"}, "funding_shortfall"),
        ({"new_or_existing": "existing"}, "previous_funding"),
    ],
)
def test_answers_that_make_another_question_required(changes: dict, field: str) -> None:
    assert problems(**changes) == [(field, "missing")]


def test_conditional_questions_are_not_required_when_their_condition_is_false() -> None:
    assert problems(organisation_type="local_authority", registration_number=None) == []


def test_a_given_but_unreadable_answer_is_invalid_and_left_out_of_fields() -> None:
    bad = Answer("start_date", "TBC", None, HERE, error="'TBC' is not a date")
    given = {**answers(), "start_date": bad}
    result = judge(form=FORM, fund=FUND, office=OFFICE, answers=given, received_at=IN_ROUND_ONE)
    assert [(p.field, p.code) for p in result.problems] == [("start_date", "invalid")]
    assert "TBC" in result.problems[0].message
    assert "start_date" not in result.fields
    assert result.status == "incomplete"


def test_an_outline_over_500_words_is_too_long_and_500_is_fine() -> None:
    assert problems(project_outline="word " * 500) == []
    result = problems(project_outline="word " * 501)
    assert result == [("project_outline", "too_long")]


def test_single_bids_are_capped_at_10000() -> None:
    assert (
        problems(total_cost="20000.00", amount_requested="10000.00", funding_shortfall="Reserves.")
        == []
    )
    assert problems(
        total_cost="20000.00", amount_requested="10000.01", funding_shortfall="Reserves."
    ) == [("amount_requested", "over_limit")]


def test_partnership_bids_are_capped_at_20000() -> None:
    partnership = {"partnership_bid": True, "partner_organisations": "Medway Council"}
    assert (
        problems(
            total_cost="20000.00",
            amount_requested="18000.00",
            funding_shortfall="Council.",
            **partnership,
        )
        == []
    )
    assert problems(
        total_cost="30000.00",
        amount_requested="20500.00",
        funding_shortfall="Council.",
        **partnership,
    ) == [("amount_requested", "over_limit")]


def test_a_partnership_answer_the_reader_could_not_place_is_held_to_the_joint_cap() -> None:
    # The reader found "Is this a partnership bid?" but read no tick: an officer checks
    # it. £18,000 is within the joint cap: the applicant is not told it is over the
    # single one; the partnership answer is the officer's "unsure".
    given = answers(
        total_cost="20000.00", amount_requested="18000.00", funding_shortfall="Council."
    )
    given["partnership_bid"] = unplaced(
        "partnership_bid", HERE, "a box is ticked but not beside Yes or No"
    )
    judgement = judge(form=FORM, fund=FUND, office=OFFICE, answers=given, received_at=IN_ROUND_ONE)
    assert [(p.field, p.code) for p in judgement.problems] == [("partnership_bid", "unsure")]
    assert judgement.status == "complete"
    # A partnership question left blank is no partnership: the single cap, as the
    # applicant is told the answer is missing.
    del given["partnership_bid"]
    judgement = judge(form=FORM, fund=FUND, office=OFFICE, answers=given, received_at=IN_ROUND_ONE)
    assert ("amount_requested", "over_limit") in [(p.field, p.code) for p in judgement.problems]


def test_asking_for_more_than_the_total_cost_is_over_limit() -> None:
    assert problems(total_cost="6000.00", amount_requested="8000.00") == [
        ("amount_requested", "over_limit")
    ]


def test_each_fund_has_its_own_cap() -> None:
    vss = CONFIG.fund("victim-specialist-services")
    in_vss_round = datetime.fromisoformat("2027-02-15T12:00:00+00:00")
    big = {
        "total_cost": "40000.00",
        "amount_requested": "34000.00",
        "funding_shortfall": "Trust funds.",
        "criteria": ["hate_crime"],
    }
    assert problems(received=in_vss_round, fund=vss, **big) == []


def test_a_round_closes_at_the_end_of_its_closing_day_in_london() -> None:
    last_minute = datetime.fromisoformat("2027-05-30T23:59:59+01:00")
    just_after = datetime.fromisoformat("2027-05-31T00:00:00+01:00")
    assert problems(received=last_minute) == []
    assert problems(received=just_after) == [(None, "late")]


def test_a_round_opens_at_the_start_of_its_opening_day() -> None:
    assert problems(received=datetime.fromisoformat("2027-03-01T00:00:00+00:00")) == []
    assert problems(received=datetime.fromisoformat("2027-02-28T23:59:00+00:00")) == [
        (None, "no_round")
    ]


def test_a_bid_before_any_round_opens_is_no_round_and_names_the_next() -> None:
    result = judge(
        form=FORM,
        fund=FUND,
        office=OFFICE,
        answers=answers(),
        received_at=datetime.fromisoformat("2027-01-20T12:00:00+00:00"),
    )
    assert [(p.field, p.code) for p in result.problems] == [(None, "no_round")]
    assert "1 March 2027" in result.problems[0].message
    assert result.status == "ineligible"


def test_a_bid_soon_after_a_close_is_late_for_that_round_and_later_is_no_round() -> None:
    soon = datetime.fromisoformat("2027-06-20T12:00:00+01:00")
    assert problems(received=soon) == [(None, "late")]
    long_after = datetime.fromisoformat("2027-11-20T12:00:00+00:00")
    assert problems(received=long_after) == [(None, "no_round")]


def test_status_precedence_ineligible_beats_incomplete() -> None:
    result = judge(
        form=FORM,
        fund=FUND,
        office=OFFICE,
        answers=answers(contact_name=None, total_cost="6000.00", amount_requested="8000.00"),
        received_at=IN_ROUND_ONE,
    )
    assert {p.code for p in result.problems} == {"missing", "over_limit"}
    assert result.status == "ineligible"


def test_without_a_fund_only_the_form_is_checked() -> None:
    result = judge(
        form=FORM,
        fund=None,
        office=None,
        answers=answers(amount_requested="15000.00", total_cost="15000.00"),
        received_at=datetime.fromisoformat("2020-01-01T00:00:00+00:00"),
    )
    assert result.problems == []
    assert result.round is None


# --- issue 22: minimum grants and rolling funds ----------------------------------------------

ROLLING = FUND.model_copy(
    update={"rolling": True, "rounds": (), "min_amount": Decimal(100), "cap_single": Decimal(3000)}
)


def test_an_amount_under_the_funds_minimum_is_under_limit_and_ineligible() -> None:
    result = judge(
        form=FORM,
        fund=ROLLING,
        office=OFFICE,
        answers=answers(amount_requested="50.00", total_cost="50.00"),
        received_at=IN_ROUND_ONE,
    )
    assert [(p.field, p.code) for p in result.problems] == [("amount_requested", "under_limit")]
    assert result.problems[0].message == (
        "You ask for £50.00, below the Safer in Kent Fund's minimum grant of £100.00."
    )
    assert result.status == "ineligible"


def test_the_minimum_itself_is_allowed() -> None:
    assert problems(fund=ROLLING, amount_requested="100.00", total_cost="100.00") == []


def test_a_rolling_fund_is_open_any_day_with_no_round() -> None:
    for day in ("2026-12-25T23:59:00+00:00", "2031-07-01T09:00:00+01:00"):
        result = judge(
            form=FORM,
            fund=ROLLING,
            office=OFFICE,
            answers=answers(amount_requested="2500.00", total_cost="2500.00"),
            received_at=datetime.fromisoformat(day),
        )
        assert (result.problems, result.status, result.round) == ([], "complete", None)


# --- issue 22: supporting documents --------------------------------------------------------

SAFEGUARDING = FUND.model_copy(
    update={
        "documents": (
            SupportingDocument(
                id="safeguarding_policy",
                name="safeguarding policy",
                match=("safeguarding",),
                required_if=Condition.model_validate(
                    {"field": "criteria", "in": ["support_vulnerable"]}
                ),
            ),
            SupportingDocument(
                id="endorsement",
                name="letter of endorsement",
                match=("endorsement", "support letter"),
                required=True,
            ),
        )
    }
)


def documents(ticks: list[str], attachments: list[str]) -> list[str]:
    result = judge(
        form=FORM,
        fund=SAFEGUARDING,
        office=OFFICE,
        answers=answers(criteria=ticks),
        received_at=IN_ROUND_ONE,
        attachments=attachments,
    )
    return [p.message.split(" with ")[0] for p in result.problems]


def test_a_required_document_is_recognised_by_its_file_name_in_any_case() -> None:
    assert documents(["empower_communities"], ["form.docx"]) == [
        "Please send your letter of endorsement"
    ]
    assert documents(["empower_communities"], ["form.docx", "CSP-Endorsement.PDF"]) == []
    assert documents(["empower_communities"], ["Support_Letter.docx"]) == []
    # Words are matched whole: words run together are not the document.
    assert documents(["empower_communities"], ["supportletter.pdf"]) != []


def test_a_conditional_document_is_asked_for_only_when_the_answer_calls_for_it() -> None:
    ticks = ["empower_communities", "support_vulnerable"]
    assert documents(ticks, ["endorsement.pdf"]) == ["Please send your safeguarding policy"]
    assert documents(ticks, ["endorsement.pdf", "our safeguarding policy.pdf"]) == []
    assert documents(["empower_communities"], ["endorsement.pdf"]) == []


def test_a_missing_document_makes_the_bid_incomplete_not_ineligible() -> None:
    result = judge(
        form=FORM,
        fund=SAFEGUARDING,
        office=OFFICE,
        answers=answers(),
        received_at=IN_ROUND_ONE,
    )
    assert [(p.field, p.code) for p in result.problems] == [(None, "missing_document")]
    assert result.status == "incomplete"
