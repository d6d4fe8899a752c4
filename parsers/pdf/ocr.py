"""Scanned pages: rendered with PDFium, straightened, read by tesseract, into layout segments.

A scan has no text layer and no drawn lines, only an image, so this module
rebuilds both from pixels:

* the page is rendered at 300 dpi and straightened (a scan is never quite
  level; the angle that makes the rows of ink sharpest wins);
* table rulings are long runs of dark pixels, found with numpy;
* tesseract (:mod:`parsers.pdf.tesseract`, loaded once per worker) gives words
  with boxes;
* tick boxes are found in the pixels before OCR (:mod:`parsers.pdf.tickboxes`;
  tesseract reads ☐ as "O", "[]" or nothing) and blanked, with scanner dust, so
  that tesseract reads only the words.

Everything then goes through the same layout and pairing as a text PDF.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from parsers.pdf.layout import Page, Ruling, Segment
from parsers.pdf.tesseract import (
    MOST_TEXT,
    OcrFailed,
    OcrUnavailable,
    Region,
    Word,
    read_words,
    require_engine,
)
from parsers.pdf.tickboxes import TickBox, find_tick_boxes, ink_runs

__all__ = ["OcrFailed", "OcrUnavailable", "ocr_page", "scan_dpi"]

MAX_PIXELS = 17_500_000
"""The most pixels a page is rendered with for OCR (A3 at 300 dpi)."""

_JUNK = re.compile(r"^[^\w\s£$(\[\"'&#@%+\-]{1,2}$")
"""A first "word" of one or two stray symbols: a speck or a list bullet (•, ▪) misread."""


def ocr_page(
    page: pdfium.PdfPage,
    number: int,
    *,
    dpi: int = 300,
    shows_question: Callable[[str], bool] | None = None,
    warnings: list[str] | None = None,
) -> Page:
    """A scanned page as text segments and rulings, in points like a text page.

    With ``shows_question``, a page on which no line read is one of the form's
    questions is not searched again for lone letters in its cells (answers with
    no question beside them to answer): a letter or a report costs one reading.
    A page holding more text than a form page (small print) is read only down to
    where that much ends (:data:`~parsers.pdf.tesseract.MOST_TEXT`), said in
    ``warnings``.
    """
    width, height = page.get_size()
    # A page may declare itself 200 inches square: never render more than an A3
    # sheet's worth of pixels at 300 dpi, and do not OCR what would be too coarse.
    pixels = (width / 72 * dpi) * (height / 72 * dpi)
    if pixels > MAX_PIXELS:
        dpi = int(dpi * (MAX_PIXELS / pixels) ** 0.5)
        if dpi < 100:
            raise OcrFailed(f"the page is {width / 72:.0f} x {height / 72:.0f} inches: too large")
    require_engine()  # before the work of rendering a page nobody can read
    # A 300 dpi page is 8.7 MB of grey pixels, and each copy or mask of it as much
    # again: copies are made only where needed, and each is freed as soon as it has
    # served, so that a worker reading a scan stays small (issue 24).
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    image = bitmap.to_pil()  # the bitmap's own pixels, not a copy
    if image.mode != "L":
        image = image.convert("L")
    grey = np.asarray(straighten(image))  # the one copy the work below reads
    grey_height = grey.shape[0]
    del image
    bitmap.close()
    del bitmap  # its buffer too
    ink = grey < 140
    scale = 72.0 / dpi
    out = Page(number=number, width=width, height=height)
    # Box edges are thin and grey after scanning: look for boxes in lighter ink.
    light = grey < 190
    del grey
    boxes = find_tick_boxes(light, dpi)
    lines = page_rulings(light, dpi, boxes)  # erases the boxes from ``light``
    del light
    out.rulings = [_scaled(r, scale) for r in lines]
    # Scanner dust reads as "." or "©" between words: OCR the page without it.
    clean = _despeckle(_erase(ink, lines))
    del ink
    # Table borders read as "|" or "l" and glue a label to its answer, and a box reads
    # as "O", "[]" or "_|": OCR the page without them (kept as rulings and ticks).
    for box in boxes:
        clean[max(0, box.y0 - 2) : box.y1 + 3, max(0, box.x0 - 2) : box.x1 + 3] = False
    # The ink mask itself: tesseract takes it as one bit a pixel (no 8-bit page made).
    reading = read_words(clean, dpi, most_text=MOST_TEXT)
    if reading.read_to is not None and warnings is not None:
        warnings.append(
            f"scanned page {number} holds more text than a form page: "
            f"only its top {reading.read_to / grey_height:.0%} was read"
        )
    words: list[Word] = list(reading)
    out.segments = _segments(words, out.rulings, scale)
    asked = shows_question is None or any(
        shows_question(segment.text) for segment in out.segments[:400] if segment.text
    )
    # Lone letters in cells are looked for on a form's page, never on one cut short.
    missed = missed_ink(clean, words, dpi) if asked and reading.read_to is None else []
    if missed:
        words += [w for w in read_words(clean, dpi, missed) if _plausible(w)]
    words = list_bullets(clean, words)
    out.segments = _segments(words, out.rulings, scale, boxes)
    out.segments.extend(
        Segment(b.x0 * scale, b.y0 * scale, b.x1 * scale, b.y1 * scale, tick=b.checked)
        for b in boxes
    )
    return out


def scan_dpi(page: pdfium.PdfPage, *, most: int = 300, least: int = 150) -> int:
    """The resolution the page's scan was made at, within ``least`` and ``most``.

    Rendering a 200 dpi scan at 300 dpi adds no detail, only pixels for
    tesseract to read (its time grows with them: 1.4 s instead of 2.4 s a page).
    """
    best = 0.0
    for number, obj in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])):
        if number > 20:
            break
        left, _bottom, right, _top = obj.get_bounds()
        try:
            pixels_wide = obj.get_px_size()[0]
        except (AttributeError, pdfium.PdfiumError):
            continue
        if right - left > 72:
            best = max(best, pixels_wide / ((right - left) / 72))
    if best <= 0:
        return most
    return int(min(most, max(least, round(best))))


def skew_angle(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) the page's lines are tilted by.

    Dark pixels are projected onto rows along each candidate slope (every tenth
    of a degree up to ±2°) at 100 dpi; level lines make the sharpest profile.
    """
    small = np.asarray(image.reduce(2)) < 160
    ys, xs = np.nonzero(small)
    if len(ys) < 100:
        return 0.0
    if len(ys) > 400_000:
        pick = np.linspace(0, len(ys) - 1, 400_000).astype(np.int64)
        ys, xs = ys[pick], xs[pick]
    # In floating point once, not again for each of the 41 slopes (the same sums).
    fy, fx = ys.astype(np.float64), xs.astype(np.float64)
    best, best_score = 0.0, -1.0
    for tenth in range(-20, 21):
        slope = np.tan(np.radians(tenth / 10))
        rows = np.round(fy + fx * slope).astype(np.int64)
        profile = np.bincount(rows - rows.min())
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best, best_score = tenth / 10, score
    return best


def straighten(image: Image.Image) -> Image.Image:
    """``image`` rotated so that its lines of text and rulings are level."""
    angle = skew_angle(image)
    if angle == 0.0:
        return image
    return image.rotate(-angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def page_rulings(light: np.ndarray, dpi: int, boxes: list[TickBox]) -> list[Ruling]:
    """A straightened page's table borders, in pixels, without the sides of its tick boxes.

    ``light`` is the page's light-ink mask (``grey < 190``), the one the boxes were
    found in; the boxes are erased from it here, so it is not made twice a page.

    A one-point border scanned at 150 dpi, blurred and saved as JPEG is grey, not
    black, over whole stretches: looked for in dark ink only, it comes apart, and
    with it the cells that place answers beside their questions. In lighter ink
    it holds, and so do the sides of boxes that fill their rows' height, one
    under the other, which would split every answer cell in three: those are the
    boxes', not the table's, and are left out of the upright lines.
    """
    # Cell borders of a one-line row are only ~0.2 inch tall; letters are shorter.
    found = rulings(light, min_length=int(dpi * 0.3), axes=(0,))
    for box in boxes:
        light[max(0, box.y0 - 2) : box.y1 + 3, max(0, box.x0 - 3) : box.x1 + 4] = False
    return found + rulings(light, min_length=int(dpi * 0.19), axes=(1,))


def rulings(
    ink: np.ndarray,
    *,
    min_length: int,
    min_height: int | None = None,
    axes: tuple[int, ...] = (0, 1),
) -> list[Ruling]:
    """Runs of ink at least ``min_length`` pixels wide (horizontal, axis 0) or
    ``min_height`` pixels tall (vertical, axis 1), in pixel units."""
    found: list[Ruling] = []
    for axis in axes:
        grid = ink if axis == 0 else ink.T
        shortest = min_length if axis == 0 else (min_height or min_length)
        for row, start, end in ink_runs(grid, shortest):
            if axis == 0:
                found.append(Ruling(float(start), float(row), float(end), float(row)))
            else:
                found.append(Ruling(float(row), float(start), float(row), float(end)))
        if len(found) > 200_000:
            break
    return found


def _erase(ink: np.ndarray, lines: list[Ruling]) -> np.ndarray:
    """``ink`` without the ruling lines, so a box beside a cell border is seen alone."""
    clean = ink.copy()
    for line in lines:
        x0, y0, x1, y1 = int(line.x0), int(line.y0), int(line.x1), int(line.y1)
        clean[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3] = False
    return clean


def _despeckle(ink: np.ndarray) -> np.ndarray:
    """``ink`` without lone specks (scanner dust): dark pixels with fewer than two dark
    neighbours. A stroke of a letter, even one pixel wide, has two."""
    height, width = ink.shape
    padded = np.zeros((height + 2, width + 2), np.uint8)
    padded[1:-1, 1:-1] = ink
    neighbours = np.zeros((height, width), np.uint8)  # counted in place: no page-sized temporaries
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            neighbours += padded[1 + dy : height + 1 + dy, 1 + dx : width + 1 + dx]
    del padded
    return ink & (neighbours >= 3)  # the pixel itself and two more


def _scaled(ruling: Ruling, scale: float) -> Ruling:
    return Ruling(ruling.x0 * scale, ruling.y0 * scale, ruling.x1 * scale, ruling.y1 * scale)


def missed_ink(ink: np.ndarray, words: list[Word], dpi: int, most: int = 40) -> list[Region]:
    """Patches of ink the size of a line of text that no word read covers (at most ``most``).

    A whole-page reading passes over a lone letter or number in a cell (a "N"
    answering "Y/N"); read as a single line, they are found.
    """
    if not words:
        return []
    heights = sorted(w.y1 - w.y0 for w in words)
    line = heights[len(heights) // 2]
    uncovered = ink.copy()
    for word in words:
        uncovered[max(0, word.y0 - 3) : word.y1 + 3, max(0, word.x0 - 3) : word.x1 + 3] = False
    # Find the patches on a coarse grid: a cell is inked when any pixel in it is.
    cell = max(4, dpi // 33)
    rows, cols = uncovered.shape[0] // cell, uncovered.shape[1] // cell
    grid = uncovered[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell)
    counts = grid.sum(axis=(1, 3))
    inked = counts > 0
    seen = np.zeros_like(inked)
    regions: list[Region] = []
    for r0, c0 in zip(*np.nonzero(inked), strict=True):
        if seen[r0, c0]:
            continue
        stack, members = [(int(r0), int(c0))], []
        seen[r0, c0] = True
        while stack:
            r, c = stack.pop()
            members.append((r, c))
            for dr in (-1, 0, 1):
                for dc in (-2, -1, 0, 1, 2):  # letters of a word are a cell or two apart
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < rows and 0 <= cc < cols and inked[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
        top, bottom = min(m[0] for m in members) * cell, (max(m[0] for m in members) + 1) * cell
        left, right = min(m[1] for m in members) * cell, (max(m[1] for m in members) + 1) * cell
        ink_pixels = sum(int(counts[m]) for m in members)
        if 0.6 * line <= bottom - top <= 2 * line and ink_pixels >= line * line // 8:
            pad = line // 2
            regions.append((max(0, left - pad), max(0, top - pad), right + pad, bottom + pad))
            if len(regions) >= most:
                break
    return regions


BULLET = "\u2022"


def list_bullets(ink: np.ndarray, words: list[Word]) -> list[Word]:
    """``words`` with each line's list bullet read as "•", wherever tesseract put it.

    tesseract reads a round bullet as "e", "¢", "e¢", "«", "©" or passes over it,
    and the layout then takes two list items for one wrapped line. A bullet is
    plain to see in the pixels: a solid dot a third of a line high, alone before
    the line's first word.
    """
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    covered = np.zeros(ink.shape, dtype=bool)
    for word in words:
        covered[word.y0 : word.y1, word.x0 : word.x1] = True
    out: list[Word] = []
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.x0)
        first = line_words[0]
        top, bottom = min(w.y0 for w in line_words), max(w.y1 for w in line_words)
        height = bottom - top
        if len(line_words) > 1 and len(first.text) <= 2 and not first.text.isdigit():
            # The bullet read as a word of its own ("e", "«"): is its ink a dot?
            if _dot(ink[first.y0 : first.y1, first.x0 : first.x1], height):
                line_words[0] = _bullet_word(first, first.x0, first.x1)
        elif height > 0:
            # The bullet passed over: a dot alone in the margin before the first word.
            x0 = max(0, first.x0 - int(2.5 * height))
            x1 = first.x0 - max(1, height // 4)
            if x1 > x0:
                patch = ink[top:bottom, x0:x1] & ~covered[top:bottom, x0:x1]
                if _dot(patch, height):
                    xs = np.nonzero(patch.any(axis=0))[0]
                    line_words.insert(0, _bullet_word(first, x0 + int(xs[0]), x0 + int(xs[-1]) + 1))
        out.extend(line_words)
    return out


_BULLET_READINGS = frozenset({"e", "e¢"})
"""How tesseract reads a round list bullet as a letter (see :func:`list_bullets`; its
other readings, "©", "«", are a speck's too)."""


def _dot(patch: np.ndarray, line_height: int) -> bool:
    """Whether the ink of ``patch`` is one solid round dot the size of a list bullet."""
    ys, xs = np.nonzero(patch)
    if len(ys) == 0:
        return False
    width = int(xs.max() - xs.min()) + 1
    tall = int(ys.max() - ys.min()) + 1
    size = 0.2 * line_height <= min(width, tall) and max(width, tall) <= 0.5 * line_height
    return size and 0.7 <= width / tall <= 1.4 and len(ys) >= 0.65 * width * tall


def _bullet_word(like: Word, x0: int, x1: int) -> Word:
    return Word(x0, like.y0, x1, like.y1, BULLET, like.line, 1.0)


def _plausible(word: Word) -> bool:
    """A word read from a leftover patch that is text, not a smudge or a border's end."""
    return word.confidence >= 0.6 and any(ch.isalnum() for ch in word.text)


def _segments(
    words: list[Word], page_rulings: list[Ruling], scale: float, boxes: Sequence[TickBox] = ()
) -> list[Segment]:
    """Words grouped by tesseract's lines, split where a gap, a cell border or a tick
    box parts them ("☐ Yes ☒ No": the second box stands between "Yes" and "No")."""
    verticals = [r for r in page_rulings if not r.horizontal]
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if not _border_remains(word, verticals, scale):
            lines.setdefault(word.line, []).append(word)
    segments: list[Segment] = []
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.x0)
        height = max(w.y1 - w.y0 for w in line_words)
        # Only the borders beside the line can part its words: a page has hundreds.
        top = min(w.y0 for w in line_words) * scale
        bottom = max(w.y1 for w in line_words) * scale
        beside = [r for r in verticals if r.y0 <= bottom and r.y1 >= top]
        group: list[Word] = []
        for word in line_words:
            if group and (
                _parted(group[-1], word, height, beside, scale)
                or _box_between(group[-1], word, boxes)
            ):
                segments.extend(_segment(group, scale))
                group = []
            group.append(word)
        if group:
            segments.extend(_segment(group, scale))
    return segments


def _border_remains(word: Word, verticals: list[Ruling], scale: float) -> bool:
    """Whether a word is a stray mark (a cell border's remains read as "©" or "|")
    lying across a cell border: it would glue the cells on either side together."""
    if not _JUNK.match(word.text) and not _RULE_REMAINS.match(word.text):
        return False
    x0, x1 = word.x0 * scale, word.x1 * scale
    top, bottom = word.y0 * scale, word.y1 * scale
    return any(
        x0 - 1 < rule.x0 < x1 + 1 and rule.y0 <= bottom and rule.y1 >= top for rule in verticals
    )


_RULE_REMAINS = re.compile(r"^(?=.*[—–_~|])[—–_~|=\-'`]{1,3}[a-z]?[—–_~|=\-'`]{0,2}$")
"""A cell border's remains as tesseract reads them beside a line's words: "—_", "_—-",
"—'-", "__", "—s" (the underscore is a word character, so :data:`_JUNK` passes them)."""


def _box_between(left: Word, right: Word, boxes: Sequence[TickBox]) -> bool:
    """Whether a tick box stands in the gap between two words of a line."""
    top, bottom = min(left.y0, right.y0), max(left.y1, right.y1)
    return any(
        left.x1 - 2 <= box.x0 and box.x1 <= right.x0 + 2 and box.y0 < bottom and box.y1 > top
        for box in boxes
    )


def _parted(left: Word, right: Word, height: int, verticals: list[Ruling], scale: float) -> bool:
    if right.x0 - left.x1 > 2.5 * height:
        return True
    top, bottom = min(left.y0, right.y0) * scale, max(left.y1, right.y1) * scale
    for rule in verticals:
        if (
            left.x1 * scale - 1 < rule.x0 < right.x0 * scale + 1
            and rule.y0 <= bottom
            and rule.y1 >= top
        ):
            return True
    return False


def _segment(group: list[Word], scale: float) -> list[Segment]:
    """Segments for a run of words: a tick segment for each box typed as "[X]" or "[ ]",
    and one text segment for the words between them."""
    out: list[Segment] = []
    words: list[Word] = []
    index = 0
    while index < len(group):
        typed = _typed_box(group, index)
        if typed is None:
            words.append(group[index])
            index += 1
            continue
        end, checked = typed
        if words:
            out.extend(_text_segment(words, scale))
            words = []
        box = group[index:end]
        out.append(_tick(checked, box[0].x0, box[-1].x1, box[0], scale))
        index = end
    if words:
        out.extend(_text_segment(words, scale))
    return out


_BOX_CHARS = frozenset("[]{}()|xX×J")
_TYPED_BOX = re.compile(r"[\[{(|]{0,2}[xX×]?[\]}]|[\[{][xX×]?[|)]|\([xX×]\)|[\[{(|]{1,2}[xX×]J")
"""A box typed as "[X]" or "[ ]", as tesseract reads it on a scan: "[" "]", "{X]",
"{ ]", "| ]", "[ |", "({X]" (two openers), "[XJ" (its "]" read as "J" after the
"X"), or the "]" alone when the "[" was lost (the space inside is dropped before
matching)."""


def _typed_box(words: list[Word], index: int) -> tuple[int, bool] | None:
    """The typed tick box starting at ``words[index]`` (one to three words read as
    brackets, an "X" inside if ticked): where its words end, and whether it is ticked.

    Only before an option's words (or holding both brackets), and a lone "]" only at
    a line's start: a bracket that closes a sentence's aside is no box.
    """
    height = max(1, max(w.y1 - w.y0 for w in words))
    for count in (3, 2, 1):
        run = words[index : index + count]
        if len(run) < count or any(len(w.text) > 4 or not set(w.text) <= _BOX_CHARS for w in run):
            continue
        if any(b.x0 - a.x1 > height for a, b in itertools.pairwise(run)):
            continue  # a box is one glyph wide: its brackets stand close together
        glyph = "".join(w.text for w in run)
        if not _TYPED_BOX.fullmatch(glyph):
            continue
        after = words[index + count] if index + count < len(words) else None
        closed = glyph[:1] in "[{(" and glyph[-1:] in "]})"
        if after is None and not closed:
            continue
        if after is not None and not (after.text[:1].isalnum() or closed):
            continue
        if len(glyph) == 1 and index > 0:
            continue
        return index + count, any(ch in "xX×" for ch in glyph)
    return None


def _text_segment(group: list[Word], scale: float) -> list[Segment]:
    """One segment for a run of words, with a tick segment first if it starts with a bare ✓."""
    out: list[Segment] = []
    words = list(group)
    if len(words) > 1 and _tick_mark(words[0], words[1]):
        # A tick written without a box (✓), which tesseract reads as "/" or "✓".
        mark = words.pop(0)
        out.append(_tick(True, mark.x0, mark.x1, mark, scale))
    if len(words) > 1 and words[0].text in _BULLET_READINGS and words[1].text[:1].isupper():
        # A list bullet read as a letter where the pixels did not show a solid dot
        # (blurred, or the line's first word was in the cell beside): no sentence
        # starts "e We work …".
        words[0] = _bullet_word(words[0], words[0].x0, words[0].x1)
    if len(words) > 1 and not _typed_bullet(words) and _JUNK.match(words[0].text):
        words = words[1:]  # a speck read as "=" or "©" before the first word
    text = _joined(words)
    x0 = min(w.x0 for w in words) * scale
    y0 = min(w.y0 for w in words) * scale
    x1 = max(w.x1 for w in words) * scale
    y1 = max(w.y1 for w in words) * scale
    confidence = min(w.confidence for w in words)
    head = words[1] if len(words) > 1 and _typed_bullet(words) else words[0]
    out.append(
        Segment(
            x0,
            y0,
            x1,
            y1,
            text,
            size=(y1 - y0),
            confidence=confidence,
            head_x1=_head_x1(head, scale),
        )
    )
    return out


def _typed_bullet(words: list[Word]) -> bool:
    """Whether a line's first word is its list bullet: a round one (:func:`list_bullets`),
    or a typed "*" before a capital ("* Referrals come from …"), which tesseract reads
    well; taken for a speck, the list item ran into the one above it."""
    first = words[0].text
    return first == BULLET or (first == "*" and words[1].text[:1].isupper())


def _head_x1(word: Word, scale: float) -> float:
    """Where a word ends, or its first part up to a hyphen (a line may break after one):
    the layout asks whether it would have fitted on the line above.

    tesseract's box holds the word's ink; the width a word processor fitted holds
    its letters' side bearings too, and the line above ends at its ink as well:
    both are added back.
    """
    text = word.text
    right: float = word.x1
    cut = text.find("-", 1)
    if 0 < cut < len(text) - 1:
        right = word.x0 + (word.x1 - word.x0) * (cut + 1) / len(text)
    return (right + _BEARING * (word.y1 - word.y0)) * scale


_BEARING = 0.15
"""A side bearing, as a share of the word's height (0.3 and 0 did no better on scans)."""


_GLUED_AFTER = (".", ",", ";", ":", ")", "@")
_L_AS_BRACKET = re.compile(r"(?<=[a-z]{2})\](?=[.,;:!?]?$)")
"""An "l" ending a word read as "]" ("fee]", "Loca]"), which no bracket opened before it."""
_STRAY_LEAD = re.compile(r"^(?:[©®¢|¦]+|_)(?=\w)")
"""A stray mark tesseract glued to the front of a word (no applicant types "©The")."""


def _letter_slips(text: str) -> str:
    """A word with a slip tesseract makes at 150-200 dpi and no English word holds:
    a "g" read "q" before "r", "h" or one "e" ("aqreed", "Briqht", "budqet",
    "tonbridqe", "qrace"; not "Aqeel", "Iqbal", "Iraqi"), "e.g." read "e.q.", and "on a" or
    "at a" read as one word ("ona", "ata")."""
    if text in _RUN_TOGETHER:
        return _RUN_TOGETHER[text]
    if "q" not in text:
        return text
    return _Q_FOR_G.sub("g", text.replace("e.q.", "e.g."))


_Q_FOR_G = re.compile(r"(?:(?<=[a-z])|(?<![\w'’-]))q(?=[rh]|e(?!e))")
_RUN_TOGETHER = {"ona": "on a", "ata": "at a"}


def _joined(words: list[Word]) -> str:
    """The words' text, spaced as printed: tesseract sometimes splits a word before
    its punctuation ("daniel" ".hughes@…") where there was no space on the page."""
    parts: list[str] = []
    previous: Word | None = None
    opened = False
    for word in words:
        text = word.text
        if word.confidence < 0.7:
            text = _STRAY_LEAD.sub("", text) or text
        if not opened:
            text = _L_AS_BRACKET.sub("l", text)
        text = _letter_slips(text)
        opened = opened or any(ch in "([{" for ch in text)
        if previous is not None:
            gap = word.x0 - previous.x1
            tight = gap < 0.2 * max(word.y1 - word.y0, previous.y1 - previous.y0)
            if not (tight and (text.startswith(_GLUED_AFTER) or previous.text.endswith("@"))):
                parts.append(" ")
        parts.append(text)
        previous = word
    return "".join(parts)


_TICK_MARKS = frozenset({"/", "✓", "✔", "√"})


def _tick_mark(word: Word, following: Word) -> bool:
    """Whether a line's first word is a bare tick mark standing apart from its words.

    A ✓ is as wide as half a line is tall; a printed "/" (a label wrapped at
    "project / service") is much narrower.
    """
    height = max(following.y1 - following.y0, 1)
    return (
        word.text in _TICK_MARKS
        and word.x1 - word.x0 >= 0.45 * height
        and following.x0 - word.x1 > 0.3 * height
        # "/ service be located?": a label wrapped at "project / service"; an
        # option's words start with a capital.
        and not following.text[:1].islower()
    )


def _tick(checked: bool, left: int, right: int, word: Word, scale: float) -> Segment:
    return Segment(left * scale, word.y0 * scale, right * scale, word.y1 * scale, tick=checked)
