"""Issue #20: a problem's question is said once, and answers keep their line breaks,
in the card, the console card, the acknowledgement, `intake show` and the panel pack."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from intake.bids.problem_words import problem_texts
from intake.bids.reports import bid_text
from intake.config.load import load_config
from intake.rules.checks import judge
from notifier.ack import acknowledgement_text
from notifier.cards import console_card, triage_card
from notifier.model import Acknowledgement, ProblemLine
from notifier.text import kept_lines, labelled
from parsers.model import Answer, Source
from tests.notifier.notifier_samples import BID

PHONE = "Telephone No"


def test_a_question_is_said_once_also_for_problems_stored_with_the_old_wording() -> None:
    assert labelled(PHONE, "Please answer this question.") == (
        '"Telephone No": Please answer this question.'
    )
    # Stored before messages stopped naming their question: not labelled twice.
    assert labelled(PHONE, "Please answer 'Telephone No'.") == "Please answer 'Telephone No'."
    assert labelled("Email:", "'Email': we could not read \"x\"; …") == (
        "'Email': we could not read \"x\"; …"
    )
    # A message that only mentions the question's words is still labelled.
    assert labelled("Registration number", "Charities must give their registration number.") == (
        '"Registration number": Charities must give their registration number.'
    )
    assert labelled(None, "Received late.") == "Received late."


def test_the_rules_messages_do_not_name_their_question() -> None:
    config = load_config()
    form = config.form("kent-funding-application")
    fund = config.fund("safer-in-kent")
    place = Source(kind="table-cell", location="table 1, row 9")
    answers = {
        "contact_email": Answer("contact_email", "not an address", None, place, error="not one")
    }
    judged = judge(
        form=form,
        fund=fund,
        office=config.office(fund.office),
        answers=answers,
        received_at=datetime(2027, 4, 15, 9, tzinfo=UTC),
    )
    for problem in judged.problems:
        if problem.field is None:
            continue
        label = form.field(problem.field).label.rstrip(":?").strip()
        assert f"'{label}" not in problem.message, problem.message
    texts = problem_texts(config, form.id, [p.model_dump() for p in judged.problems])
    invalid = next(t for t in texts if "could not read" in t)
    label = form.field("contact_email").label
    assert invalid.count(label.rstrip(":?").strip()) == 1
    assert invalid.startswith(f'"{label}": We could not read "not an address"')


def _views(problem: ProblemLine) -> dict[str, str]:
    bid = replace(BID, problems=(problem,))
    card = triage_card(bid)
    ack = Acknowledgement(
        bid=bid,
        to="jo@example.org",
        from_addr="grants@example.org",
        their_subject="Our bid",
        their_message_id="<a@example.org>",
        their_references=(),
        message_id="<ack@example.org>",
    )
    return {
        "card": "\n".join(str(b) for b in card["blocks"]),
        "console": console_card(bid),
        "ack": acknowledgement_text(ack, now=datetime(2027, 5, 4, 14, tzinfo=UTC)),
    }


def test_card_console_and_acknowledgement_say_the_question_once() -> None:
    for old in ("Please answer 'Telephone No'.", "Please answer this question."):
        views = _views(
            ProblemLine(field="contact_phone", question=PHONE, code="missing", message=old)
        )
        for name, text in views.items():
            assert " ".join(text.split()).count(PHONE) == 1, (name, text)


def test_line_breaks_inside_answers_survive_in_card_and_console() -> None:
    bid = replace(BID, project="Street Mentors\n  Phase two\n\nEvenings")
    card = triage_card(bid)
    fields = [f["text"] for b in card["blocks"] for f in b.get("fields") or []]
    assert "*Project*\nStreet Mentors\nPhase two\nEvenings" in fields
    console = console_card(bid)
    assert (
        "│ Project       Street Mentors\n│               Phase two\n│               Evenings"
        in (console)
    )
    assert kept_lines("a \x1b[2J b\r\nc") == "a [2J b\nc"


def test_show_keeps_an_answers_line_breaks_and_labels_its_problems() -> None:
    bid = {
        "ref": "KENT-2027-0001",
        "version": 1,
        "fund": "safer-in-kent",
        "round": None,
        "status": "incomplete",
        "received_at": "2027-04-15T09:00:00+00:00",
        "applicant": "jo@example.org",
        "file": "form.docx",
        "fields": {"budget_breakdown": "Staff £6,000\nVenue £2,000\nTravel £1,500"},
        "problems": [{"field": "contact_phone", "code": "missing", "message": "Please answer."}],
    }
    text = bid_text(bid, problems=['"Telephone No": Please answer.'])
    assert "    Staff £6,000\n    Venue £2,000\n    Travel £1,500" in text
    assert '  - [missing] "Telephone No": Please answer.' in text
    brief = bid_text(bid, brief=True)
    assert "  budget_breakdown: Staff £6,000 Venue £2,000 Travel £1,500" in brief
