"""Word files other projects test with (python-mammoth, python-docx; see public_sample/NOTICE)
are read as Word, quickly, and are not taken for an application form: Strict Open XML, an
external picture, a byte-order mark, a text box, no core properties, no styles part."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from parsers import FormSpec, parse_document

SAMPLE = Path(__file__).parent / "public_sample"
FILES = sorted(SAMPLE.glob("*.docx"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_a_word_file_of_another_producer_is_read_as_word(path: Path, kent: FormSpec) -> None:
    started = time.perf_counter()
    parsed = parse_document(path.read_bytes(), kent)

    assert time.perf_counter() - started < 5
    assert parsed.format == "docx"
    assert not parsed.form_found


def test_strict_open_xml_text_is_read(kent: FormSpec) -> None:
    from parsers.docx.package import open_docx
    from parsers.docx.walk import DocxWalker

    document = open_docx((SAMPLE / "mammoth-strict-format.docx").read_bytes())
    texts = [getattr(block, "text", "") for block in DocxWalker().walk(document.element.body)]

    assert any(texts)
