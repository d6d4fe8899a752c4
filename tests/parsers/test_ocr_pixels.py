"""What the OCR path finds in pixels before tesseract: skew, ruling lines, tick boxes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from parsers.pdf.ocr import missed_ink, rulings, skew_angle, straighten
from parsers.pdf.tesseract import Word
from parsers.pdf.tickboxes import find_tick_boxes


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


def _boxes_image() -> Image.Image:
    """At 200 dpi: a table border, a box just inside it, a ticked box, an "O" and an "H"."""
    image = Image.new("L", (900, 400), 255)
    draw = ImageDraw.Draw(image)
    draw.line([(50, 50), (850, 50)], fill=0, width=3)  # a cell's top border
    draw.rectangle([100, 55, 130, 85], outline=90, width=2)  # grey box 2 px under it
    draw.rectangle([100, 150, 130, 180], outline=0, width=2)
    draw.line([(100, 150), (130, 180)], fill=0, width=2)  # ☒: crossed corner to corner
    draw.line([(100, 180), (130, 150)], fill=0, width=2)
    draw.ellipse([300, 150, 330, 180], outline=0, width=3)  # the letter O
    draw.rectangle([400, 150, 404, 180], fill=0)  # the letter H: stems, bar
    draw.rectangle([426, 150, 430, 180], fill=0)
    draw.rectangle([400, 163, 430, 167], fill=0)
    return image


def test_tick_boxes_are_found_in_pixels_ticked_or_not() -> None:
    ink = np.asarray(_boxes_image()) < 190
    found = sorted(find_tick_boxes(ink, dpi=200), key=lambda b: b.y0)
    assert [(b.x0, b.y0, b.checked) for b in found] == [(100, 55, False), (100, 150, True)]


def test_ink_no_word_covers_is_sent_back_to_be_read_as_a_line() -> None:
    ink = np.zeros((600, 800), dtype=bool)
    ink[100:125, 100:300] = True  # a line tesseract read
    ink[300:325, 500:515] = True  # a lone "N" it passed over
    ink[450, 450] = True  # dust
    read = [Word(100, 100, 300, 125, "Partnership", (1, 1, 1), 0.9)]
    regions = missed_ink(ink, read, dpi=200)
    assert len(regions) == 1
    left, top, right, bottom = regions[0]
    assert left <= 500 and right >= 515 and top <= 300 and bottom >= 325
    assert missed_ink(ink, [], dpi=200) == []
