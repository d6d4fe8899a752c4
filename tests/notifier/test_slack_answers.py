"""Modals, /intake answers and deadline alerts: valid Block Kit, escaped, within limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from notifier.alerts import console_alert, deadline_alert
from notifier.listings import deadlines_message, help_message, open_bids_message
from notifier.modals import (
    decision_modal,
    read_comments,
    read_save_as,
    read_scores,
    read_text,
    request_info_modal,
    score_modal,
)
from notifier.model import (
    BidLine,
    DeadlineAlert,
    DeadlineLine,
    ProblemLine,
    RoundCounts,
    ScoreCriterion,
    ScoredSheet,
)
from tests.slack_api_server import block_kit_problems, view_problems

EVIL = "<!channel> & <https://evil.example|Apply> <@U0ADMIN1>"
TEN_KB = ("word " * 2000).strip()
CRITERIA = [
    ScoreCriterion(
        id="history", name="Credible History", levels=tuple(f"Level {n}" for n in range(1, 6))
    ),
    ScoreCriterion(id="long", name=TEN_KB, levels=(TEN_KB,) * 5),
]


def all_text(payload: object) -> str:
    return str(payload)


@pytest.mark.parametrize("eligible", [True, False])
def test_the_decision_modal_is_valid_and_escapes_the_organisation(eligible: bool) -> None:
    view = decision_modal(ref="KENT-2027-0001", organisation=EVIL, eligible=eligible, metadata="{}")
    assert view_problems(view) == []
    assert "<!channel>" not in all_text(view)
    reason = view["blocks"][1]
    assert reason["optional"] is eligible


def test_the_score_modal_keeps_every_option_within_slacks_75_characters() -> None:
    view = score_modal(
        ref="KENT-2027-0001",
        organisation=EVIL,
        criteria=CRITERIA,
        current={"history": 3},
        metadata="{}",
    )
    assert view_problems(view) == []
    history = view["blocks"][1]["element"]
    assert history["initial_option"]["value"] == "3"
    assert view["blocks"][2]["block_id"] == "comment:history"  # a comment under each criterion
    long_option = view["blocks"][3]["element"]["options"][0]
    assert long_option["text"]["text"].startswith("1 · word word")
    assert long_option["description"]["text"].endswith("…")


def test_the_score_modal_shows_the_others_sheets_escaped_and_offers_a_lead_moderation() -> None:
    other = ScoredSheet(scorer="U0OTHER01", total="7 / 10", levels=(("History", 4, EVIL),))
    view = score_modal(
        ref="KENT-2027-0001",
        organisation=None,
        criteria=CRITERIA,
        current={"history": 3},
        comments={"history": "Long record"},
        others=[other],
        disagree=["History"],
        can_moderate=True,
        metadata="{}",
    )
    assert view_problems(view) == []
    assert "<!channel>" not in all_text(view)
    assert "<@U0OTHER01> 7 / 10: History 4" in all_text(view)
    assert "disagree on History" in all_text(view)
    comment = next(b for b in view["blocks"] if b.get("block_id") == "comment:history")
    assert comment["element"]["initial_value"] == "Long record"
    assert view["blocks"][-1]["block_id"] == "save_as"
    moderated = view["blocks"][-1]["element"]["options"][1]
    values = {"save_as": {"level": {"selected_option": moderated}}}
    assert read_save_as(values) == "moderated" and read_save_as({}) == "mine"
    typed = {"comment:history": {"text": {"value": "  Good  "}}}
    assert read_comments(typed, CRITERIA) == {"history": "Good"}


def test_reading_scores_says_which_criteria_are_missing() -> None:
    values = {"criterion:history": {"level": {"selected_option": {"value": "4"}}}}
    scores, errors = read_scores(values, CRITERIA)
    assert scores == {"history": 4}
    assert errors == {"criterion:long": "Choose a level."}
    forged = {"criterion:history": {"level": {"selected_option": {"value": "9"}}}}
    assert read_scores(forged, CRITERIA[:1]) == ({}, {"criterion:history": "Choose a level."})


def test_the_request_modal_lists_the_problems_cut_cleanly_past_a_modals_size() -> None:
    problems = [
        ProblemLine(field=f"f{n}", question=EVIL, code="missing", message=TEN_KB)
        for n in range(1000)
    ]
    view = request_info_modal(
        ref="KENT-2027-0001", organisation=EVIL, problems=problems, metadata="{}"
    )
    assert view_problems(view) == []
    assert "<!channel>" not in all_text(view)
    assert "… and" in view["blocks"][-2]["text"]["text"]


def test_text_inputs_are_read_stripped_and_empty_is_none() -> None:
    assert (
        read_text({"reason": {"text": {"value": "  Outside Kent \n"}}}, "reason") == "Outside Kent"
    )
    assert read_text({"reason": {"text": {"value": "   "}}}, "reason") is None
    assert read_text({}, "reason") is None


def _line(n: int, **changes: object) -> BidLine:
    values = {
        "ref": f"KENT-2027-{n:04d}",
        "organisation": EVIL,
        "project": TEN_KB,
        "status": "incomplete",
        "problems": 3,
        "received_at": datetime(2027, 4, 15, 9, tzinfo=UTC),
        "timezone": "Europe/London",
        "assigned_to": "U0OFFICER1" if n % 2 else None,
    }
    return BidLine(**{**values, **changes})  # type: ignore[arg-type]


def test_open_bids_are_grouped_by_fund_and_cut_to_slacks_limits() -> None:
    groups = [
        ("Safer in Kent Fund", [_line(n) for n in range(1000)]),
        ("Mental Health", [_line(1)]),
    ]
    payload = open_bids_message(groups)
    assert block_kit_problems(payload["blocks"], text=payload["text"]) == []
    text = all_text(payload)
    assert "<!channel>" not in text and "<@U0ADMIN1>" not in text
    assert "<@U0OFFICER1>" in text  # an assigned officer is a real mention
    assert "`intake bids` lists them all" in payload["blocks"][-1]["text"]["text"]
    assert payload["text"] == "1001 bids need action"


def test_no_open_bids_says_so() -> None:
    assert open_bids_message([])["text"] == "No bids need action."


def test_deadlines_and_help_are_valid_block_kit() -> None:
    lines = [
        DeadlineLine(at=datetime(2027, 5, 23, 8, tzinfo=UTC), timezone="Europe/London", text=EVIL)
        for _ in range(40)
    ]
    for payload in (deadlines_message(lines), deadlines_message([]), help_message("Bad <!here>")):
        assert block_kit_problems(payload["blocks"], text=payload["text"]) == []
    assert "Sun 23 May 2027, 09:00 BST" in all_text(deadlines_message(lines))
    assert "<!channel>" not in all_text(deadlines_message(lines))


@pytest.mark.parametrize(
    "kind",
    [
        "closes_in_7_days",
        "closes_in_1_day",
        "closed",
        "decisions_due",
        "updates_due",
        "monitoring_due",
    ],
)
def test_every_kind_of_alert_is_valid_block_kit_and_escaped(kind: str) -> None:
    alert = DeadlineAlert(
        kind=kind,  # type: ignore[arg-type]
        office_name=EVIL,
        fund_name=EVIL + TEN_KB,
        round_name="2027/28 round 1",
        timezone="Europe/London",
        due_at=datetime(2027, 5, 23, 8, tzinfo=UTC),
        closes_at=datetime(2027, 5, 30, 23, tzinfo=UTC),
        decisions_due_at=datetime(2027, 6, 30, 8, tzinfo=UTC),
        counts=RoundCounts(
            received=12, complete=5, incomplete=4, ineligible=3, late=1, undecided=7
        ),
    )
    payload = deadline_alert(alert)
    assert block_kit_problems(payload["blocks"], text=payload["text"]) == []
    assert "<!channel>" not in all_text(payload)
    assert console_alert(alert)


def test_the_closing_summary_says_the_counts_and_when_decisions_are_due() -> None:
    alert = DeadlineAlert(
        kind="closed",
        office_name="Kent OPCC",
        fund_name="Safer in Kent Fund",
        round_name="2027/28 round 1",
        timezone="Europe/London",
        due_at=datetime(2027, 5, 30, 23, tzinfo=UTC),
        closes_at=datetime(2027, 5, 30, 23, tzinfo=UTC),
        decisions_due_at=datetime(2027, 6, 30, 8, tzinfo=UTC),
        counts=RoundCounts(received=12, complete=5, incomplete=4, ineligible=3, late=2),
    )
    payload = deadline_alert(alert)
    assert payload["text"] == (
        "Safer in Kent Fund 2027/28 round 1 has closed. The round closed at the end of "
        "Sunday 30 May 2027: 12 bids received. Award and regret letters are due by "
        "Wednesday 30 June 2027."
    )
    shown = [f["text"] for f in payload["blocks"][2]["fields"]]
    assert shown == [
        "*Received*\n12",
        "*Distinct applications*\n12",
        "*Complete*\n5",
        "*Incomplete*\n4",
        "*Ineligible*\n3",
        "*Unreadable*\n0",
        "*Late so far*\n2",
    ]


def _reminder(kind: str, *, due_at: datetime, sent_at: datetime) -> DeadlineAlert:
    return DeadlineAlert(
        kind=kind,  # type: ignore[arg-type]
        office_name="Kent OPCC",
        fund_name="Safer in Kent Fund",
        round_name="2027/28 round 1",
        timezone="Europe/London",
        due_at=due_at,
        # Round 1 closes at the end of Sunday 30 May 2027 (midnight, BST).
        closes_at=datetime(2027, 5, 30, 23, tzinfo=UTC),
        decisions_due_at=datetime(2027, 6, 30, 8, tzinfo=UTC),
        counts=RoundCounts(received=3, incomplete=1, undecided=2),
        sent_at=sent_at,
    )


@pytest.mark.parametrize(
    ("sent_at", "says"),
    [
        (datetime(2027, 5, 29, 8, tzinfo=UTC), "closes tomorrow"),  # on time: Sat 9am
        (datetime(2027, 5, 29, 20, tzinfo=UTC), "closes tomorrow"),  # Sat 9pm, late that day
        (datetime(2027, 5, 30, 15, tzinfo=UTC), "closes today"),  # Sunday 4pm, after a restart
        (datetime(2027, 5, 30, 22, 30, tzinfo=UTC), "closes today"),  # Sunday 11:30pm BST
    ],
)
def test_a_closing_reminder_says_what_is_true_on_the_day_it_is_sent(
    sent_at: datetime, says: str
) -> None:
    """Issue #20: a service started at 16:00 on the closing day said "closes tomorrow"."""
    alert = _reminder(
        "closes_in_1_day", due_at=datetime(2027, 5, 29, 8, tzinfo=UTC), sent_at=sent_at
    )
    text = deadline_alert(alert)["text"]
    assert text.startswith(f"Safer in Kent Fund 2027/28 round 1 {says}."), text
    assert "Bids are due by the end of Sunday 30 May 2027." in text


def test_a_seven_day_reminder_sent_days_late_counts_the_days_left() -> None:
    alert = _reminder(
        "closes_in_7_days",
        due_at=datetime(2027, 5, 23, 8, tzinfo=UTC),
        sent_at=datetime(2027, 5, 26, 10, tzinfo=UTC),
    )
    assert "round 1 closes in 4 days." in deadline_alert(alert)["text"]


def test_a_due_date_caught_up_after_a_restart_is_said_in_the_past_tense() -> None:
    on_time = _reminder(
        "decisions_due",
        due_at=datetime(2027, 6, 30, 8, tzinfo=UTC),
        sent_at=datetime(2027, 6, 30, 8, tzinfo=UTC),
    )
    late = replace(on_time, sent_at=datetime(2027, 7, 2, 9, tzinfo=UTC))
    assert (
        "Award and regret letters are due today, Wednesday 30 June 2027"
        in (deadline_alert(on_time)["text"])
    )
    text = deadline_alert(late)["text"]
    assert "award and regret letters were due." in text
    assert "Award and regret letters were due on Wednesday 30 June 2027: 2 bids of 3" in text


def test_an_unsure_answer_is_listed_as_to_check_never_as_a_problem() -> None:
    # The reader could not place an answer: the officer checks it on the form;
    # /intake open must not count it among the applicant's problems.
    line = _line(2, status="complete", problems=0, to_check=2, organisation="Acme", project="P")
    text = all_text(open_bids_message([("Safer in Kent Fund", [line])]))
    assert "2 to check on the form" in text
    assert "problem" not in text
    both = _line(3, problems=1, to_check=1, organisation="Acme", project="P")
    text = all_text(open_bids_message([("Safer in Kent Fund", [both])]))
    assert "1 problem, 1 to check on the form" in text
