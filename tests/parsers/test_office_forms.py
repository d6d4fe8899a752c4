"""Each office's own form, printed from its schema, reads back to its answers.

The reader knows no office: it is given the questions of the office's form
(its schema in ``intake/config/<office>.toml``) and finds them on the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from fixtures.office_forms import (
    ESSEX,
    OFFICE_CASES,
    OFFICE_FORMS_DIR,
    PDF_CASE,
    WEST_MERCIA,
    OfficeCase,
)
from intake.config.load import bundled_office, load_config
from intake.reading.forms import form_spec
from intake.rules.checks import Judgement, judge
from parsers import parse_document

CONFIG = load_config(bundled_office("all-offices"))
RECEIVED = datetime.fromisoformat("2027-05-15T10:00:00+01:00")  # in Essex's round


def read(case: OfficeCase, data: bytes, attachments: tuple[str, ...] = ()) -> Judgement:
    fund = CONFIG.fund(case.fund)
    form = CONFIG.form(fund.form)
    parsed = parse_document(data, form_spec(CONFIG, form, fund))
    assert parsed.form_found
    return judge(
        form=form,
        fund=fund,
        office=CONFIG.office(fund.office),
        answers=parsed.answers,
        received_at=RECEIVED,
        attachments=attachments,
    )


def subset(fields: dict[str, Any], expected: dict[str, object]) -> dict[str, Any]:
    return {key: fields.get(key) for key in expected}


@pytest.mark.parametrize("case", OFFICE_CASES, ids=lambda c: c.office)
def test_an_office_form_reads_complete_with_its_own_questions(case: OfficeCase) -> None:
    fund = CONFIG.fund(case.fund)
    assert fund.form != "kent-funding-application"
    committed = OFFICE_FORMS_DIR / f"{case.name}.docx"
    # The committed fixture is what the generator makes today.
    assert committed.read_bytes() == case.docx(CONFIG)
    judged = read(case, committed.read_bytes())
    assert (judged.status, judged.problems) == ("complete", [])
    assert subset(judged.fields, case.expected) == case.expected
    # Every answer given is read: nothing typed is lost.
    asked = {f.id for f in CONFIG.form(fund.form).fields}
    given = {k for k, v in case.answers.items() if v not in (None, "", []) and k in asked}
    assert given <= set(judged.fields)


def test_the_printed_pdf_of_an_office_form_reads_the_same() -> None:
    pdf = (OFFICE_FORMS_DIR / f"{PDF_CASE.name}.pdf").read_bytes()
    judged = read(PDF_CASE, pdf)
    assert (judged.status, judged.problems) == ("complete", [])
    assert judged.fields == read(PDF_CASE, PDF_CASE.docx(CONFIG)).fields


def test_a_blank_answer_is_missing_with_the_offices_own_words() -> None:
    judged = read(ESSEX, ESSEX.docx(CONFIG, short_description=None, partner_support=""))
    assert judged.status == "incomplete"
    assert [(p.field, p.code) for p in judged.problems] == [
        ("short_description", "missing"),
        ("partner_support", "missing"),
    ]
    assert "publishes it with every award" in judged.problems[0].message


def test_essex_asks_for_a_safeguarding_policy_when_the_form_says_children() -> None:
    data = ESSEX.docx(CONFIG, children_vulnerable="Yes")
    assert [p.code for p in read(ESSEX, data).problems] == ["missing_document"]
    assert read(ESSEX, data, ("Safeguarding Policy 2027.pdf",)).problems == []


def test_an_office_form_applies_its_word_limit() -> None:
    long = " ".join(["word"] * 401)
    judged = read(WEST_MERCIA, WEST_MERCIA.docx(CONFIG, project_outline=long))
    assert [(p.field, p.code) for p in judged.problems] == [("project_outline", "too_long")]
