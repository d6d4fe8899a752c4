"""Opening a PDF safely with PDFium: damaged, encrypted and endless files say why they fail."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.errors import UnreadableDocument


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """How much of a PDF we read: an application form has a handful of pages.

    A 2,000-page file is read up to ``max_pages`` (with a warning), not refused:
    the form is at its start. ``max_bytes`` refuses files no form needs.
    """

    max_pages: int = 40
    max_bytes: int = 100 * 1024 * 1024
    max_ocr_pages: int = 12
    ocr_seconds: float = 45.0
    """OCR stops starting new pages after this long (the worker's limit is 60 s)."""
    ocr_dpi: int = 300
    """The most a scan is rendered at for OCR (less when the scan itself is coarser)."""


_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "the PDF is protected by a password; please send it without one",
    pdfium_c.FPDF_ERR_SECURITY: "the PDF uses an encryption we cannot read",
    pdfium_c.FPDF_ERR_FORMAT: "the PDF is damaged and cannot be read",
    pdfium_c.FPDF_ERR_FILE: "the PDF cannot be read",
}


def open_pdf(data: bytes, limits: PdfLimits) -> pdfium.PdfDocument:
    """A PDFium document for ``data``, or :class:`UnreadableDocument` saying why not."""
    if len(data) > limits.max_bytes:
        raise UnreadableDocument(
            f"the PDF is {len(data):,} bytes (limit {limits.max_bytes:,}); no form is that big"
        )
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        raise UnreadableDocument(
            _ERRORS.get(code, "the PDF is damaged and cannot be read")
        ) from exc
    try:
        pages = len(document)
    except pdfium.PdfiumError as exc:  # pragma: no cover - PDFium counts pages on open
        document.close()
        raise UnreadableDocument("the PDF is damaged and cannot be read") from exc
    if pages == 0:
        document.close()
        raise UnreadableDocument("the PDF has no pages")
    return document


def form_type(document: pdfium.PdfDocument) -> str:
    """``"acroform"``, ``"xfa"`` or ``"none"``: whether the PDF has fillable fields."""
    kind = pdfium_c.FPDF_GetFormType(document)
    if kind == pdfium_c.FORMTYPE_ACRO_FORM:
        return "acroform"
    if kind in (pdfium_c.FORMTYPE_XFA_FULL, pdfium_c.FORMTYPE_XFA_FOREGROUND):
        return "xfa"
    return "none"


_KIDS = re.compile(rb"/Kids\s*\[([^\]]{0,20000})\]")
_REF = re.compile(rb"(\d+)\s+(\d+)\s+R")


def repeated_kids(data: bytes) -> bool:
    """Whether a field (or page) tree names one child twice in a ``/Kids`` array.

    No PDF producer writes that; a tree of such nodes doubles at every level (qpdf's
    test file ``shared-unnamed-field.pdf``: 2^N widgets from 2 KB), and PDFium's
    form environment walks every path, for minutes, in C where nothing can stop it.
    Only arrays written in the open are seen (not those inside object streams).
    """
    for found in _KIDS.finditer(data):
        refs = _REF.findall(found.group(1))
        if len(refs) != len(set(refs)):
            return True
    return False
