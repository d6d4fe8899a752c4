"""Forms as applicants really send them (issue #17): the published tick grid, details in
tick cells, forms with no tables, and the rule that an answer the reader cannot place is
checked by an officer, never reported to the applicant as missing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from fixtures.corpus_docx import cell, formcheckbox, package, para, row, run, sdt_checkbox, table
from intake.config.load import load_config
from intake.rules.checks import judge
from parsers import FormSpec, parse_document

RECEIVED = datetime.fromisoformat("2027-04-15T10:00:00+01:00")
FULL = 9000

ANSWERS = {
    "Name of Organisation:": "Medway Youth Trust",
    "What are the aims and objectives of your organisation?": "We mentor young people.",
    "Is this a partnership bid? Y/N": "No",
    "Name:": "Jo Bloggs",
    "Address:": "1 High Street\nChatham\nME4 4AA",
    "Telephone No:": "01634 000000",
    "Email:": "jo@medwayyouth.org.uk",
    "Position in organisation:": "Director",
    "Name of the project / service?": "Safe Streets",
    "Proposed start date of project / service?": "1st July 2027",
    "Proposed duration of project / service?": "12 months",
    "Give an outline of your project / service (maximum 500 words)": "Evening sessions.",
    "Where will the project / service be located?": "Chatham",
    "What research has been undertaken to identify the need for this project / service?": (
        "Police data."
    ),
    "Please list the outcome measures you will use to identify whether this project / "
    "service has been successful": "Attendance.",
    "Total cost of project?": "£12,000",
    "How much are you requesting through this funding application?": (
        "£9,500.00 (nine thousand five hundred)"
    ),
    "If this amount is different to the total cost of the project please highlight how the "
    "remaining monies will be funded": "Our reserves.",
    "Is this grant for a new project / service or to support/extend existing work?": "New",
    "How will the grant be spent?": "Staff: £6,000\nVenue: £3,500",
    "Please describe how the project / service will be sustained beyond the period of the "
    "requested funding": "Local fundraising.",
    "If you do not receive the full amount of funding requested how will this impact on the "
    "delivery of the project / service?": "Fewer sessions.",
}
ORG_TYPES = [
    "Registered charity (please provide registration number):",
    "Community Safety Partnership",
    "Local Authority",
    "Criminal Justice Organisation",
    "Voluntary or community organisation/group",
    "Social Enterprise",
    "Company limited by guarantee (please describe & give your registration number)",
    "Other (please define)",
]
CRITERIA = [
    "Empower and support local communities to work towards preventing and or reducing crime "
    "and ASB",
    "Prevent and reduce re-offending",
    "Enable partnership working (including cross border)",
]
PRIORITIES = ["Support victims of crime and abuse", "Fight crime, ASB and reduce re-offending"]


def _text_cell(text: str, width: int = 5400) -> str:
    return cell("".join(para(run(line)) for line in text.split("\n")), width=width)


def _span(text: str, *, bold: bool = False) -> str:
    return row(cell(para(run(text, bold=bold)), width=FULL, span=2))


def _tick(style: str, on: bool, n: int) -> str:
    if style == "glyph":
        return run("☒" if on else "☐", font="MS Gothic")
    if style == "legacy":
        return formcheckbox(f"Check{n}", on)
    if style == "control":
        return sdt_checkbox(f"box{n}", on)
    if style == "x":
        return run("X") if on else ""
    return run("Yes" if on else "No")


def kent_grid(
    style: str = "glyph",
    *,
    org: int = 0,
    detail: str = "1167425",
    drop: tuple[str, ...] = (),
    blank: tuple[str, ...] = (),
) -> bytes:
    """The published Kent form: question rows, option rows with the tick in cell 2."""
    rows = [_span("A: Details About Your Organisation", bold=True)]
    labels = list(ANSWERS)
    for label in labels[:2]:
        rows.append(row(_text_cell(label, 3600), _text_cell(ANSWERS[label])))
    rows.append(_span("Please tick the type of organisation that best defines you"))
    for i, words in enumerate(ORG_TYPES):
        mark = _tick(style, i == org, i)
        extra = run(" " + detail) if i == org and detail else ""
        rows.append(row(_text_cell(words, 6000), cell(para(mark + extra), width=3000)))
    for label in labels[2:]:
        if label.startswith("Name of the project"):
            rows.append(_span("B: Project / Service Details", bold=True))
        if label.startswith("Give an outline"):
            rows.append(_span("Which of the following criteria does your project set to achieve?"))
            rows.append(_span("Safer in Kent Fund criteria", bold=True))
            for i, words in enumerate(CRITERIA):
                rows.append(
                    row(
                        _text_cell(words, 6000),
                        cell(para(_tick(style, i == 1, 20 + i)), width=3000),
                    )
                )
            rows.append(_span("Police and Crime Plan priorities", bold=True))
            for i, words in enumerate(PRIORITIES):
                rows.append(
                    row(
                        _text_cell(words, 6000),
                        cell(para(_tick(style, i == 0, 30 + i)), width=3000),
                    )
                )
        if label in drop:
            continue
        answer = "" if label in blank else ANSWERS[label]
        rows.append(row(_text_cell(label, 3600), _text_cell(answer)))
    return package(table(rows, [6000, 3000]))


@pytest.fixture(scope="module")
def judged(kent: FormSpec) -> Any:
    config = load_config()
    fund = config.fund("safer-in-kent")
    form, office = config.form(fund.form), config.office(fund.office)

    def run_(data: bytes) -> Any:
        parsed = parse_document(data, kent)
        judgement = judge(
            form=form, fund=fund, office=office, answers=parsed.answers, received_at=RECEIVED
        )
        return parsed, judgement

    return run_


@pytest.mark.parametrize("style", ["glyph", "legacy", "control", "x", "yes"])
def test_the_published_tick_grid_is_read_whatever_the_tick(style: str, judged: Any) -> None:
    _parsed, judgement = judged(kent_grid(style, org=0))

    assert judgement.fields["organisation_type"] == "registered_charity"
    assert judgement.fields["registration_number"] == "1167425"
    assert judgement.fields["criteria"] == ["reduce_reoffending"]
    assert judgement.fields["priorities"] == ["support_victims"]
    assert judgement.status == "complete", judgement.problems


def test_a_sub_heading_row_is_never_taken_for_an_answer(judged: Any) -> None:
    _parsed, judgement = judged(kent_grid("glyph", org=2, detail=""))

    assert judgement.fields["organisation_type"] == "local_authority"
    assert "Safer in Kent Fund criteria" not in str(judgement.fields)
    assert not [p for p in judgement.problems if p.code == "invalid"]


def test_the_definition_beside_other_answers_the_other_question(judged: Any) -> None:
    _parsed, judgement = judged(kent_grid("glyph", org=7, detail="Parish council"))

    assert judgement.fields["organisation_type"] == "other"
    assert judgement.fields["organisation_type_other"] == "Parish council"
    assert judgement.status == "complete"


def test_a_tick_with_no_registration_number_beside_it_is_missing(judged: Any) -> None:
    _parsed, judgement = judged(kent_grid("glyph", org=0, detail=""))

    assert ("registration_number", "missing") in {(p.field, p.code) for p in judgement.problems}


def test_a_blank_answer_is_missing_and_a_question_not_found_is_for_an_officer(
    judged: Any,
) -> None:
    location = "Where will the project / service be located?"
    duration = "Proposed duration of project / service?"
    _parsed, judgement = judged(kent_grid(drop=(location,), blank=(duration,)))
    codes = {(p.field, p.code) for p in judgement.problems}

    assert ("duration", "missing") in codes
    assert ("location", "unsure") in codes
    assert ("location", "missing") not in codes
    assert judgement.status == "incomplete"  # for the duration only


def test_a_bid_whose_only_doubt_is_unsure_is_complete(judged: Any) -> None:
    _parsed, judgement = judged(kent_grid(drop=("Where will the project / service be located?",)))

    assert [p.code for p in judgement.problems] == ["unsure"]
    assert judgement.status == "complete"


def test_a_tick_beside_words_that_are_no_option_is_checked_not_missing(judged: Any) -> None:
    rows = [row(_text_cell(label, 3600), _text_cell(answer)) for label, answer in ANSWERS.items()]
    rows.insert(
        2,
        row(
            _text_cell("Please tick the type of organisation that best defines you", 3600),
            cell(para(_tick("glyph", True, 1) + run(" Parochial church council")), width=5400),
        ),
    )
    _parsed, judgement = judged(package(table(rows, [3600, 5400])))
    codes = {(p.field, p.code) for p in judgement.problems}

    assert ("organisation_type", "unsure") in codes
    assert ("organisation_type", "missing") not in codes


def test_amounts_and_dates_as_people_write_them(judged: Any) -> None:
    _parsed, judgement = judged(kent_grid())

    assert judgement.fields["amount_requested"] == "9500.00"
    assert judgement.fields["total_cost"] == "12000.00"
    assert judgement.fields["start_date"] == "2027-07-01"


def paragraph_form(answers: dict[str, str], *, declaration: bool = True) -> bytes:
    body = para(run("Funding application"), style="Title")
    for label, answer in answers.items():
        body += para(run(label, bold=True))
        for line in answer.split("\n"):
            if line.startswith("• "):
                body += para(run(line[2:]), style="ListBullet")
            else:
                body += para(run(line))
    if declaration:
        body += para(run("Declaration", bold=True))
        body += para(run("I confirm that the information in this application is correct."))
        body += para(run("Signed: Jo Bloggs"))
        body += para(run("Date: 12/04/2027"))
    return package(body)


def test_a_form_with_no_tables_stops_each_answer_at_the_next_question(judged: Any) -> None:
    answers = dict(ANSWERS)
    answers["Please tick the type of organisation that best defines you"] = "☒ Local Authority"
    # An extra question the form does not have: its words belong to no answer.
    answers["Q12. What is your favourite colour?"] = "Blue"
    answers["How will the grant be spent?"] = "• Staff: £6,000\n• Venue: £3,500"
    answers[
        "If you do not receive the full amount of funding requested how will this "
        "impact on the delivery of the project / service?"
    ] = "Fewer sessions."
    _parsed, judgement = judged(paragraph_form(answers))
    fields = judgement.fields

    assert fields["budget_breakdown"] == "Staff: £6,000\nVenue: £3,500"  # its two lines kept
    assert fields["funding_impact"] == "Fewer sessions."  # not "... Declaration ... Signed"
    assert "Blue" not in str(fields)
    assert fields["organisation_type"] == "local_authority"
    assert judgement.status == "complete", judgement.problems


def test_retyped_numbered_and_reworded_questions_are_recognised(judged: Any) -> None:
    reworded = {
        "1. Organisation name": "Medway Youth Trust",
        "Q2 Aims and objectives:": "We mentor young people.",
        "3) Is this a joint bid?": "No",
        "Contact person:": "Jo Bloggs",
        "Postal address:": "1 High Street, Chatham",
        "Tel:": "01634 000000",
        "E-mail address:": "jo@medwayyouth.org.uk",
        "Job title:": "Director",
        "Q7 What will the project be called?": "Safe Streets",
        "Amount requested (£)": "5k",
    }
    _parsed, judgement = judged(paragraph_form(reworded, declaration=False))
    fields = judgement.fields

    assert fields["organisation_name"] == "Medway Youth Trust"
    assert fields["partnership_bid"] is False
    assert fields["contact_name"] == "Jo Bloggs"
    assert fields["contact_email"] == "jo@medwayyouth.org.uk"
    assert fields["amount_requested"] == "5000.00"


@pytest.mark.parametrize("written", ["N/A", "n/a", "NIA", "N / A", "N|A"])
def test_not_applicable_reads_the_same_however_ocr_or_people_write_it(
    written: str, kent: FormSpec
) -> None:
    from parsers.answers import read_text_value
    from parsers.model import Source

    spec = kent.field("previous_funding")
    answer = read_text_value(spec, written, Source("ocr", "page 1"))

    assert answer is not None and answer.value == "N/A"
