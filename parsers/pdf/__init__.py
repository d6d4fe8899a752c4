"""Reading an application form from a PDF: printed text, fillable fields or a scan.

* Text layer (printed from Word or LibreOffice): PDFium's text runs and drawn
  lines become lines and tables (:mod:`parsers.pdf.layout`), read by the same
  pairing as Word documents. pdfplumber's layout analysis would cost 30-60 times
  PDFium's text extraction (parsing notes); reading runs and path objects from
  PDFium directly keeps a form within ~7 times it.
* Fillable (AcroForm) PDFs: the values live in the form, not the page text,
  and are read through PDFium's form API (:mod:`parsers.pdf.acroform`); each
  field is matched to a question by its tooltip, the label printed beside it,
  or its name.
* Scans: pages with (almost) no text and an image over most of the page are
  rendered and read with tesseract (:mod:`parsers.pdf.ocr`); their answers carry
  the source kind ``ocr`` and tesseract's confidence.

Every read is bounded (:class:`~parsers.pdf.document.PdfLimits`): pages read,
pages and seconds of OCR, text runs and drawings per page.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pypdfium2 as pdfium

from parsers.blocks import Block, Cell, Control, Line
from parsers.errors import UnreadableDocument
from parsers.labels import NUMBERING, LabelMatcher, after_heading, match_option, matcher_for
from parsers.model import DocumentFormat, FormSpec, ParsedDocument, Source
from parsers.pairing import read_answers, settle
from parsers.pdf.acroform import FieldReader
from parsers.pdf.document import PdfLimits, form_type, open_pdf, repeated_kids
from parsers.pdf.layout import Page, column_grid, find_cells, join_pages, page_blocks
from parsers.pdf.textlayer import image_share, read_page

__all__ = ["PdfLimits", "parse_pdf"]

_SCAN_MAX_CHARS = 20
_SCAN_MIN_IMAGE_SHARE = 0.5


def parse_pdf(data: bytes, form: FormSpec, *, limits: PdfLimits | None = None) -> ParsedDocument:
    """The answers a PDF gives to ``form``'s questions.

    Raises :class:`~parsers.errors.UnreadableDocument` for a damaged, encrypted
    or empty PDF, and for a scan when OCR is not available.
    """
    limits = limits or PdfLimits()
    document = open_pdf(data, limits)
    warnings: list[str] = []
    try:
        total = len(document)
        count = min(total, limits.max_pages)
        if total > count:
            warnings.append(f"only the first {count} of {total} pages were read (a form has fewer)")
        kind = form_type(document)
        fields = None
        if kind == "acroform" and repeated_kids(data):
            raise UnreadableDocument("the PDF is damaged and cannot be read (its form fields loop)")
        if kind == "acroform":
            document.init_forms()  # before any page is loaded, as PDFium requires
            fields = FieldReader(document)
        pages: list[Page] = []
        scanned: list[int] = []
        for index in range(count):
            try:
                page = document[index]
            except pdfium.PdfiumError:
                warnings.append(f"page {index + 1} could not be read")
                pages.append(Page(number=index + 1, width=0, height=0))
                continue
            # One text page serves both the scan test and the reading.
            textpage = page.get_textpage()
            try:
                chars = textpage.count_chars()
                if chars < _SCAN_MAX_CHARS and image_share(page) >= _SCAN_MIN_IMAGE_SHARE:
                    scanned.append(index)
                    pages.append(Page(number=index + 1, width=0, height=0))
                else:
                    pages.append(read_page(page, index + 1, textpage=textpage))
                if fields is not None:
                    fields.read_page(page, index + 1, page.get_size()[1])
            finally:
                textpage.close()
                page.close()
        controls: list[Control] = fields.controls(pages) if fields is not None else []
        filled = [c for c in controls if c.value not in (None, "", False)]
        if kind == "xfa" and not any(p.segments for p in pages):
            raise UnreadableDocument(
                "the PDF is an XFA (Adobe LiveCycle) form; please print it to PDF or send DOCX"
            )
        if scanned and len(filled) < 3:
            _read_scans(document, scanned, pages, limits, warnings, matcher_for(form))
    finally:
        document.close()
    labelled: set[str] = set()
    if len(filled) >= 3:
        # A fillable form's page text holds only its questions and instructions:
        # read as answers, it would invent answers for the fields left blank.
        answers = read_answers([], controls, form, labelled)
    else:
        answers = read_answers(_blocks(pages, form), controls, form, labelled)
    fmt: DocumentFormat = "pdf"
    if filled:
        fmt = "pdf-form"
    elif scanned and len(scanned) * 2 >= count:
        fmt = "pdf-ocr"
        answers = {
            key: replace(answer, source=Source("ocr", answer.source.location))
            for key, answer in answers.items()
        }
    parsed = ParsedDocument(format=fmt, answers=answers, warnings=warnings, pages=total)
    placed = sum(1 for answer in answers.values() if answer.placed)
    parsed.form_found = placed >= max(3, len(form.fields) // 6)
    if parsed.form_found:
        parsed.answers = settle(answers, labelled, form, scanned=fmt == "pdf-ocr")
    return parsed


def _blocks(pages: list[Page], form: FormSpec) -> list[Block]:
    """The document's lines and tables in reading order, headers and footers last."""
    matcher = matcher_for(form)

    options = tuple((spec, option) for spec in form.fields for option in spec.options)

    def starts_question(cell: Cell) -> bool:
        lines = cell.lines()
        if not lines:
            return False
        text = lines[0].text
        if matcher.match(text) is not None:
            return True
        # A reworded label ("Website address") is a question too: recognised by its
        # words, it keeps the row from being taken for the rest of the one above.
        # An option of a tick list is not ("Enable partnership working").
        return (
            0 < len(text.split()) <= 12
            and not lines[0].ticks
            and matcher.keyword_match(text) is not None
            and match_option(text, options) is None
        )

    cells = [find_cells(p.rulings) for p in pages]
    grid = column_grid(cells)
    margins: list[Line] = []
    blocks: list[Block] = join_pages(
        (
            page_blocks(p, cells=c, grid=grid, margins=margins)
            for p, c in zip(pages, cells, strict=True)
        ),
        starts_question,
    )
    blocks.extend(margins)
    return blocks


def _read_scans(
    document: object,
    scanned: list[int],
    pages: list[Page],
    limits: PdfLimits,
    warnings: list[str],
    matcher: LabelMatcher | None = None,
) -> None:
    """OCR the scanned pages in place, within the page count and time the limits allow.

    When the first scanned page shows none of the form's questions, the rest are
    not read: a scan that is not the form (a letter, a photo, a report) is given
    up in one page's time, not many."""
    from parsers.pdf.ocr import OcrFailed, OcrUnavailable, ocr_page, scan_dpi

    readable = any(p.segments for p in pages)

    def shows_question(text: str) -> bool:
        return matcher is None or asks_a_question(text, matcher)

    started = time.monotonic()
    for done, index in enumerate(scanned):
        if done >= limits.max_ocr_pages:
            warnings.append(f"only the first {limits.max_ocr_pages} scanned pages were read")
            break
        if time.monotonic() - started > limits.ocr_seconds:
            warnings.append(f"only the first {done} scanned pages were read (time limit)")
            break
        page = document[index]  # type: ignore[index]
        try:
            dpi = scan_dpi(page, most=limits.ocr_dpi)
            pages[index] = ocr_page(
                page, index + 1, dpi=dpi, shows_question=shows_question, warnings=warnings
            )
        except OcrUnavailable as exc:
            if not readable:
                raise UnreadableDocument("scanned form: OCR not available") from exc
            warnings.append("scanned pages were skipped: OCR not available")
            return
        except OcrFailed as exc:
            if not readable and done == 0:
                raise UnreadableDocument(f"scanned form: OCR failed ({exc})") from exc
            warnings.append(f"scanned page {index + 1} could not be read: {exc}")
        finally:
            page.close()
        if done == 0 and matcher is not None and len(scanned) > 1:
            texts = [segment.text for segment in pages[index].segments if segment.text]
            if not any(shows_question(text) for text in texts[:400]):
                warnings.append(
                    "the first scanned page shows none of the form's questions; "
                    "the other scanned pages were not read"
                )
                break


def asks_a_question(text: str, matcher: LabelMatcher) -> bool:
    """Whether a scanned page's line is one of the form's questions: in the form's
    words, or reworded and numbered ("A.1 Name of group / organisation:"), or either
    after a section heading OCR joined it to.

    (A first page holding only the title, a heading and one reworded question, its
    answer after a page break, was taken for no form: the rest went unread, and the
    applicant was told every answer was missing.)
    """
    if matcher.match(text) is not None:
        return True
    if NUMBERING.match(text) is not None and matcher.keyword_match(text) is not None:
        return True
    # A section heading and the question under it read as one line.
    return any(asks_a_question(question, matcher) for _start, question in after_heading(text))
