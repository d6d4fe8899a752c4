"""The committed Kent forms read to exactly their expected fields, problems and status."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from intake.config.load import load_config
from intake.reading.forms import form_spec
from intake.rules.checks import judge
from parsers import UnreadableDocument, parse_document

FORMS = Path(__file__).resolve().parents[2] / "fixtures" / "forms"
CONFIG = load_config()
FORM = CONFIG.form("kent-funding-application")
FUND = CONFIG.fund("safer-in-kent")
SPEC = form_spec(CONFIG, FORM, FUND)


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.docx")), ids=lambda p: p.stem)
def test_fixture_form_reads_as_expected(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    parsed = parse_document(path.read_bytes(), SPEC)
    result = judge(
        form=FORM,
        fund=FUND,
        office=CONFIG.office("kent"),
        answers=parsed.answers,
        received_at=datetime.fromisoformat(expected["received"]),
    )
    assert parsed.format == "docx"
    assert result.fields == expected["fields"]
    assert [(p.field, p.code) for p in result.problems] == [
        (p["field"], p["code"]) for p in expected["problems"]
    ]
    assert result.status == expected["status"]
    assert not [a.field for a in parsed.answers.values() if a.flagged]


def test_every_answer_says_where_it_was_found() -> None:
    parsed = parse_document((FORMS / "complete-medway-youth-trust.docx").read_bytes(), SPEC)
    name = parsed.answers["organisation_name"]
    assert name.source.kind == "table-cell"
    assert name.source.location.startswith("table 1, row 1")
    assert name.confidence == 1.0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "Word document is damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old-format (.doc)"),
        (b"just some text", "not a Word (.docx) or PDF"),
    ],
)
def test_files_that_are_not_forms_are_unreadable_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        parse_document(data, SPEC)
    assert reason in raised.value.reason
