"""What the OCR path finds in pixels before tesseract: skew, ruling lines, tick boxes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from parsers.pdf.ocr import rulings, skew_angle, straighten


def _form_image() -> Image.Image:
    image = Image.new("L", (1600, 1000), 255)
    draw = ImageDraw.Draw(image)
    for y in (100, 200, 300, 400):
        draw.line([(100, y), (1500, y)], fill=0, width=3)
    for x in (100, 600, 1500):
        draw.line([(x, 100), (x, 400)], fill=0, width=3)
    for y in (130, 230, 330):
        for x in range(640, 1400, 40):
            draw.rectangle([x, y, x + 25, y + 30], fill=0)  # "words"
    return image


def test_a_tilted_scan_is_levelled() -> None:
    tilted = _form_image().rotate(0.6, fillcolor=255)
    assert abs(skew_angle(tilted) - 0.6) <= 0.15
    assert abs(skew_angle(straighten(tilted))) <= 0.1


def test_table_borders_are_found_and_letters_are_not() -> None:
    ink = np.asarray(_form_image()) < 140
    found = rulings(ink, min_length=300, min_height=60)
    horizontal = {round(r.y0) for r in found if r.horizontal}
    vertical = {round(r.x0) for r in found if not r.horizontal}
    assert {99, 100, 101} & horizontal and {399, 400, 401} & horizontal
    assert {599, 600, 601} & vertical
    assert not any(640 <= r.x0 <= 1400 and not r.horizontal for r in found)
