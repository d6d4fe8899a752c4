"""Where a question stands on the form decides what an empty answer space means.

An applicant is told an answer is missing only when the reader saw the question
and its empty answer space; a question it could not place is checked by an
officer instead (``docs/parsing.md``). These forms are label | answer tables and
paragraphs written in the test, each with most of the Kent form's questions so
that it is clearly the form.
"""

from __future__ import annotations

from fixtures.corpus_docx import cell, package, para, row, run, table, tick_para
from parsers import FormSpec, parse_document
from parsers.blocks import Cell, Line, Table, Tick
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
    pairs = [("If Other, please describe your organisation", "Parish council"), *CONTACT]
    data = _table([*ORGANISATION, *pairs, ("Position in organisation", "Chair"), *PROJECT], ticks)
    answers = _answers(data, kent)
    assert not _told_missing(answers, "organisation_type_other")
    assert _checked_by_an_officer(answers, "organisation_type_other")


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


def _tick_cell(checked: bool) -> Cell:
    return Cell(blocks=[Line(parts=[Tick(checked, "drawn")], confidence=1.0)], column=1)


def _option_rows(options: list[tuple[str, bool]]) -> list[list[Cell]]:
    """The published Kent tick list: each option's words, its tick in the next cell."""
    return [[_ocr_cell(words), _tick_cell(checked)] for words, checked in options]


def test_on_a_scan_a_tick_list_under_its_label_and_hint_is_read(kent: FormSpec) -> None:
    # "tick all that apply" under the label lost its italics: still the option rows
    # below are the answer, not the hint.
    rows = [[_ocr_cell(label), _ocr_cell(answer, column=1)] for label, answer in PROJECT]
    rows.append([_ocr_cell("17) Fund criteria", "tick all that apply")])
    rows.append([_ocr_cell("Safer in Kent Fund criteria")])
    rows += _option_rows(
        [
            ("Prevent and reduce re-offending", True),
            ("Enable partnership working (including cross border)", False),
            ("Link to at least one of the Police and Crime Plan priorities", True),
        ]
    )
    rows += [[_ocr_cell(label), _ocr_cell(answer, column=1)] for label, answer in CONTACT]
    answers = _read_ocr_rows(rows, kent)
    assert answers["criteria"].value == ["police_crime_plan", "reduce_reoffending"]


def test_a_tick_list_under_a_label_not_recognised_is_known_by_its_options(
    kent: FormSpec,
) -> None:
    rows = [[_ocr_cell(label), _ocr_cell(answer, column=1)] for label, answer in ORGANISATION]
    rows.append([_ocr_cell("3) Organisation status")])  # worded past the known labels
    rows += _option_rows(
        [("Registered charity", False), ("Local Authority", True), ("Social Enterprise", False)]
    )
    rows += [[_ocr_cell(label), _ocr_cell(answer, column=1)] for label, answer in CONTACT]
    rows += [[_ocr_cell(label), _ocr_cell(answer, column=1)] for label, answer in PROJECT]
    answers = _read_ocr_rows(rows, kent)
    found = answers["organisation_type"]
    assert found.value == "local_authority"
    assert found.flagged  # its label was not recognised: an officer confirms
