"""A scan that is not the form is given up in one page's time (issue #17, class 7)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers import FormSpec, parse_document
from parsers.pdf.tesseract import model_dir


def _photos(pages: int) -> bytes:
    """Pages that are one picture each: grey stripes and words of no form."""
    images = []
    for number in range(pages):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for y in range(0, 1754, 40):
            draw.line([(0, y), (1240, y + 20)], fill=120, width=3)
        draw.text((100, 100 + number), "Holiday photos, page of a brochure", fill=0)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


@pytest.mark.skipif(model_dir() is None, reason="tesseract-ocr-eng is not installed")
def test_a_scan_showing_no_question_stops_after_its_first_page(kent: FormSpec) -> None:
    started = time.perf_counter()
    parsed = parse_document(_photos(4), kent)

    assert time.perf_counter() - started < 5
    assert not parsed.form_found
    assert any("other scanned pages were not read" in w for w in parsed.warnings)


def _letter_with_marks() -> bytes:
    """One scanned page showing none of the form's questions, with marks scattered
    over it (stamps, initials) that a whole-page reading passes over."""
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.text((100, 100), "Dear Sir, please find our annual report enclosed.", fill=0, font=font)
    for row in range(6):
        for column in range(5):
            draw.text((150 + column * 220, 400 + row * 200), "N", fill=0, font=font)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150)
    return out.getvalue()


@pytest.mark.skipif(model_dir() is None, reason="tesseract-ocr-eng is not installed")
def test_a_scanned_page_showing_no_question_is_read_once(
    kent: FormSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second reading looks for lone answers in cells: a page with no question
    has none to give, and each mark would cost tesseract another call."""
    from parsers.pdf import ocr

    readings: list[int] = []
    real = ocr.read_words

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        readings.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr, "read_words", counted)
    parsed = parse_document(_letter_with_marks(), kent)

    assert not parsed.form_found
    assert len(readings) == 1


def _small_print(lines: int) -> bytes:
    """One scanned page of small print, each line numbered ("Clause 1 ..."): far
    more text than any page of the form holds."""
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    sentence = "of this certificate is a condition which the holder accepts in full, as signed."
    for number in range(lines):
        line = f"Clause {number + 1} {sentence} {sentence}"
        draw.text((50, 40 + number * 24), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150)
    return out.getvalue()


@pytest.mark.skipif(model_dir() is None, reason="tesseract-ocr-eng is not installed")
def test_a_page_of_small_print_is_read_only_as_far_as_a_form_page_holds() -> None:
    """tesseract's time grows with the text on a page: a certificate or terms in
    small print is read down to where a full form page's worth of text ends."""
    import pypdfium2 as pdfium

    from parsers.pdf.ocr import ocr_page

    document = pdfium.PdfDocument(_small_print(70))
    warnings: list[str] = []
    page = ocr_page(document[0], 1, dpi=150, warnings=warnings)
    lines = [segment for segment in page.segments if segment.text]

    assert any("holder accepts" in line.text for line in lines if line.y0 < 0.1 * page.height)
    assert max(line.y1 for line in lines) < 0.8 * page.height  # the last lines are not read
    assert any("holds more text than a form page" in w for w in warnings)


def test_a_first_page_whose_one_question_is_reworded_or_joined_to_the_heading_is_the_form(
    kent: FormSpec,
) -> None:
    # The first page held the title, the section heading and the first question only
    # (a page break before its answer); the heading was the page's widest line, and
    # OCR read the question as the heading wrapped. The form was given up after that
    # page and the applicant told every answer was missing.
    from parsers.labels import matcher_for
    from parsers.pdf import asks_a_question

    matcher = matcher_for(kent)
    joined = "A: Details About Your Organisation A.1 Name of group / organisation:"
    assert asks_a_question(joined, matcher)
    assert asks_a_question("A.1 Name of group / organisation:", matcher)
    assert asks_a_question("B: Project / Service Details Name of the project / service", matcher)
    # A heading alone, or a brochure's line, asks nothing.
    assert not asks_a_question("A: Details About Your Organisation", matcher)
    assert not asks_a_question("B: Holiday Photos From Our Trip To Kent", matcher)
