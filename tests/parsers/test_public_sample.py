"""Files other projects test with (see public_sample/NOTICE). Word files (python-mammoth,
python-docx) are read as Word, quickly, and are not taken for an application form: Strict
Open XML, an external picture, a byte-order mark, a text box, no core properties, no styles
part. PDFs (pdf.js, pdfminer.six, qpdf) are read or refused in plain words within 5 s."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from parsers import FormSpec, UnreadableDocument, parse_document
from parsers.pdf.tesseract import model_dir

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


PDFS = {
    # Pictures that OCR turns into a fine grid of rulings: closing its cells took
    # 17 s (qpdf) and over three minutes (pdfminer.six) before a page's crossings
    # were bounded.
    "qpdf-nested-images.pdf": None,
    "pdfminer-issue-1057-tiff-predictor.pdf": None,
    "pdfjs-issue6010_1.pdf": "the PDF is protected by a password; please send it without one",
    "pdfjs-bug1020226.pdf": "the PDF is damaged and cannot be read",
}


@pytest.mark.skipif(model_dir() is None, reason="tesseract-ocr-eng is not installed")
@pytest.mark.parametrize("name", sorted(PDFS))
def test_a_pdf_of_another_project_is_read_or_refused_in_plain_words_within_5_s(
    name: str, kent: FormSpec
) -> None:
    started = time.process_time()
    try:
        parsed = parse_document((SAMPLE / name).read_bytes(), kent)
        reason = None
    except UnreadableDocument as exc:
        parsed, reason = None, exc.reason

    assert time.process_time() - started < 5
    assert reason == PDFS[name]
    assert parsed is None or not parsed.form_found
