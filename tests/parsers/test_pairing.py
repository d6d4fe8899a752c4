"""Where a question stands on the form decides what an empty answer space means.

An applicant is told an answer is missing only when the reader saw the question
and its empty answer space; a question it could not place is checked by an
officer instead (``docs/parsing.md``). These forms are label | answer tables and
paragraphs written in the test, each with most of the Kent form's questions so
that it is clearly the form.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from fixtures.corpus_docx import cell, package, para, row, run, table, tick_para
from parsers import FormSpec, parse_document
from parsers.blocks import Cell, Control, Line, Table, Tick
from parsers.model import Answer
from parsers.pairing import read_answers, settle

ORGANISATION = [
    ("Name of Organisation", "Medway Youth Trust"),
    ("What are the aims and objectives of your organisation?", "Youth work in Medway."),
]
CONTACT = [
    ("Name", "Sarah Okafor"),
    ("Address", "1 High Street, Chatham, ME4 4AA"),
    ("Telephone No", "01634 000000"),
    ("Email", "sarah@example.org"),
    ("Website", "www.example.org"),
]
PROJECT = [
    ("Name of the project / service", "Safe Streets"),
    ("Proposed start date of project / service", "1 July 2027"),
    ("Proposed duration of project / service", "12 months"),
    ("Where will the project / service be located?", "Chatham"),
    ("Total cost of project?", "£9,000"),
    ("How much are you requesting through this funding application?", "£9,000"),
    ("How will the grant be spent?", "Staff costs: £9,000"),
]


def _table(pairs: list[tuple[str, str]], ticks: str = "") -> bytes:
    rows = [
        row(
            cell(para(run(label)), width=3000),
            cell(para(run(answer)) if answer else "", width=6000),
        )
        for label, answer in pairs
    ]
    if ticks:
        rows.insert(
            2,
            row(
                cell(
                    para(run("Please tick the type of organisation that best defines you")),
                    width=3000,
                ),
                cell(ticks, width=6000),
            ),
        )
    return package(table(rows, (3000, 6000)))


def _answers(data: bytes, kent: FormSpec) -> dict[str, Answer]:
    return parse_document(data, kent).answers


def _told_missing(answers: dict[str, Answer], field: str) -> bool:
    """What the checks make ``missing`` (told to the applicant): no answer at all."""
    return field not in answers


def _checked_by_an_officer(answers: dict[str, Answer], field: str) -> bool:
    """What the checks make ``unsure``: an answer that could not be placed."""
    return field in answers and not answers[field].placed


def test_a_reworded_question_left_blank_where_the_form_asks_it_is_missing(kent: FormSpec) -> None:
    # "Position held:" is no label the form knows; it is recognised by its words only.
    # Its answer cell is empty and it stands between "Website" and the project's name.
    data = _table([*ORGANISATION, *CONTACT, ("Position held:", ""), *PROJECT])
    assert _told_missing(_answers(data, kent), "contact_position")


def test_a_reworded_question_left_blank_out_of_its_place_is_checked_by_an_officer(
    kent: FormSpec,
) -> None:
    # The same label and empty cell among the project's questions: not where the
    # form asks for a position, so the reader is not sure it is that question.
    data = _table([*ORGANISATION, *CONTACT, *PROJECT[:3], ("Position held:", ""), *PROJECT[3:]])
    assert _checked_by_an_officer(_answers(data, kent), "contact_position")


def test_a_blank_beside_an_unrecognised_question_is_checked_by_an_officer(kent: FormSpec) -> None:
    # Between "Website" and the project's name stand two questions: the loosely
    # recognised one, empty, and one the reader cannot tie to any question, answered.
    # That answer may be the position: the applicant is not told it is missing.
    pairs = [*CONTACT, ("Position held:", ""), ("What you do in the group", "Director")]
    data = _table([*ORGANISATION, *pairs, *PROJECT])
    assert _checked_by_an_officer(_answers(data, kent), "contact_position")


def test_a_detail_asked_beside_a_tick_and_left_blank_is_missing(kent: FormSpec) -> None:
    ticks = tick_para(False, "Registered charity (please provide registration number)")
    ticks += tick_para(True, "Other (please define)")
    data = _table([*ORGANISATION, *CONTACT, ("Position in organisation", "Chair"), *PROJECT], ticks)
    answers = _answers(data, kent)
    assert answers["organisation_type"].value == "other"
    assert _told_missing(answers, "organisation_type_other")


def test_a_detail_asked_again_by_a_question_the_reader_cannot_place_is_not_missing(
    kent: FormSpec,
) -> None:
    # "Other (please define)" ticked with nothing beside it, but the form goes on to
    # ask for the definition in words the reader does not know, answered there.
    ticks = tick_para(False, "Registered charity (please provide registration number)")
    ticks += tick_para(True, "Other (please define)")
    pairs = [("What kind of body are you?", "Parish council"), *CONTACT]
    data = _table([*ORGANISATION, *pairs, ("Position in organisation", "Chair"), *PROJECT], ticks)
    answers = _answers(data, kent)
    assert not _told_missing(answers, "organisation_type_other")
    assert _checked_by_an_officer(answers, "organisation_type_other")


def test_a_detail_asked_again_as_if_other_is_read_there(kent: FormSpec) -> None:
    # "If Other, please describe your organisation" asks what "Other (please define)"
    # asks: its answer is the definition, flagged since the words are not the form's.
    ticks = tick_para(False, "Registered charity (please provide registration number)")
    ticks += tick_para(True, "Other (please define)")
    pairs = [("If Other, please describe your organisation", "Parish council"), *CONTACT]
    data = _table([*ORGANISATION, *pairs, ("Position in organisation", "Chair"), *PROJECT], ticks)
    answer = _answers(data, kent)["organisation_type_other"]
    assert answer.value == "Parish council"
    assert answer.flagged


def test_answers_typed_after_reworded_labels_in_their_cells_are_read(kent: FormSpec) -> None:
    # The label cell holds the question and, after its colon, the answer; the cell
    # beside it is empty. A reworded label and a long answer make a long line.
    plan = "We will hand the sessions to the parish council. " * 4
    pairs = [
        ("4) Registration no.: 1096377", ""),
        ("14) Project title / name: Open Doors 2027", ""),
        (f"29) Sustainability plan: {plan.strip()}", ""),
    ]
    data = _table([*ORGANISATION, *CONTACT, *pairs, *PROJECT])
    answers = _answers(data, kent)
    assert answers["registration_number"].value == "1096377"
    assert answers["project_name"].value == "Open Doors 2027"
    assert answers["sustainability"].value == plan.strip()


def _paragraph_form(*questions: tuple[str, list[str]], bold: bool = True) -> bytes:
    body = ""
    for label, lines in questions:
        body += para(run(label, bold=bold))
        body += "".join(para(run(line)) for line in lines)
    return package(body)


def test_an_answer_line_worded_like_a_later_question_stays_in_its_answer(kent: FormSpec) -> None:
    # "Staff costs make up most of the budget" shares its words with the budget
    # question, which the form asks nine questions later: it is the outline's line.
    pairs = [(label, [answer]) for label, answer in ORGANISATION + CONTACT + PROJECT[:3]]
    outline = ["Mentoring for young people", "Staff costs make up most of the budget"]
    data = _paragraph_form(
        *pairs,
        ("Describe your project", outline),
        *[(label, [answer]) for label, answer in PROJECT[3:]],
    )
    answers = _answers(data, kent)
    assert answers["project_outline"].value == "\n".join(outline)
    assert answers["budget_breakdown"].value == "Staff costs: £9,000"


def test_a_section_letter_and_number_without_a_dot_starts_the_next_question(
    kent: FormSpec,
) -> None:
    # "B22 Other funding …" (no dot after the number, not bold: a PDF's text), a
    # question worded past the known labels, follows an amount written on its
    # question's own line.
    pairs = [(label, [answer]) for label, answer in ORGANISATION + CONTACT + PROJECT[:5]]
    data = _paragraph_form(
        *pairs,
        ("B21 How much are you requesting through this funding application? £8,500", []),
        ("B22 Other funding for the rest of the project", []),
        ("B23 How will the grant be spent?", ["Staff costs: £8,500"]),
        bold=False,
    )
    answers = _answers(data, kent)
    assert answers["amount_requested"].value == "8500.00"


def test_a_reworded_question_left_blank_before_the_next_section_is_missing(
    kent: FormSpec,
) -> None:
    # Paragraphs: "Q11 Position held", then the heading of section B, nothing between.
    def paras(pairs: list[tuple[str, str]]) -> str:
        return "".join(para(run(label)) + para(run(answer)) for label, answer in pairs)

    body = paras(ORGANISATION + CONTACT) + para(run("Q11 Position held"))
    body += para(run("B: Project / Service Details"), style="Heading1") + paras(PROJECT)
    assert _told_missing(_answers(package(body), kent), "contact_position")


def test_an_answer_typed_after_its_label_in_the_labels_own_cell_is_read(kent: FormSpec) -> None:
    # Reworded labels recognised by their words, the answer typed after a colon or a
    # question mark in the label's cell, the answer cell left empty.
    pairs = [
        ("7. Full postal address: 54 Station Road, Medway", ""),
        ("2. What are your organisation's aims? We mentor young people.", ""),
        ("Is this a partnership bid? Y/N", "No"),  # the label's own "Y/N" is no answer
    ]
    answers = _answers(_table([*ORGANISATION[:1], *pairs, *CONTACT[:1], *PROJECT]), kent)
    assert answers["contact_address"].value == "54 Station Road, Medway"
    assert answers["organisation_aims"].value == "We mentor young people."
    assert answers["partnership_bid"].value is False


def test_a_numbered_label_is_not_taken_for_a_hint_naming_another_question(
    kent: FormSpec,
) -> None:
    # "1. Full name of organisation": the "1." is numbering, not the end of a question
    # whose hint would name "Name of organisation" as a second question left blank.
    pairs = [("1. Full name of organisation", "Dartford Mentoring Project"), *ORGANISATION[1:]]
    answers = _answers(_table([*pairs, *CONTACT, *PROJECT]), kent)
    assert not _told_missing(answers, "organisation_name")


def test_an_unrecognised_question_under_a_heading_is_not_its_answer(kent: FormSpec) -> None:
    # Label above answer: the section's heading (loosely like "Name"), then a question
    # the reader does not know, "Q8. Main contact:", then its answer. The question's
    # words are nobody's answer.
    def above(label: str, answer: str) -> list[str]:
        return [
            row(cell(para(run(label)), width=9000, span=2)),
            row(cell(para(run(answer)), width=9000, span=2)),
        ]

    rows = [r for label, answer in ORGANISATION for r in above(label, answer)]
    rows.append(
        row(cell(para(run("Name and address of project / service lead:")), width=9000, span=2))
    )
    rows += above("Q8. Main contact:", "Sarah Okafor")
    rows += [r for label, answer in CONTACT[1:] + PROJECT for r in above(label, answer)]
    answers = _answers(package(table(rows, (3000, 6000))), kent)
    assert answers["contact_name"].value != "Q8. Main contact:"
    assert not _told_missing(answers, "contact_name")


def test_a_hint_on_the_labels_line_is_not_the_answer(kent: FormSpec) -> None:
    # A PDF joins an italic hint in lower case to its label's line; the answer cell is empty.
    pairs = [*PROJECT[:3], ("Q16. Summary of the project: maximum 500 words", ""), *PROJECT[3:]]
    answers = _answers(_table([*ORGANISATION, *CONTACT, *pairs]), kent)
    outline = answers.get("project_outline")
    assert outline is None or outline.value is None


def test_a_tick_list_under_a_label_we_do_not_know_is_known_by_its_options(
    kent: FormSpec,
) -> None:
    ticks = tick_para(False, "Registered charity (please provide registration number)")
    ticks += tick_para(True, "Local Authority")
    ticks += tick_para(False, "Social Enterprise")
    rows = [
        row(cell(para(run("Legal status of your organisation")), width=9000, span=2)),
        row(cell(ticks, width=9000, span=2)),
    ]
    pairs = [*ORGANISATION, *CONTACT, *PROJECT]
    rows += [row(cell(para(run(a)), width=3000), cell(para(run(b)), width=6000)) for a, b in pairs]
    answers = _answers(package(table(rows, (3000, 6000))), kent)
    assert answers["organisation_type"].value == "local_authority"
    assert answers["organisation_type"].flagged  # an officer confirms it


def test_two_reworded_questions_left_blank_one_after_the_other_are_both_missing(
    kent: FormSpec,
) -> None:
    # Each stands where the form asks it; the first, once placed, is the second's
    # neighbour where its label stands.
    pairs = [
        ("How will the project be sustained?", ""),
        ("What if you receive less than you asked for?", ""),
    ]
    answers = _answers(_table([*ORGANISATION, *CONTACT, *PROJECT, *pairs]), kent)
    assert _told_missing(answers, "sustainability")
    assert _told_missing(answers, "funding_impact")


def test_a_label_row_straight_before_the_next_label_row_is_a_blank_answer(
    kent: FormSpec,
) -> None:
    # Label above answer, as a PDF shows it when the empty answer row has no height.
    rows = []
    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]:
        rows.append(row(cell(para(run(label)), width=9000, span=2)))
        if label != "Name of the project / service":
            rows.append(row(cell(para(run(answer)), width=9000, span=2)))
    answers = _answers(package(table(rows, (3000, 6000))), kent)
    assert _told_missing(answers, "project_name")
    assert answers["start_date"].value == "2027-07-01"


def test_on_a_scan_a_label_row_before_the_next_label_row_is_checked_by_an_officer(
    kent: FormSpec,
) -> None:
    # OCR's table finder may miss the answer row between them: the applicant is not
    # told the answer is missing (on a digital PDF the same rows are a blank answer).
    from parsers.blocks import Cell, Line, Table
    from parsers.pairing import read_answers, settle

    def ocr_row(text: str) -> list[Cell]:
        return [Cell(blocks=[Line(parts=[text], confidence=0.93)], span=2)]

    rows = []
    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]:
        rows.append(ocr_row(label))
        if label != "Name of the project / service":
            rows.append(ocr_row(answer))
    labelled: set[str] = set()
    answers = settle(read_answers([Table(rows=rows)], [], kent, labelled), labelled, kent)
    assert _checked_by_an_officer(answers, "project_name")


def _ocr_cell(*lines: str, column: int = 0) -> Cell:
    """A table cell as OCR reads it: plain lines (no italics, no bold), confidence below 1."""
    return Cell(blocks=[Line(parts=[text], confidence=0.93) for text in lines], column=column)


def _ocr_rows(pairs: Iterable[tuple[str, str]]) -> list[list[Cell]]:
    """Label-left rows as OCR reads them: the question, then its answer in the next cell."""
    return [[_ocr_cell(label), _ocr_cell(answer, column=1)] for label, answer in pairs]


def _read_ocr_rows(rows: list[list[Cell]], kent: FormSpec) -> dict[str, Answer]:
    labelled: set[str] = set()
    answers = read_answers([Table(rows=rows)], [], kent, labelled)
    return settle(answers, labelled, kent, scanned=True)


def test_on_a_scan_a_hint_under_a_label_beside_an_empty_answer_is_no_answer(
    kent: FormSpec,
) -> None:
    # A scan loses the hint's italics; the hint is still not what the applicant wrote.
    rows = []
    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]:
        if label.startswith("What are the aims"):
            label_cell = _ocr_cell(
                label, "Who is your work aimed at, what benefits do you seek to achieve?"
            )
            rows.append([label_cell, _ocr_cell(column=1)])
        else:
            rows.append([_ocr_cell(label), _ocr_cell(answer, column=1)])
    answers = _read_ocr_rows(rows, kent)
    assert _told_missing(answers, "organisation_aims")
    assert answers["organisation_name"].value == "Medway Youth Trust"


@pytest.mark.parametrize(
    ("hint", "read"),
    [
        ("maximum 500 words", None),
        ("Please provide a breakdown e.g. staff costs, venue hire etc.", None),
        ("(500 words max)", None),
        ("Please see attached budget", "Please see attached budget"),
    ],
)
def test_on_a_scan_a_word_limit_or_a_request_beside_an_empty_answer_is_no_answer(
    kent: FormSpec, hint: str, read: str | None
) -> None:
    # Hints in italics under their labels lose the italics on a scan: a word limit or a
    # request to the applicant is no answer; "Please see attached" is one.
    rows = []
    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]:
        if label == "How will the grant be spent?":
            rows.append([_ocr_cell(label, hint), _ocr_cell(column=1)])
        else:
            rows.append([_ocr_cell(label), _ocr_cell(answer, column=1)])
    answers = _read_ocr_rows(rows, kent)
    spent = answers.get("budget_breakdown")
    assert (spent.value if spent is not None else None) == read


def test_on_a_scan_a_section_heading_under_the_last_answer_is_not_that_answer(
    kent: FormSpec,
) -> None:
    # Label above answer, the border between the position's label and its answer not
    # found: both in one cell, then the next section's heading in the row below.
    rows = []
    for label, answer in [*ORGANISATION, *CONTACT]:
        rows += [[_ocr_cell(label)], [_ocr_cell(answer)]]
    rows.append([_ocr_cell("Position in organisation", "Chief Executive")])
    rows.append([_ocr_cell("B: Project / Service Details")])
    for label, answer in PROJECT:
        rows += [[_ocr_cell(label)], [_ocr_cell(answer)]]
    answers = _read_ocr_rows(rows, kent)
    assert answers["contact_position"].value == "Chief Executive"
    assert answers["project_name"].value == "Safe Streets"


def test_a_yes_no_question_with_neither_box_ticked_is_missing(kent: FormSpec) -> None:
    # "☐ Yes ☐ No" beside the partnership question: left blank, as a choice with no
    # option ticked is; the applicant is asked for it.
    data = package(
        table(
            [
                *(
                    row(cell(para(run(label)), width=3000), cell(para(run(answer)), width=6000))
                    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]
                ),
                row(
                    cell(para(run("Q6 Partnership application? (Yes/No)")), width=3000),
                    cell(tick_para(False, "Yes") + tick_para(False, "No"), width=6000),
                ),
            ],
            (3000, 6000),
        )
    )
    answers = _answers(data, kent)
    assert answers["partnership_bid"].placed
    assert answers["partnership_bid"].value == ""  # no answer: the checks say missing


def test_a_question_asked_again_plainly_under_its_heading_is_its_label(kent: FormSpec) -> None:
    # "Name and address of project / service lead" (a heading that only loosely asks
    # for the contact's name), then "Name of contact" as a plain line, then the name.
    body = "".join(
        para(run(label, bold=True)) + para(run(answer)) for label, answer in ORGANISATION
    )
    body += para(run("Name and address of project / service lead", bold=True))
    body += para(run("Name of contact")) + para(run("Katie Smith"))
    body += "".join(
        para(run(label, bold=True)) + para(run(answer)) for label, answer in CONTACT[1:] + PROJECT
    )
    assert _answers(package(body), kent)["contact_name"].value == "Katie Smith"


def test_a_plain_reworded_label_in_a_label_above_table_is_the_next_question(
    kent: FormSpec,
) -> None:
    # Labels above their answers, not bold, no colon: "Expected duration" is known by
    # its words where the form asks the duration next.
    pairs = [*ORGANISATION, *CONTACT, *PROJECT[:2], ("Expected duration", "One year"), *PROJECT[3:]]
    rows = [
        row(cell(para(run(text)), width=9000))
        for label, answer in pairs
        for text in (label, answer)
    ]
    answers = _answers(package(table(rows, (9000,))), kent)
    assert answers["duration"].value == "One year"
    assert answers["start_date"].value == "2027-07-01"


def test_plain_reworded_questions_in_a_form_of_paragraphs_are_read_where_the_form_asks_them(
    kent: FormSpec,
) -> None:
    # Not bold, no colon: "Full name of organisation" first under the section's
    # heading, "Area covered" (one word only the location uses) after the outline.
    body = para(run("A: Details About Your Organisation"), style="Heading1")
    body += para(run("Full name of organisation")) + para(run("Thanet Arts Collective"))
    pairs = ORGANISATION[1:] + CONTACT + PROJECT[:3]
    body += "".join(para(run(q)) + para(run(answer)) for q, answer in pairs)
    body += para(run("Project outline")) + para(run("Mentoring for young people"))
    body += para(run("Area covered")) + para(run("Margate and Ramsgate"))
    body += "".join(para(run(q)) + para(run(answer)) for q, answer in PROJECT[4:])
    answers = _answers(package(body), kent)
    assert answers["organisation_name"].value == "Thanet Arts Collective"
    assert answers["project_outline"].value == "Mentoring for young people"
    assert answers["location"].value == "Margate and Ramsgate"


def test_a_question_answered_under_another_label_in_its_cell_is_read(kent: FormSpec) -> None:
    # A PDF whose rule between two rows was not found: the next question, answered
    # after its "?", stands under the sustainability label, beside that one's answer.
    label = Cell(
        blocks=[
            Line(parts=["How will the project be sustained?"], bold=True),
            Line(parts=["What if the grant is reduced? We would run fewer sessions."]),
        ]
    )
    answer = Cell(blocks=[Line(parts=["The council will take it on."])], column=1)
    answers = read_answers([Table(rows=[[label, answer]])], [], kent)
    assert answers["sustainability"].value == "The council will take it on."
    assert answers["funding_impact"].value == "We would run fewer sessions."


def test_a_fillable_field_whose_tooltip_is_one_telling_word_is_that_question(
    kent: FormSpec,
) -> None:
    # "Area covered", "Registration no.": a text field's tooltip is its question; a
    # tick box named after an option stays that option.
    controls = [
        Control("pdf", ("Area covered", "Text17"), "Margate and Ramsgate"),
        Control("pdf", ("Registration no.", "Text4"), "1104042"),
        Control("pdf", ("Registered charity", "Check Box1"), True),
    ]
    answers = read_answers([], controls, kent)
    assert answers["location"].value == "Margate and Ramsgate"
    assert answers["registration_number"].value == "1104042"
    assert answers["organisation_type"].value == "registered_charity"


def test_a_plain_one_word_question_beside_its_written_answer_is_that_question(
    kent: FormSpec,
) -> None:
    # "Measures of success", not bold, no colon, beside a written answer: set out as a
    # question by where it stands; one word only the outcome measures use.
    pairs = [*ORGANISATION, *CONTACT, *PROJECT[:4], ("Measures of success", "Fewer reports")]
    answers = _answers(_table([*pairs, *PROJECT[4:]]), kent)
    assert answers["outcome_measures"].value == "Fewer reports"


def test_a_plain_label_above_its_answer_in_one_cell_gives_the_answer(kent: FormSpec) -> None:
    # A label-above PDF table whose rule between label and answer was not found:
    # "Amount sought (£)" and "9,000.00" share a cell, the next question below.
    pairs = [*ORGANISATION, *CONTACT, *PROJECT[:4], ("Total cost of project?", "£9,000")]
    rows = [Cell(blocks=[Line(parts=[text])]) for pair in pairs for text in pair]
    rows.append(Cell(blocks=[Line(parts=["Amount sought (£)"]), Line(parts=["9,000.00"])]))
    rows.append(Cell(blocks=[Line(parts=["How will the grant be spent?"])]))
    rows.append(Cell(blocks=[Line(parts=["Staff costs: £9,000"])]))
    answers = read_answers([Table(rows=[[cell] for cell in rows])], [], kent)
    assert answers["amount_requested"].value == "9000.00"


def test_a_long_reworded_question_answered_on_its_own_line_in_paragraphs_is_read(
    kent: FormSpec,
) -> None:
    # Plain, not bold, the answer after the "?" on the same line: where the form asks
    # the impact of reduced funding next (after the sustainability, left blank).
    pairs = [*ORGANISATION, *CONTACT, *PROJECT]
    body = "".join(para(run(q, bold=True)) + para(run(answer)) for q, answer in pairs)
    body += para(run("Exit strategy / sustainability:", bold=True))
    body += para(
        run(
            "If you do not receive the full amount how will this affect the project? "
            "We would run fewer sessions."
        )
    )
    answers = _answers(package(body), kent)
    assert answers["funding_impact"].value == "We would run fewer sessions."


def test_an_answer_whose_first_line_ran_onto_its_question_keeps_every_line(
    kent: FormSpec,
) -> None:
    # A PDF joined the answer's first line to the question (plain, its "?" then
    # the answer); the answer's second line follows on a line of its own.
    blocks = [
        Line(parts=["Name of Organisation"], bold=True),
        Line(parts=["Thanet Neighbourhood Forum"]),
        Line(
            parts=[
                "Question 2: What are the aims and objectives of your organisation? "
                "We measure attendance every quarter."
            ]
        ),
        Line(parts=["Match funding has been agreed with the town council."]),
        Line(parts=["Is this a partnership bid? Y/N:"], bold=True),
        Line(parts=["No"]),
    ]
    answers = read_answers(blocks, [], kent)
    assert answers["organisation_aims"].value == (
        "We measure attendance every quarter.\nMatch funding has been agreed with the town council."
    )
    assert answers["partnership_bid"].value is False  # "Y/N:" is how it is answered


def _tick_cell(checked: bool) -> Cell:
    return Cell(blocks=[Line(parts=[Tick(checked, "drawn")], confidence=1.0)], column=1)


def _option_rows(options: list[tuple[str, bool]]) -> list[list[Cell]]:
    """The published Kent tick list: each option's words, its tick in the next cell."""
    return [[_ocr_cell(words), _tick_cell(checked)] for words, checked in options]


def test_on_a_scan_a_tick_list_under_its_label_and_hint_is_read(kent: FormSpec) -> None:
    # "tick all that apply" under the label lost its italics: still the option rows
    # below are the answer, not the hint.
    rows = _ocr_rows(PROJECT)
    rows.append([_ocr_cell("17) Fund criteria", "tick all that apply")])
    rows.append([_ocr_cell("Safer in Kent Fund criteria")])
    rows += _option_rows(
        [
            ("Prevent and reduce re-offending", True),
            ("Enable partnership working (including cross border)", False),
            ("Link to at least one of the Police and Crime Plan priorities", True),
        ]
    )
    rows += _ocr_rows(CONTACT)
    answers = _read_ocr_rows(rows, kent)
    assert answers["criteria"].value == ["police_crime_plan", "reduce_reoffending"]


def test_a_tick_list_under_a_label_not_recognised_is_known_by_its_options(
    kent: FormSpec,
) -> None:
    rows = _ocr_rows(ORGANISATION)
    rows.append([_ocr_cell("3) Organisation status")])  # worded past the known labels
    rows += _option_rows(
        [("Registered charity", False), ("Local Authority", True), ("Social Enterprise", False)]
    )
    rows += _ocr_rows(CONTACT)
    rows += _ocr_rows(PROJECT)
    answers = _read_ocr_rows(rows, kent)
    found = answers["organisation_type"]
    assert found.value == "local_authority"
    assert found.flagged  # its label was not recognised: an officer confirms


def test_on_a_scan_an_answer_beyond_an_empty_sliver_of_its_cell_is_the_answer(
    kent: FormSpec,
) -> None:
    # A tick list's upright line runs on into the rows below it on a scan, and the
    # table finder parts the answer cell in two: an empty sliver, then the words.
    # The applicant answered; they must not be told the answer is missing.
    rows = _ocr_rows(ORGANISATION)
    rows += _ocr_rows(CONTACT)
    for label, answer in PROJECT:
        if label.startswith("Where will"):
            rows.append([_ocr_cell(label), _ocr_cell(column=1), _ocr_cell(answer, column=2)])
        else:
            rows.append([_ocr_cell(label), _ocr_cell(answer, column=1)])
    answers = _read_ocr_rows(rows, kent)
    assert answers["location"].value == "Chatham"


def test_on_a_scan_an_empty_cell_before_another_question_is_still_blank(
    kent: FormSpec,
) -> None:
    # The filled cell after the empty one asks a question of its own (worded past
    # recognition): it is not the answer.
    rows = _ocr_rows(ORGANISATION)
    rows += _ocr_rows(CONTACT)
    for label, answer in PROJECT:
        if label.startswith("Where will"):
            rows.append(
                [
                    _ocr_cell(label),
                    _ocr_cell(column=1),
                    _ocr_cell("7) Which ward councillors back the bid?", column=2),
                ]
            )
        else:
            rows.append([_ocr_cell(label), _ocr_cell(answer, column=1)])
    answers = _read_ocr_rows(rows, kent)
    location = answers.get("location")
    assert location is None or "councillors" not in location.raw


def test_on_a_scan_an_email_run_onto_its_short_label_is_the_answer(kent: FormSpec) -> None:
    # "Q11. Email" over "zofia@…": the address is wider than the rest of the label's
    # line, so OCR's line finder joins them with no colon between.
    lines: list[Line] = []
    number = 0
    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]:
        number += 1
        if label == "Email":
            lines.append(Line(parts=[f"Q{number}. Email {answer}"], confidence=0.93))
            continue
        lines.append(Line(parts=[f"Q{number}. {label}"], confidence=0.93))
        lines.append(Line(parts=[answer], confidence=0.93))
    labelled: set[str] = set()
    answers = settle(read_answers(lines, [], kent, labelled), labelled, kent, scanned=True)
    assert answers["contact_email"].value == "sarah@example.org"


def test_on_a_scan_a_question_joined_to_the_heading_above_it_is_still_asked(
    kent: FormSpec,
) -> None:
    # The heading is the page's widest line, so OCR's line finder took the question
    # under it for the heading wrapped; read as a heading, the name was lost.
    lines: list[Line] = [Line(parts=["A: Details About Your Organisation"], confidence=0.93)]
    for label, answer in [*ORGANISATION, *CONTACT, *PROJECT]:
        if label == "Name":
            label = "Name and address of project / service lead Name of project lead"
        lines.append(Line(parts=[label], confidence=0.93))
        lines.append(Line(parts=[answer], confidence=0.93))
    labelled: set[str] = set()
    answers = settle(read_answers(lines, [], kent, labelled), labelled, kent, scanned=True)
    assert answers["contact_name"].value == "Sarah Okafor"
    assert answers["organisation_name"].value == "Medway Youth Trust"


def test_on_a_scan_a_label_whose_number_stands_alone_in_the_row_above_is_checked(
    kent: FormSpec,
) -> None:
    # The table finder drew a rule through the label's cell: "Q13." and the answer
    # "Trustee" in the row above, "Position in organisation" beside an empty cell.
    # That empty cell proves nothing: an officer looks; the applicant is not told.
    rows = _ocr_rows(ORGANISATION)
    rows += _ocr_rows(CONTACT)
    rows.append([_ocr_cell("Q13."), _ocr_cell("Trustee", column=1)])
    rows.append([_ocr_cell("Position in organisation"), _ocr_cell(column=1)])
    rows += _ocr_rows(PROJECT)
    answers = _read_ocr_rows(rows, kent)
    assert _checked_by_an_officer(answers, "contact_position")
    # Beside no lone number, an empty answer cell is the answer left blank.
    rows[-len(PROJECT) - 2] = [_ocr_cell("Website"), _ocr_cell("www.example.org", column=1)]
    assert _told_missing(_read_ocr_rows(rows, kent), "contact_position")


def test_on_a_scan_a_plain_question_after_a_blank_answer_is_the_next_question(
    kent: FormSpec,
) -> None:
    # A form of paragraphs, scanned: no bold tells the questions from the answers. The
    # website was left blank; "Position within the organisation", the question the
    # form asks next, is not the website's answer.
    lines = [
        "Name of Organisation",
        "Thanet Neighbourhood Forum",
        "E-mail",
        "ben.fraser@thanetforum.org.uk",
        "Website",
        "Position within the organisation",
        "Chief Executive",
    ]
    blocks = [Line(parts=[text], confidence=0.93) for text in lines]
    labelled: set[str] = set()
    answers = settle(read_answers(blocks, [], kent, labelled), labelled, kent, scanned=True)
    assert "contact_website" not in answers
    assert answers["contact_position"].value == "Chief Executive"


def test_on_a_scan_a_first_question_in_plain_words_above_its_answer_is_read(
    kent: FormSpec,
) -> None:
    # Label above answer, scanned: "Lead organisation" is no wording the form knows,
    # and no question has been read before it; it is the form's first question.
    rows = [[_ocr_cell("A: Details About Your Organisation")]]
    rows += [[_ocr_cell("Lead organisation")], [_ocr_cell("Medway Youth Trust")]]
    for label, answer in ORGANISATION[1:] + CONTACT:
        rows += [[_ocr_cell(label)], [_ocr_cell(answer)]]
    answers = _read_ocr_rows(rows, kent)
    assert answers["organisation_name"].value == "Medway Youth Trust"
    assert answers["contact_name"].value == "Sarah Okafor"
