"""Fillable PDFs: answers come from the form fields, matched by tooltip or printed label."""

from __future__ import annotations

import io

import pytest

from parsers import FormSpec, parse_document

reportlab = pytest.importorskip("reportlab")


def _fillable(*, tooltips: bool, organisation: str = "Medway Youth Trust") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    form = pdf.acroForm
    rows = [
        ("Name of Organisation", organisation),
        ("Email", "sarah@example.org"),
        ("Total cost of project?", "£11,500"),
        ("Proposed start date of project / service", "1st April 2027"),
        ("Website", ""),
    ]
    y = 780
    for number, (label, value) in enumerate(rows, start=1):
        pdf.drawString(50, y, label)
        form.textfield(
            name=f"Text{number}",
            tooltip=label if tooltips else None,
            value=value,
            x=330,
            y=y - 4,
            width=220,
            height=16,
        )
        y -= 30
    for number, (label, ticked) in enumerate(
        (("Registered charity", True), ("Local Authority", False)), start=1
    ):
        form.checkbox(name=f"Check Box{number}", x=50, y=y - 2, size=10, checked=ticked)
        pdf.drawString(66, y, label)
        y -= 20
    pdf.drawString(50, y, "Is this a new or existing project?")
    for index, option in enumerate(("New", "Existing")):
        form.radio(
            name="Group1",
            value=option,
            selected=option == "Existing",
            x=250 + 80 * index,
            y=y - 2,
            size=10,
        )
    pdf.save()
    return buffer.getvalue()


@pytest.mark.parametrize("tooltips", [True, False], ids=["by tooltip", "by printed label"])
def test_field_values_are_read_and_matched_to_questions(kent: FormSpec, tooltips: bool) -> None:
    parsed = parse_document(_fillable(tooltips=tooltips), kent)
    assert parsed.format == "pdf-form"
    values = {k: a.value for k, a in parsed.answers.items()}
    assert values["organisation_name"] == "Medway Youth Trust"
    assert values["contact_email"] == "sarah@example.org"
    assert values["total_cost"] == "11500.00"
    assert values["start_date"] == "2027-04-01"
    assert values["organisation_type"] == "registered_charity"
    assert values["new_or_existing"] == "existing"
    assert parsed.answers["organisation_name"].source.kind == "pdf-field"


def test_a_blank_field_is_not_answered_from_the_page_text(kent: FormSpec) -> None:
    parsed = parse_document(_fillable(tooltips=False), kent)
    assert "contact_website" not in parsed.answers
