"""What the OCR path finds in pixels before tesseract: skew, ruling lines, tick boxes."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from parsers.pdf.layout import Ruling, find_cells
from parsers.pdf.ocr import (
    BULLET,
    _segments,
    list_bullets,
    missed_ink,
    page_rulings,
    rulings,
    skew_angle,
    straighten,
)
from parsers.pdf.tesseract import Word
from parsers.pdf.tickboxes import TickBox, find_tick_boxes


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


def _grey_table() -> Image.Image:
    """At 150 dpi: a label | answer table of three rows, its borders scanned grey
    (JPEG and blur leave a thin border lighter than text), an answer cell with a
    tick box that fills its row in each row, one under the other."""
    image = Image.new("L", (1200, 300), 255)
    draw = ImageDraw.Draw(image)
    for y in (50, 80, 110, 140):
        draw.line([(50, y), (1150, y)], fill=165, width=1)
    for x in (50, 500, 1150):
        draw.line([(x, 50), (x, 140)], fill=165, width=1)
    for y in (50, 80, 110):
        draw.rectangle([520, y + 1, 548, y + 29], outline=0, width=2)
    return image


def test_grey_table_borders_close_their_cells_and_tick_boxes_do_not_split_them() -> None:
    grey = np.asarray(_grey_table())
    assert find_cells(rulings(grey < 140, min_length=45, min_height=28)) == []
    light = grey < 190
    boxes = find_tick_boxes(light, dpi=150)
    cells = find_cells(page_rulings(light, 150, boxes))
    assert sorted((round(c.x0), round(c.y0)) for c in cells) == sorted(
        (x, y) for x in (50, 500) for y in (50, 80, 110)
    )


def test_a_list_bullet_is_a_bullet_however_tesseract_read_it() -> None:
    ink = np.zeros((400, 1200), dtype=bool)
    line = 30  # a line of text 30 px tall (200 dpi)
    for top in (100, 200, 300):
        ink[top + 10 : top + 20, 100:110] = True  # a solid dot: the bullet
        ink[top : top + line, 150:400] = True  # the words
    ink[210:220, 100:110] = False
    ink[210:220, 100:102] = ink[210:220, 108:110] = True  # an "o": a ring, not a dot
    ink[210:212, 100:110] = ink[218:220, 100:110] = True
    words = [
        Word(98, 100, 112, 130, "e", (1, 1, 1), 0.3),  # the dot read as "e"
        Word(150, 100, 400, 130, "Staff", (1, 1, 1), 0.9),
        Word(98, 200, 112, 230, "o", (1, 1, 2), 0.9),  # a real letter
        Word(150, 200, 400, 230, "Venue", (1, 1, 2), 0.9),
        Word(150, 300, 400, 330, "Materials", (1, 1, 3), 0.9),  # the dot passed over
    ]
    read = {(w.line, w.text) for w in list_bullets(ink, words)}
    assert ((1, 1, 1), BULLET) in read and ((1, 1, 1), "e") not in read
    assert ((1, 1, 2), "o") in read and ((1, 1, 2), BULLET) not in read
    assert ((1, 1, 3), BULLET) in read


def test_a_bold_letter_o_is_not_taken_for_an_empty_tick_box() -> None:
    # A heading's or a label's bold "O" has flat sides that pass for a box's frame;
    # taken for a box, it was cut out of the page and "Organisation" read "rganisation".
    image = Image.new("L", (400, 120), 255)
    draw = ImageDraw.Draw(image)
    for x, radius in ((40, 8), (120, 10)):
        draw.rounded_rectangle([x, 30, x + 23, 57], radius=radius, outline=0, width=5)
    draw.rectangle([300, 30, 316, 46], outline=0, width=2)  # the real, empty box
    image = image.filter(ImageFilter.GaussianBlur(0.7))
    found = find_tick_boxes(np.asarray(image) < 190, dpi=150)
    assert [(b.x0, b.y0, b.checked) for b in found] == [(300, 30, False)]


def _typed_line(line: int, *texts: str) -> list[Word]:
    """Words of one line at 200 dpi (30 px tall), 12 px apart, 14 px a letter."""
    words, x = [], 100
    for text in texts:
        words.append(
            Word(x, line * 50, x + 14 * len(text), line * 50 + 30, text, (1, 1, line), 0.9)
        )
        x += 14 * len(text) + 12
    return words


def test_tick_boxes_typed_as_brackets_are_ticks_however_tesseract_read_them() -> None:
    # "[X] Prevent …" / "[ ] Link …" typed in a Word file, printed and scanned: tesseract
    # reads the brackets as "[" "]", "{X]", "{ ]" or a lone "]" (its "[" lost).
    words = (
        _typed_line(1, "[", "]", "Empower", "communities")
        + _typed_line(2, "{X]", "Prevent", "re-offending")
        + _typed_line(3, "{", "]", "Link", "to", "priorities")
        + _typed_line(4, "]", "Enable", "partnership")
        + _typed_line(5, "[X]", "Fight", "crime", "[", "]", "Support", "victims")
        + _typed_line(6, "Staff", "costs", "(see", "above]", "and", "[1]")
    )
    segments = _segments(words, [], 72 / 200)
    by_line: dict[int, list[object]] = {}
    for segment in sorted(segments, key=lambda s: (s.y0, s.x0)):
        by_line.setdefault(round(segment.y0 * 200 / 72 / 50), []).append(
            segment.tick if segment.tick is not None else segment.text
        )
    assert by_line == {
        1: [False, "Empower communities"],
        2: [True, "Prevent re-offending"],
        3: [False, "Link to priorities"],
        4: [False, "Enable partnership"],
        5: [True, "Fight crime", False, "Support victims"],
        6: ["Staff costs (see above] and [1]"],
    }


def test_a_typed_asterisk_bullet_is_kept_for_the_layout_and_a_speck_is_not() -> None:
    # Taken for a speck, the "*" went, and the list item ran into the one above it.
    words = _typed_line(1, "*", "Referrals", "come", "from", "schools") + _typed_line(
        2, "©", "Sessions", "run", "weekly"
    )
    texts = [s.text for s in sorted(_segments(words, [], 72 / 200), key=lambda s: s.y0)]
    assert texts == ["* Referrals come from schools", "Sessions run weekly"]


def test_a_slash_starting_a_wrapped_label_is_no_tick() -> None:
    # "Where will the project / service be located?" wrapped before the "/".
    words = _typed_line(1, "/", "service", "be", "located?") + _typed_line(2, "/", "Yes")
    segments = sorted(_segments(words, [], 72 / 200), key=lambda s: (s.y0, s.x0))
    read = [s.tick if s.tick is not None else s.text for s in segments]
    assert isinstance(read[0], str) and read[0].endswith("service be located?")
    assert read[1:] == [True, "Yes"]  # a ✓ read as "/" before an option is a tick


def test_a_tick_box_between_two_words_parts_them() -> None:
    # "☐ Yes ☒ No": the boxes are cut out before OCR, which reads "Yes No" as one run;
    # the ticked box stands between them, and the tick goes with "No", not after it.
    words = _typed_line(1, "Yes", "No")  # "Yes" ends at x=142, "No" starts at x=154
    boxes = [TickBox(60, 52, 90, 78, False), TickBox(143, 52, 153, 78, True)]
    segments = _segments(words, [], 72 / 200, boxes)
    assert sorted(s.text for s in segments) == ["No", "Yes"]


def test_an_l_read_as_a_closing_bracket_is_an_l() -> None:
    # "feel" read "fee]" at 150 dpi; a bracket opened before it closes an aside.
    words = _typed_line(1, "They", "fee]", "unsafe.", "Loca],") + _typed_line(
        2, "Costs", "[see", "note]"
    )
    texts = [s.text for s in sorted(_segments(words, [], 72 / 200), key=lambda s: s.y0)]
    assert texts == ["They feel unsafe. Local,", "Costs [see note]"]


def test_more_readings_of_a_typed_ticked_box_are_ticks() -> None:
    # "[X]" at 150-200 dpi read "({X]" or "[XJ": the option was taken for unticked.
    words = (
        _typed_line(1, "({X]", "Link", "to", "priorities")
        + _typed_line(2, "[XJ", "Provide", "support")
        + _typed_line(3, "[", "]", "Enable", "partnership")
        + _typed_line(4, "Jo", "Smith")
    )
    segments = sorted(_segments(words, [], 72 / 200), key=lambda s: (s.y0, s.x0))
    read = [s.tick if s.tick is not None else s.text for s in segments]
    assert read == [
        True,
        "Link to priorities",
        True,
        "Provide support",
        False,
        "Enable partnership",
        "Jo Smith",
    ]


def test_a_cell_borders_remains_read_as_dashes_do_not_glue_two_cells() -> None:
    # A label's wrapped line and its answer's line side by side: the border between
    # them, blurred at 150 dpi, was read "—_" across it, and the answer took the
    # label's words ("… re-offending\nwhat benefits do you seek to —_ and wellbeing …").
    words = _typed_line(1, "what", "benefits", "do", "—_", "and", "wellbeing")
    border = Ruling(346 * 72 / 200, 0, 346 * 72 / 200, 100)  # through "—_" (332-360 px)
    segments = sorted(_segments(words, [border], 72 / 200), key=lambda s: s.x0)
    assert [s.text for s in segments] == ["what benefits do", "and wellbeing"]


def test_letter_slips_no_english_word_holds_are_mended_and_names_are_not() -> None:
    # At 150-200 dpi tesseract reads a "g" as "q" and runs "on a" together.
    words = (
        _typed_line(1, "Match", "funding", "has", "been", "aqreed", "(e.q.", "budqet).")
        + _typed_line(2, "The", "project", "builds", "ona", "pilot", "in", "Briqht", "Street")
        + _typed_line(3, "Aqeel", "Iqbal,", "Iraqi", "Community", "Association")
        + _typed_line(4, "qrace.patel@qraveshamvictims.org.uk")
    )
    texts = [s.text for s in sorted(_segments(words, [], 72 / 200), key=lambda s: s.y0)]
    assert texts == [
        "Match funding has been agreed (e.g. budget).",
        "The project builds on a pilot in Bright Street",
        "Aqeel Iqbal, Iraqi Community Association",
        "grace.patel@graveshamvictims.org.uk",
    ]


def test_an_underscore_tesseract_read_before_a_word_is_dropped() -> None:
    # A speck before "harjit.oneill@…" read "_": no address starts with one.
    [word] = _typed_line(1, "_harjit.oneill@medwayvictimsupp.org.uk")
    word = Word(word.x0, word.y0, word.x1, word.y1, word.text, word.line, 0.5)
    [segment] = _segments([word], [], 72 / 200)
    assert segment.text == "harjit.oneill@medwayvictimsupp.org.uk"


def test_a_bullet_read_e_before_a_capital_in_the_cell_beside_a_label_is_a_bullet() -> None:
    # tesseract read the label's line and the list item beside it as one line, the
    # item's blurred bullet as "e": parted at the border, "e We work …" is an item.
    words = _typed_line(1, "organisation", "do?", "e", "We", "work")
    border = Ruling(328 * 72 / 200, 0, 328 * 72 / 200, 100)  # between "do?" and "e"
    segments = sorted(_segments(words, [border], 72 / 200), key=lambda s: s.x0)
    assert [s.text for s in segments] == ["organisation do?", f"{BULLET} We work"]
