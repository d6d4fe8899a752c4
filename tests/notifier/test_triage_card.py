"""The triage card officers see in Slack: complete, safe and within Slack's limits."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from notifier.cards import console_card, thread_line, triage_card
from notifier.model import BidSummary, CheckLine, ProblemLine
from tests.slack_api_server import block_kit_problems

EVIL_PROJECT = "<!channel> <https://evil.example/login|Apply here> <@U0ADMIN1> & co"
TEN_KB = "Lorem ipsum & <dolor> sit amet. " * 320  # ~10 KB, with entities to cut around

MakeBid = Callable[..., BidSummary]


def all_text(card: dict[str, Any]) -> str:
    """Every string a card sends to Slack, joined: what escaping must cover."""
    return json.dumps(card, ensure_ascii=False)


def fields(card: dict[str, Any]) -> dict[str, str]:
    """The card's summary fields as {label: value}."""
    out = {}
    for block in card["blocks"]:
        for item in block.get("fields", []):
            label, _, value = item["text"].partition("\n")
            out[label.strip("*")] = value
    return out


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def problem_text(card: dict[str, Any]) -> str:
    sections = [b for b in card["blocks"] if b["type"] == "section" and "text" in b]
    return "\n".join(b["text"]["text"] for b in sections)


def test_card_shows_what_an_officer_needs_to_triage(make_bid: MakeBid) -> None:
    card = triage_card(make_bid())

    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    header = card["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == "SIK-2027-0042 · Medway Youth Trust"
    shown = fields(card)
    assert shown["Organisation"] == "Medway Youth Trust"
    assert shown["Project"] == "Street Mentors"
    assert shown["Fund"] == "Safer in Kent Fund (Round 1 2027/28)"
    assert shown["Amount requested"] == "£9,500.00 of £10,000.00 cap"
    assert shown["Total cost"] == "£12,000.00"
    assert shown["Status"] == ":warning: Incomplete"
    assert shown["Contact"] == "Jo Bloggs"
    assert shown["Attachments"] == "application.docx, budget.xlsx"
    assert "SIK-2027-0042" in card["text"]
    assert "Medway Youth Trust" in card["text"]


def test_received_time_is_shown_in_the_offices_time_zone(make_bid: MakeBid) -> None:
    summer = triage_card(make_bid(received_at=datetime(2027, 5, 4, 13, 5, tzinfo=UTC)))
    winter = triage_card(make_bid(received_at=datetime(2027, 1, 4, 13, 5, tzinfo=UTC)))
    assert fields(summer)["Received"] == "Tue 4 May 2027, 14:05 BST"
    assert fields(winter)["Received"] == "Mon 4 Jan 2027, 13:05 GMT"


def test_every_problem_is_listed_with_the_forms_question(make_bid: MakeBid) -> None:
    text = problem_text(triage_card(make_bid()))
    assert "*2 problems to resolve*" in text
    assert (
        "• “What are the aims and objectives of your organisation?”: "
        "This question is not answered." in text
    )
    assert "Your answer has 612 words; the limit is 500." in text


def test_a_whole_bid_problem_reads_without_a_question(make_bid: MakeBid) -> None:
    late = ProblemLine(None, None, "late", "It arrived after the round closed on 30 May 2027.")
    text = problem_text(triage_card(make_bid(status="ineligible", problems=(late,))))
    assert "• It arrived after the round closed on 30 May 2027." in text


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("complete", ":white_check_mark: Complete"),
        ("incomplete", ":warning: Incomplete"),
        ("ineligible", ":no_entry: Ineligible under the fund's rules"),
        ("unreadable", ":grey_question: Form could not be read"),
    ],
)
def test_status_has_an_emoji_and_words(make_bid: MakeBid, status: str, shown: str) -> None:
    assert fields(triage_card(make_bid(status=status)))["Status"] == shown


def test_a_project_called_channel_pings_nobody_and_links_nowhere(make_bid: MakeBid) -> None:
    card = triage_card(
        make_bid(
            organisation=EVIL_PROJECT,
            project=EVIL_PROJECT,
            contact_name="<!here>",
            attachments=("<!everyone>.docx",),
            problems=(ProblemLine("project_name", "<!channel>", "invalid", EVIL_PROJECT),),
            decision="not eligible: <!channel>",
        )
    )
    sent = all_text(card)
    for threat in ("<!channel>", "<!here>", "<!everyone>", "<https://", "<@U0ADMIN1>"):
        assert threat not in sent
    assert fields(card)["Project"] == (
        "&lt;!channel&gt; &lt;https://evil.example/login|Apply here&gt; &lt;@U0ADMIN1&gt; &amp; co"
    )
    assert "&lt;!channel&gt;" in card["text"]
    assert block_kit_problems(card["blocks"], text=card["text"]) == []


def test_the_assigned_officer_is_mentioned_but_a_fake_id_is_not(make_bid: MakeBid) -> None:
    assert fields(triage_card(make_bid(assigned_to="U0OFFICER")))["Assigned to"] == "<@U0OFFICER>"
    forged = fields(triage_card(make_bid(assigned_to="U1> <!channel")))["Assigned to"]
    assert "<" not in forged


def test_decision_and_score_appear_once_given(make_bid: MakeBid) -> None:
    shown = fields(triage_card(make_bid(decision="eligible", score=42)))
    assert shown["Decision"] == "eligible"
    assert shown["Score"] == "42"
    assert "Decision" not in fields(triage_card(make_bid()))


def test_ten_kilobyte_answers_are_cut_within_slacks_limits(make_bid: MakeBid) -> None:
    card = triage_card(
        make_bid(
            organisation=TEN_KB,
            project=TEN_KB,
            contact_name=TEN_KB,
            fund_name=TEN_KB,
            round_name=TEN_KB,
            amount_requested=TEN_KB,
            amount_cap=TEN_KB,
            total_cost=TEN_KB,
            attachments=(TEN_KB, TEN_KB),
            office_name=TEN_KB,
            decision=TEN_KB,
            problems=tuple(ProblemLine(f"f{i}", TEN_KB, "invalid", TEN_KB) for i in range(5)),
        )
    )
    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    assert len(card["blocks"][0]["text"]["text"]) <= 150
    assert fields(card)["Project"].endswith("…")
    # Cut text never ends in half an entity such as "&am".
    for value in fields(card).values():
        assert not re.search(r"&[A-Za-z0-9#]*$", value.removesuffix("…"))


def test_a_long_problem_list_is_split_then_cut_with_a_count(make_bid: MakeBid) -> None:
    problems = tuple(
        ProblemLine(f"field_{i}", f"Question {i} " + "x" * 300, "missing", "Not answered.")
        for i in range(1000)
    )
    card = triage_card(make_bid(problems=problems))

    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    assert len(card["blocks"]) == 50
    text = problem_text(card)
    shown = text.count("• ")
    more = text.rsplit("… and ", 1)[1].removesuffix(" more")
    assert shown + int(more) == 1000
    # The buttons survive even when problems fill the card.
    assert card["blocks"][-1]["type"] == "actions"


def test_a_few_hundred_problems_are_all_shown_over_several_sections(make_bid: MakeBid) -> None:
    problems = tuple(
        ProblemLine(f"field_{i}", f"Question {i}", "missing", "Not answered.") for i in range(300)
    )
    card = triage_card(make_bid(problems=problems))
    sections = [b for b in card["blocks"] if b["type"] == "section" and "text" in b]
    assert len(sections) > 1
    assert problem_text(card).count("• ") == 300
    assert "more" not in problem_text(card)
    assert block_kit_problems(card["blocks"], text=card["text"]) == []


def test_buttons_carry_the_reference_and_request_info_needs_problems(make_bid: MakeBid) -> None:
    with_problems = buttons(triage_card(make_bid()))
    assert [b["action_id"] for b in with_problems] == [
        "assign_to_me",
        "request_info",
        "mark_eligible",
        "mark_ineligible",
        "score",
        "reply",
    ]
    assert {b["value"] for b in with_problems} == {"SIK-2027-0042"}

    complete = triage_card(make_bid(status="complete", problems=()))
    assert "request_info" not in [b["action_id"] for b in buttons(complete)]
    assert "No problems found" in problem_text(complete)


def test_reference_and_version_are_in_the_context_line(make_bid: MakeBid) -> None:
    card = triage_card(make_bid(version=3))
    context = next(b for b in card["blocks"] if b["type"] == "context")
    assert context["elements"][0]["text"] == (
        "Ref *SIK-2027-0042* · version 3 · Kent OPCC Commissioning"
    )


def test_missing_answers_say_not_given(make_bid: MakeBid) -> None:
    card = triage_card(
        make_bid(organisation=None, project=None, amount_requested=None, contact_name=None)
    )
    assert fields(card)["Project"] == "_not given_"
    assert fields(card)["Amount requested"] == "_not given_"
    assert card["blocks"][0]["text"]["text"] == "SIK-2027-0042 · Organisation not given"
    assert block_kit_problems(card["blocks"], text=card["text"]) == []


def test_thread_line_is_escaped_and_can_name_the_officer() -> None:
    line = thread_line("Version 2 received from <!channel>: 1 problem left", by="U0OFFICER")
    assert line["blocks"][0]["text"]["text"] == (
        "<@U0OFFICER> Version 2 received from &lt;!channel&gt;: 1 problem left"
    )
    assert "<!channel>" not in all_text(line)
    assert block_kit_problems(line["blocks"], text=line["text"]) == []


def test_console_card_lists_fields_and_problems(make_bid: MakeBid) -> None:
    text = console_card(make_bid())
    lines = text.splitlines()
    assert lines[0].startswith("┌─ SIK-2027-0042 · Medway Youth Trust")
    assert "│ Amount        £9,500.00 of £10,000.00 cap" in lines
    assert "│ Received      Tue 4 May 2027, 14:05 BST" in lines
    assert "│ 2 problems:" in lines
    assert any(line.startswith("│  • “What are the aims") for line in lines)
    assert all(len(line) <= 78 for line in lines)


def test_console_card_strips_terminal_escape_sequences(make_bid: MakeBid) -> None:
    text = console_card(make_bid(project="Street\x1b[2J\x1b[31m Mentors\x07", organisation="A\rB"))
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\r" not in text


def test_console_card_keeps_huge_answers_short(make_bid: MakeBid) -> None:
    text = console_card(make_bid(project=TEN_KB, office_name=TEN_KB))
    assert len(text) < 3000
    assert all(len(line) <= 78 for line in text.splitlines())


def test_answers_read_with_doubt_are_listed_for_an_officer_to_check(make_bid: MakeBid) -> None:
    doubtful = (
        CheckLine("contact_email", "E-mail address", "read by OCR with low confidence (41%)"),
        CheckLine("organisation_name", None, "matched to the question loosely"),
    )
    card = triage_card(make_bid(to_check=doubtful))
    text = all_text(card)
    assert "*2 answers to check against the form*" in text
    assert "“E-mail address”: read by OCR with low confidence (41%)" in text
    assert "“organisation_name”: matched to the question loosely" in text
    assert card["blocks"][-1]["type"] == "actions"
    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    assert "to check" not in all_text(triage_card(make_bid()))

    console = console_card(make_bid(to_check=doubtful))
    assert "│ 2 answers to check against the form:" in console.splitlines()
    assert "│  ? “E-mail address”: read by OCR with low confidence (41%)" in console.splitlines()


def test_a_card_full_of_problems_still_shows_what_to_check(make_bid: MakeBid) -> None:
    problems = tuple(
        ProblemLine(f"field_{i}", f"Question {i} " + "x" * 300, "missing", "Not answered.")
        for i in range(1000)
    )
    doubtful = tuple(CheckLine(f"f{i}", f"Question {i} " + "y" * 300, "unsure") for i in range(60))
    card = triage_card(make_bid(problems=problems, to_check=doubtful))
    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    assert len(card["blocks"]) == 50
    assert "60 answers to check" in all_text(card)
    assert "… and " in card["blocks"][-3]["text"]["text"]
