"""Scanned forms are read with tesseract; without it the reason says so."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest

from fixtures.corpus_pdf import scan
from parsers import FormSpec, UnreadableDocument, parse_document
from parsers.pdf.tesseract import model_dir


@pytest.fixture(scope="session")
def first_page_scan(corpus) -> bytes:
    """Page 1 of a printed Kent form, scanned (tilted, speckled, JPEG)."""
    printed = pdfium.PdfDocument(
        (corpus / "pdf-text-table-complete-medway-youth-trust.pdf").read_bytes()
    )
    one = pdfium.PdfDocument.new()
    one.import_pages(printed, [0])
    buffer = io.BytesIO()
    one.save(buffer)
    return scan(buffer.getvalue(), seed=7)


@pytest.mark.skipif(model_dir() is None, reason="tesseract-ocr-eng is not installed")
def test_a_scanned_page_is_read_with_its_ticks(kent: FormSpec, first_page_scan: bytes) -> None:
    parsed = parse_document(first_page_scan, kent)
    assert parsed.format == "pdf-ocr"
    values = {k: a.value for k, a in parsed.answers.items()}
    assert values["organisation_name"] == "Medway Youth Trust"
    assert values["organisation_type"] == "registered_charity"
    assert values["partnership_bid"] is False
    assert values["contact_email"] == "sarah.okafor@medwayyouthtrust.example.org"
    name = parsed.answers["organisation_name"]
    assert name.source.kind == "ocr"
    assert name.source.location.startswith("page 1")
    assert 0.5 < name.confidence < 1.0  # tesseract's own confidence in the words


def test_without_tesseract_a_scan_is_unreadable_with_the_reason(
    kent: FormSpec, first_page_scan: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    # A machine where tesseract's English model is not installed.
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(UnreadableDocument, match="scanned form: OCR not available"):
        parse_document(first_page_scan, kent)
