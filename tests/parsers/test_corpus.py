"""Every digital form of the accuracy corpus reads exactly: fields, problems, status, format.

The corpus (``python -m fixtures.corpus``) holds the Kent form made the ways
applicants make it: Word tables, reworded labels, paragraphs without tables,
content controls, legacy form fields, tracked changes, LibreOffice re-saves,
PDFs printed from Word/LibreOffice and fillable PDFs. Scans are measured by
``bench/accuracy.py`` and tested in ``test_pdf_ocr.py``.
"""

from __future__ import annotations

import pytest

from bench.accuracy import evaluate
from fixtures.corpus import load_manifest

DIGITAL = [e for e in load_manifest() if e["shape"] != "pdf-scan"]


def test_the_corpus_has_every_shape_and_problem_kind() -> None:
    everything = load_manifest()
    assert len(everything) >= 40
    shapes = {e["shape"] for e in everything}
    assert {
        "docx-table",
        "docx-controls",
        "docx-legacy",
        "docx-paragraphs",
        "docx-tracked",
        "docx-reworded",
        "docx-libreoffice",
        "pdf-text",
        "pdf-form",
        "pdf-scan",
    } <= shapes
    codes = {p["code"] for e in everything for p in e["problems"]}
    assert {"missing", "invalid", "too_long", "over_limit", "late", "no_round"} <= codes


@pytest.mark.parametrize("expected", DIGITAL, ids=[str(e["file"]) for e in DIGITAL])
def test_a_digital_form_reads_exactly(expected: dict, corpus) -> None:
    outcome = evaluate(corpus / str(expected["file"]), expected)
    assert outcome.wrong == {}
    assert outcome.problems[0] == outcome.problems[1]
    assert outcome.status[0] == outcome.status[1]
    assert outcome.format_right
