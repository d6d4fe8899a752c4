"""A PDF page's text layer and drawings, read with pypdfium2.

pdfplumber (pdfminer's layout analysis) costs 30-60 times PDFium's own text
extraction (parsing notes), so the text layer is read from PDFium: its text
rectangles are runs of one font on one line, exactly the segments the layout
needs, at about twice the cost of the bare text. Ruling lines and drawn tick
boxes come from PDFium's path objects, also without laying out any text.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.pdf.layout import Page, Ruling, Segment

_THIN = 2.5
"""Paths thinner than this (points) are lines, not boxes."""
_BOX_MIN, _BOX_MAX = 5.0, 18.0
"""Drawn tick boxes are small squares (LibreOffice draws 11.8 pt ones)."""
_ITALIC_FLAG = 1 << 6


@dataclass(frozen=True, slots=True)
class PageBudget:
    """How much of one page we are willing to look at."""

    max_segments: int = 20_000
    max_paths: int = 20_000


def image_share(page: pdfium.PdfPage) -> float:
    """The share of the page covered by images."""
    width, height = page.get_size()
    covered = 0.0
    for number, obj in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])):
        if number > 200:
            break
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return covered / max(width * height, 1.0)


def read_page(
    page: pdfium.PdfPage,
    number: int,
    budget: PageBudget | None = None,
    textpage: pdfium.PdfTextPage | None = None,
) -> Page:
    """The segments and rulings of one page, top-down coordinates in points.

    ``textpage`` is the page's text page if the caller has loaded it already
    (loading one costs as much as reading it); the caller then closes it.
    """
    budget = budget or PageBudget()
    width, height = page.get_size()
    out = Page(number=number, width=width, height=height)
    own = textpage is None
    text = page.get_textpage() if textpage is None else textpage
    try:
        out.segments = _segments(text, height, budget)
    finally:
        if own:
            text.close()
    rulings, boxes, marks = _drawings(page, height, budget)
    out.segments = _without_struck(out.segments, rulings)
    out.rulings = rulings
    out.segments.extend(_tick_boxes(boxes, marks, out.segments))
    return out


def _segments(textpage: pdfium.PdfTextPage, height: float, budget: PageBudget) -> list[Segment]:
    """PDFium's text rectangles with their text and font.

    Rectangles come in character order, so each one's text is the slice of the
    page text from its first character to the next rectangle's: one text call
    per page instead of one bounded-text call (a scan of the page) per rectangle.
    """
    count = min(textpage.count_rects(), budget.max_segments)
    rects = [textpage.get_rect(index) for index in range(count)]
    chars = textpage.count_chars()
    page_text = textpage.get_text_range(0, chars) if chars > 0 else ""
    starts = [_first_char(textpage, rect) for rect in rects]
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    segments: list[Segment] = []
    for index, (left, bottom, right, top) in enumerate(rects):
        start = starts[index]
        # The next run's start, read in place: slicing the list copied it at every run.
        end = next(
            (starts[j] for j in range(index + 1, len(starts)) if starts[j] > start),
            len(page_text),
        )
        sliced = 0 <= start < end and len(page_text) == chars
        if sliced:
            text = page_text[start:end]
        else:
            text = textpage.get_text_bounded(left, bottom, right, top)
        raw = text
        text = text.replace("\r", "").replace("\n", " ")
        if not text.strip():
            continue
        italic = bold = False
        size = top - bottom
        if start >= 0:
            pdfium_c.FPDFText_GetFontInfo(textpage, start, name, 128, ctypes.byref(flags))
            font = name.value.decode("latin-1", "replace").lower()
            italic = "italic" in font or "oblique" in font or bool(flags.value & _ITALIC_FLAG)
            bold = "bold" in font or pdfium_c.FPDFText_GetFontWeight(textpage, start) >= 600
            size = pdfium_c.FPDFText_GetFontSize(textpage, start) or size
        segment = Segment(left, height - top, right, height - bottom, text, italic, bold, size)
        if sliced:
            segment.head_x1 = _head_x1(textpage, start, raw)
        segments.append(segment)
    return segments


_BOX = tuple(ctypes.c_double() for _ in range(4))


def _head_x1(textpage: pdfium.PdfTextPage, start: int, text: str) -> float | None:
    """Where the first word of a run (sliced from the page text at ``start``) ends.

    Up to and including a hyphen inside it, where a line may also break. One
    character-box call: the layout tells a wrapped line from a new one by it.
    """
    stripped = text.lstrip()
    if not stripped:
        return None
    offset = len(text) - len(stripped)
    word = stripped.split(None, 1)[0]
    hyphen = word.find("-", 1)
    last = offset + (hyphen if hyphen > 0 else len(word) - 1)
    left, right, bottom, top = _BOX
    if not pdfium_c.FPDFText_GetCharBox(
        textpage,
        start + last,
        ctypes.byref(left),
        ctypes.byref(right),
        ctypes.byref(bottom),
        ctypes.byref(top),
    ):
        return None
    return right.value if right.value > 0 else None


def _without_struck(segments: list[Segment], rulings: list[Ruling]) -> list[Segment]:
    """Text runs not struck through: a PDF printed with tracked changes shows deletions.

    A strike-through is a line across the middle of a run and no longer than it;
    underlines (insertions) run along the bottom and are left alone.
    """
    strikes = [r for r in rulings if r.horizontal and r.x1 - r.x0 < 400]
    if not strikes:
        return segments
    kept = []
    for segment in segments:
        top = segment.y0 + 0.3 * segment.height
        bottom = segment.y0 + 0.75 * segment.height
        width = segment.x1 - segment.x0
        struck = any(
            top <= rule.y0 <= bottom
            and rule.x0 <= segment.x0 + 0.1 * width
            and rule.x1 >= segment.x1 - 0.1 * width
            and rule.x0 >= segment.x0 - 3
            and rule.x1 <= segment.x1 + 3
            for rule in strikes
        )
        if not struck:
            kept.append(segment)
    return kept


def _first_char(textpage: pdfium.PdfTextPage, rect: tuple[float, float, float, float]) -> int:
    """The index of the first character in a text rectangle, or -1.

    A rectangle may start with a space, which has no height and cannot be hit:
    look a little further right.
    """
    left, bottom, right, top = rect
    middle, reach = (bottom + top) / 2, max((top - bottom) / 2, 0.5)
    for step in (0.3, 2.5, 5.0, (right - left) / 2):
        if left + step > right:
            break
        index = pdfium_c.FPDFText_GetCharIndexAtPos(textpage, left + step, middle, 0.5, reach)
        if index >= 0:
            return index
    return -1


def _drawings(
    page: pdfium.PdfPage, height: float, budget: PageBudget
) -> tuple[list[Ruling], list[tuple[float, float, float, float, int]], list[tuple[float, ...]]]:
    """Ruling lines, small squares (possible tick boxes) and small marks (possible ticks)."""
    rulings: list[Ruling] = []
    boxes: list[tuple[float, float, float, float, int]] = []
    marks: list[tuple[float, ...]] = []
    for number, obj in enumerate(
        page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3)
    ):
        if number >= budget.max_paths:
            break
        left, bottom, right, top = obj.get_bounds()
        x0, x1, y0, y1 = left, right, height - top, height - bottom
        w, h = x1 - x0, y1 - y0
        if w <= _THIN and h > 3:
            rulings.append(Ruling((x0 + x1) / 2, y0, (x0 + x1) / 2, y1))
        elif h <= _THIN and w > 3:
            rulings.append(Ruling(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2))
        elif _BOX_MIN <= w <= _BOX_MAX and abs(w - h) <= 1.5:
            segments = pdfium_c.FPDFPath_CountSegments(obj)
            boxes.append((x0, y0, x1, y1, segments))
        elif w < _BOX_MAX and h < _BOX_MAX:
            marks.append((x0, y0, x1, y1))
        elif w > _BOX_MAX and h > _BOX_MAX and pdfium_c.FPDFPath_CountSegments(obj) <= 6:
            # A rectangle (a cell's border or shading): its four edges.
            rulings += [
                Ruling(x0, y0, x1, y0),
                Ruling(x0, y1, x1, y1),
                Ruling(x0, y0, x0, y1),
                Ruling(x1, y0, x1, y1),
            ]
    return rulings, boxes, marks


def _tick_boxes(
    boxes: list[tuple[float, float, float, float, int]],
    marks: list[tuple[float, ...]],
    segments: list[Segment],
) -> list[Segment]:
    """Drawn squares as tick segments: ticked when lines or a letter are drawn inside.

    LibreOffice draws a checked legacy check box as its square plus two diagonal
    lines with the same bounds; a glyph X or ✓ inside a drawn square ticks it too.
    """
    # Paths drawn on the same square, within a point of each other: the frame at
    # 203.5 and its diagonals at 203.458 are one box (rounding would part them).
    groups: list[list[tuple[float, float, float, float, int]]] = []
    for box in boxes:
        for group in groups:
            if all(abs(a - b) <= 1.0 for a, b in zip(group[0][:4], box[:4], strict=True)):
                group.append(box)
                break
        else:
            groups.append([box])
    ticks: list[Segment] = []
    for paths in groups:
        if not any(count >= 4 for *_corners, count in paths):
            continue  # lines only: no frame, not a box
        x0, y0, x1, y1, _count = paths[0]
        area = (x0, y0, x1, y1)
        marked = any(count <= 3 or count > 6 for *_corners, count in paths) or any(
            _inside(area, m[:4]) for m in marks
        )
        for segment in segments:
            inner = (segment.x0, segment.y0, segment.x1, segment.y1)
            if _inside(area, inner) and segment.text.strip():
                marked = marked or segment.text.strip() in {"X", "x", "✓", "✔", "✗", "✘", "V"}
                segment.text = ""
        ticks.append(Segment(x0, y0, x1, y1, tick=marked))
    return ticks


def _inside(box: tuple[float, ...], item: tuple[float, ...]) -> bool:
    x0, y0, x1, y1 = box
    a0, b0, a1, b1 = item
    return x0 - 0.5 <= a0 and a1 <= x1 + 0.5 and y0 - 0.5 <= b0 and b1 <= y1 + 0.5
