"""A list in a PDF's answer (typed, or read by OCR) stays the applicant's list."""

from __future__ import annotations

from parsers import FormSpec
from parsers.pairing import read_answers
from parsers.pdf.layout import Page, Segment, page_blocks


def _page(lines: list[str]) -> Page:
    page = Page(number=1, width=595, height=842)
    for number, text in enumerate(lines):
        top = 100 + 25 * number
        page.segments.append(Segment(90, top, 90 + 5.5 * len(text), top + 11, text, size=11))
    return page


def test_a_list_item_that_reads_like_a_question_stays_in_the_answer(kent: FormSpec) -> None:
    # "Staff costs make up most of the budget" has the words of the budget question;
    # set out as a list item it is part of the answer above, not that question.
    page = _page(
        [
            "2. What are the aims and objectives of your organisation?",
            "Key points:",
            "• We work with young people aged 11 to 19 who are at risk of exclusion",
            "• Staff costs make up most of the budget",
            "3. Name of organisation",
            "Swale Street Pastors",
        ]
    )
    answers = read_answers(page_blocks(page), [], kent)
    assert answers["organisation_aims"].value == (
        "Key points:\nWe work with young people aged 11 to 19 who are at risk of exclusion\n"
        "Staff costs make up most of the budget"
    )
    assert answers["organisation_name"].value == "Swale Street Pastors"
