"""A scan that is not the form is given up in one page's time (issue #17, class 7)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageDraw

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
