"""A few forms of the variation corpus (``fixtures/variations``, development half), committed
so the suite reads forms of every producer without LibreOffice: python-docx in the
published grid, paragraphs and two columns, Word-for-the-web, .docm and .dotx packages,
LibreOffice PDFs and a fillable PDF. Each must come out exactly as its true answers do,
and no answer that is there may be called missing. (The whole corpus is measured by
``python -m bench.accuracy --variations dev``; see BENCHMARKS.md.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.variations import _Judge, evaluate

SAMPLE = Path(__file__).parent / "variations_sample"
ENTRIES: list[dict[str, Any]] = json.loads((SAMPLE / "manifest.json").read_text())


@pytest.fixture(scope="module")
def judging() -> _Judge:
    return _Judge()


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_a_varied_form_reads_as_its_true_answers(entry: dict[str, Any], judging: _Judge) -> None:
    result = evaluate(SAMPLE / entry["file"], entry, judging)

    assert result.false_missing == []
    assert result.wrong == {}
    assert result.status[0] == result.status[1]
