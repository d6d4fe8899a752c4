"""Scanned pages: rendered with PDFium, straightened, read by tesseract, into layout segments.

A scan has no text layer and no drawn lines, only an image, so this module
rebuilds both from pixels:

* the page is rendered at 300 dpi and straightened (a scan is never quite
  level; the angle that makes the rows of ink sharpest wins);
* table rulings are long runs of dark pixels, found with numpy;
* tesseract (:mod:`parsers.pdf.tesseract`, loaded once per worker) gives words
  with boxes;
* tick boxes are found in the pixels, not the OCR text (tesseract reads ☐ as
  "O", "[]" or nothing): a small square frame at the start of a line, ticked
  when there is ink inside it.

Everything then goes through the same layout and pairing as a text PDF.
"""

from __future__ import annotations

import re

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from parsers.pdf.layout import Page, Ruling, Segment
from parsers.pdf.tesseract import (
    OcrFailed,
    OcrUnavailable,
    Word,
    read_words,
    require_engine,
)

__all__ = ["OcrFailed", "OcrUnavailable", "ocr_page", "scan_dpi"]

MAX_PIXELS = 17_500_000
"""The most pixels a page is rendered with for OCR (A3 at 300 dpi)."""

_JUNK = re.compile(r"^[^\w\s£$(\[\"'&#@%+\-]{1,2}$")
"""A first "word" of one or two stray symbols: a speck or a list bullet (•, ▪) misread."""


def ocr_page(page: pdfium.PdfPage, number: int, *, dpi: int = 300) -> Page:
    """A scanned page as text segments and rulings, in points like a text page."""
    width, height = page.get_size()
    # A page may declare itself 200 inches square: never render more than an A3
    # sheet's worth of pixels at 300 dpi, and do not OCR what would be too coarse.
    pixels = (width / 72 * dpi) * (height / 72 * dpi)
    if pixels > MAX_PIXELS:
        dpi = int(dpi * (MAX_PIXELS / pixels) ** 0.5)
        if dpi < 100:
            raise OcrFailed(f"the page is {width / 72:.0f} x {height / 72:.0f} inches: too large")
    require_engine()  # before the work of rendering a page nobody can read
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    image = bitmap.to_pil().convert("L")
    image = straighten(image)
    ink = np.asarray(image) < 140
    scale = 72.0 / dpi
    out = Page(number=number, width=width, height=height)
    # Cell borders of a one-line row are only ~0.2 inch tall; letters are shorter.
    lines = rulings(ink, min_length=int(dpi * 0.3), min_height=int(dpi * 0.19))
    out.rulings = [_scaled(r, scale) for r in lines]
    # Scanner dust reads as "." or "©" between words: OCR the page without it.
    clean = _despeckle(_erase(ink, lines), least=3)
    # Table borders read as "|" or "l" and glue a label to its answer: OCR the page
    # without them (they are kept as rulings).
    words = read_words(np.where(clean, 0, 255).astype(np.uint8), dpi)
    # Box edges are thin and grey after scanning: look for boxes in lighter ink.
    boxes = _erase(np.asarray(image) < 190, lines)
    out.segments = _segments(words, boxes, out.rulings, scale)
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
            pixels_wide = obj.get_px_size()[0]  # type: ignore[attr-defined]
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
    best, best_score = 0.0, -1.0
    for tenth in range(-20, 21):
        slope = np.tan(np.radians(tenth / 10))
        rows = np.round(ys + xs * slope).astype(np.int64)
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


def rulings(ink: np.ndarray, *, min_length: int, min_height: int | None = None) -> list[Ruling]:
    """Runs of ink at least ``min_length`` pixels wide (horizontal) or ``min_height``
    pixels tall (vertical), in pixel units."""
    found: list[Ruling] = []
    for axis in (0, 1):
        grid = ink if axis == 0 else ink.T
        padded = np.pad(grid.astype(np.int8), ((0, 0), (1, 1)))
        change = np.diff(padded, axis=1)
        start_rows, start_cols = np.nonzero(change == 1)
        _end_rows, end_cols = np.nonzero(change == -1)
        lengths = end_cols - start_cols
        keep = lengths >= (min_length if axis == 0 else (min_height or min_length))
        for row, start, end in zip(start_rows[keep], start_cols[keep], end_cols[keep], strict=True):
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


def _scaled(ruling: Ruling, scale: float) -> Ruling:
    return Ruling(ruling.x0 * scale, ruling.y0 * scale, ruling.x1 * scale, ruling.y1 * scale)


def _segments(
    words: list[Word], ink: np.ndarray, page_rulings: list[Ruling], scale: float
) -> list[Segment]:
    """Words grouped by tesseract's lines, split where a gap or a cell border parts them."""
    verticals = [r for r in page_rulings if not r.horizontal]
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        if not _border_remains(word, verticals, scale):
            lines.setdefault(word.line, []).append(word)
    segments: list[Segment] = []
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.x0)
        height = max(w.y1 - w.y0 for w in line_words)
        group: list[Word] = []
        for word in line_words:
            if group and _parted(group[-1], word, height, verticals, scale):
                segments.extend(_segment(group, ink, scale))
                group = []
            group.append(word)
        if group:
            segments.extend(_segment(group, ink, scale))
    return segments


def _border_remains(word: Word, verticals: list[Ruling], scale: float) -> bool:
    """Whether a word is a stray mark (a cell border's remains read as "©" or "|")
    lying across a cell border: it would glue the cells on either side together."""
    if not _JUNK.match(word.text):
        return False
    x0, x1 = word.x0 * scale, word.x1 * scale
    top, bottom = word.y0 * scale, word.y1 * scale
    return any(
        x0 - 1 < rule.x0 < x1 + 1 and rule.y0 <= bottom and rule.y1 >= top for rule in verticals
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


def _segment(group: list[Word], ink: np.ndarray, scale: float) -> list[Segment]:
    """One segment for a run of words, with a tick segment first if the run starts with a box."""
    out: list[Segment] = []
    words = list(group)
    first = words[0]
    tick = _box(first, ink)
    if tick is not None:
        checked, box_right = tick
        out.append(_tick(checked, first.x0, box_right, first, scale))
        if first.x1 <= box_right + 3 or len(first.text) <= 2:
            words = words[1:]
        if not words:
            return out
    else:
        # tesseract often drops a ticked box (☒) altogether: look left of the first word.
        found = _box_before(first, ink)
        if found is not None:
            checked, left, right = found
            out.append(_tick(checked, left, right, first, scale))
    if not out and len(words) > 1 and _tick_mark(words[0], words[1]):
        # A tick written without a box (✓), which tesseract reads as "/" or "✓".
        mark = words.pop(0)
        out.append(_tick(True, mark.x0, mark.x1, mark, scale))
    if len(words) > 1 and _JUNK.match(words[0].text):
        words = words[1:]  # a speck read as "=" or "©" before the first word
    text = _joined(words)
    x0 = min(w.x0 for w in words) * scale
    y0 = min(w.y0 for w in words) * scale
    x1 = max(w.x1 for w in words) * scale
    y1 = max(w.y1 for w in words) * scale
    confidence = min(w.confidence for w in words)
    out.append(Segment(x0, y0, x1, y1, text, size=(y1 - y0), confidence=confidence))
    return out


_GLUED_AFTER = (".", ",", ";", ":", ")", "@")
_STRAY_LEAD = re.compile(r"^[©®¢|¦]+(?=\w)")
"""A stray mark tesseract glued to the front of a word (no applicant types "©The")."""


def _joined(words: list[Word]) -> str:
    """The words' text, spaced as printed: tesseract sometimes splits a word before
    its punctuation ("daniel" ".hughes@…") where there was no space on the page."""
    parts: list[str] = []
    previous: Word | None = None
    for word in words:
        text = word.text
        if word.confidence < 0.7:
            text = _STRAY_LEAD.sub("", text) or text
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
    )


def _tick(checked: bool, left: int, right: int, word: Word, scale: float) -> Segment:
    return Segment(left * scale, word.y0 * scale, right * scale, word.y1 * scale, tick=checked)


def _box(word: Word, ink: np.ndarray) -> tuple[bool, int] | None:
    """Whether a word starts with a square frame (a tick box): (ticked, right edge) or None."""
    height = word.y1 - word.y0
    if height < 12:
        return None
    size = height
    x0, y0 = word.x0, word.y0
    region = ink[y0 : y0 + size, x0 : x0 + size]
    if region.shape[0] < size or region.shape[1] < size:
        return None
    if not _framed(region):
        return None
    inner = region[size // 4 : size - size // 4, size // 4 : size - size // 4]
    return bool(inner.mean() > 0.12), x0 + size


def _box_before(word: Word, ink: np.ndarray) -> tuple[bool, int, int] | None:
    """A tick box just left of a word: (ticked, left, right) or None."""
    height = word.y1 - word.y0
    if height < 10:
        return None
    top, bottom = max(0, word.y0 - height // 4), word.y1 + height // 4
    left = max(0, word.x0 - int(2.2 * height))
    region = _despeckle(ink[top:bottom, left : max(left, word.x0 - 2)])
    if region.size == 0 or not region.any():
        return None
    # The box is the densest run of inked columns: what lies apart from it (a cell
    # border's remains, a letter of the next line) is not part of it.
    x0, x1 = _densest_run(np.nonzero(region.any(axis=0))[0], region.T)
    y0, y1 = _densest_run(np.nonzero(region[:, x0:x1].any(axis=1))[0], region[:, x0:x1])
    # Columns again within those rows: a neighbour line's letter may have widened them.
    x0, x1 = _densest_run(np.nonzero(region[y0:y1].any(axis=0))[0], region[y0:y1].T)
    w, h = x1 - x0, y1 - y0
    if not (0.5 * height <= h <= 1.3 * height and 0.75 <= w / max(h, 1) <= 1.33):
        return None
    box = region[y0:y1, x0:x1]
    if word.x0 - (left + x1) < 0.15 * height or not _framed(box):
        return None  # a box stands apart from its words, with four straight sides
    inner = box[h // 4 : h - h // 4, w // 4 : w - w // 4]
    return bool(inner.mean() > 0.12), left + x0, left + x1


def _framed(box: np.ndarray) -> bool:
    """Whether a patch of ink is a square frame: a straight dark line along each side.

    Letters (O, D, 0) are round or open somewhere; a tick box is not.
    """
    h, w = box.shape
    if h < 8 or w < 8:
        return False
    edge = max(2, h // 6)
    sides = (
        box[:edge].mean(axis=1).max(),
        box[-edge:].mean(axis=1).max(),
        box[:, :edge].mean(axis=0).max(),
        box[:, -edge:].mean(axis=0).max(),
    )
    if min(sides) < 0.8:
        return False
    # A frame is hollow just inside its sides (a tick or cross only meets them at the
    # corners); the stems of "If" or "H" are solid there.
    inside = max(2, h // 10)
    third = slice(h // 3, h - h // 3)
    lining = (
        box[third, edge : edge + inside].mean(),
        box[third, w - edge - inside : w - edge].mean(),
        box[edge : edge + inside, w // 3 : w - w // 3].mean(),
        box[h - edge - inside : h - edge, w // 3 : w - w // 3].mean(),
    )
    return max(lining) < 0.35


def _despeckle(patch: np.ndarray, least: int = 4) -> np.ndarray:
    """``patch`` without lone specks of ink (scanner dust): dark pixels with fewer than
    ``least`` dark pixels in their 3×3 neighbourhood (themselves included)."""
    if patch.size == 0:
        return patch
    padded = np.pad(patch.astype(np.uint8), 1)
    neighbours = sum(
        padded[1 + dy : padded.shape[0] - 1 + dy, 1 + dx : padded.shape[1] - 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )
    return patch & (neighbours >= least)


def _densest_run(indices: np.ndarray, patch: np.ndarray) -> tuple[int, int]:
    """The contiguous run of ``indices`` (rows of ``patch``) holding the most ink."""
    if len(indices) == 0:
        return 0, 0
    breaks = np.nonzero(np.diff(indices) > 2)[0]
    starts = [int(indices[0])] + [int(indices[b + 1]) for b in breaks]
    ends = [int(indices[b]) + 1 for b in breaks] + [int(indices[-1]) + 1]
    return max(zip(starts, ends, strict=True), key=lambda se: int(patch[se[0] : se[1]].sum()))
