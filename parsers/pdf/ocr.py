"""Scanned pages: rendered with PDFium, straightened, read by tesseract, into layout segments.

A scan has no text layer and no drawn lines, only an image, so this module
rebuilds both from pixels:

* the page is rendered at 300 dpi and straightened (a scan is never quite
  level; the angle that makes the rows of ink sharpest wins);
* table rulings are long runs of dark pixels, found with numpy;
* tesseract (Debian's, run as a subprocess with ``OMP_THREAD_LIMIT=1``: its
  OpenMP threads make it 3-8 times slower, parsing notes) gives words with boxes;
* tick boxes are found in the pixels, not the OCR text (tesseract reads ☐ as
  "O", "[]" or nothing): a small square frame at the start of a line, ticked
  when there is ink inside it.

Everything then goes through the same layout and pairing as a text PDF.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from parsers.errors import ParserError
from parsers.pdf.layout import Page, Ruling, Segment

OCR_TIMEOUT = 60.0
"""Seconds tesseract may take for one page before we give up on it."""


class OcrUnavailable(ParserError):
    """tesseract is not installed (or cannot run) on this machine."""


@dataclass(frozen=True, slots=True)
class _Word:
    x0: int
    y0: int
    x1: int
    y1: int
    text: str
    line: tuple[int, int, int]


def tesseract_path() -> str | None:
    """The tesseract executable, if installed."""
    return shutil.which("tesseract")


def ocr_page(page: pdfium.PdfPage, number: int, *, dpi: int = 300) -> Page:
    """A scanned page as text segments and rulings, in points like a text page."""
    executable = tesseract_path()
    if executable is None:
        raise OcrUnavailable("tesseract is not installed")
    width, height = page.get_size()
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    image = bitmap.to_pil().convert("L")
    image = straighten(image)
    ink = np.asarray(image) < 140
    scale = 72.0 / dpi
    out = Page(number=number, width=width, height=height)
    out.rulings = [_scaled(r, scale) for r in rulings(ink, min_length=int(dpi * 0.6))]
    words = _tesseract(executable, image, dpi)
    out.segments = _segments(words, ink, out.rulings, scale)
    return out


def straighten(image: Image.Image) -> Image.Image:
    """``image`` rotated so that its lines of text and rulings are level."""
    small = image.reduce(4)
    dark = np.asarray(small) < 160
    if dark.mean() < 0.001:
        return image
    best_angle, best_score = 0.0, -1.0
    for tenth in range(-15, 16):
        angle = tenth / 10
        turned = np.asarray(
            Image.fromarray((dark * 255).astype(np.uint8)).rotate(
                angle, resample=Image.Resampling.NEAREST
            )
        )
        rows = turned.sum(axis=1, dtype=np.int64)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best_angle, best_score = angle, score
    if best_angle == 0.0:
        return image
    return image.rotate(best_angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def rulings(ink: np.ndarray, *, min_length: int) -> list[Ruling]:
    """Horizontal and vertical runs of ink at least ``min_length`` pixels long (pixel units)."""
    found: list[Ruling] = []
    for axis in (0, 1):
        grid = ink if axis == 0 else ink.T
        padded = np.pad(grid.astype(np.int8), ((0, 0), (1, 1)))
        change = np.diff(padded, axis=1)
        start_rows, start_cols = np.nonzero(change == 1)
        _end_rows, end_cols = np.nonzero(change == -1)
        lengths = end_cols - start_cols
        keep = lengths >= min_length
        for row, start, end in zip(start_rows[keep], start_cols[keep], end_cols[keep], strict=True):
            if axis == 0:
                found.append(Ruling(float(start), float(row), float(end), float(row)))
            else:
                found.append(Ruling(float(row), float(start), float(row), float(end)))
        if len(found) > 200_000:
            break
    return found


def _scaled(ruling: Ruling, scale: float) -> Ruling:
    return Ruling(ruling.x0 * scale, ruling.y0 * scale, ruling.x1 * scale, ruling.y1 * scale)


def _tesseract(executable: str, image: Image.Image, dpi: int) -> list[_Word]:
    buffer = io.BytesIO()
    image.save(buffer, "PPM")  # uncompressed: cheaper to write than PNG, leptonica reads it
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        result = subprocess.run(
            [executable, "stdin", "stdout", "--dpi", str(dpi), "--psm", "3", "-l", "eng", "tsv"],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=OCR_TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OcrUnavailable(f"tesseract failed: {exc}") from exc
    if result.returncode != 0:
        raise OcrUnavailable(f"tesseract failed: {result.stderr.decode(errors='replace')[:200]}")
    words: list[_Word] = []
    reader = csv.reader(
        io.StringIO(result.stdout.decode("utf-8", "replace")),
        delimiter="\t",
        quoting=csv.QUOTE_NONE,
    )
    for fields in reader:
        if len(fields) < 12 or fields[0] != "5" or not fields[11].strip():
            continue
        left, top, w, h = (int(v) for v in fields[6:10])
        line = (int(fields[2]), int(fields[3]), int(fields[4]))
        words.append(_Word(left, top, left + w, top + h, fields[11], line))
    return words


def _segments(
    words: list[_Word], ink: np.ndarray, page_rulings: list[Ruling], scale: float
) -> list[Segment]:
    """Words grouped by tesseract's lines, split where a gap or a cell border parts them."""
    verticals = [r for r in page_rulings if not r.horizontal]
    lines: dict[tuple[int, int, int], list[_Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    segments: list[Segment] = []
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.x0)
        height = max(w.y1 - w.y0 for w in line_words)
        group: list[_Word] = []
        for word in line_words:
            if group and _parted(group[-1], word, height, verticals, scale):
                segments.extend(_segment(group, ink, scale))
                group = []
            group.append(word)
        if group:
            segments.extend(_segment(group, ink, scale))
    return segments


def _parted(left: _Word, right: _Word, height: int, verticals: list[Ruling], scale: float) -> bool:
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


def _segment(group: list[_Word], ink: np.ndarray, scale: float) -> list[Segment]:
    """One segment for a run of words, with a tick segment first if the run starts with a box."""
    out: list[Segment] = []
    words = list(group)
    tick = _box(words[0], ink)
    if tick is not None:
        checked, box_right = tick
        first = words[0]
        out.append(
            Segment(
                first.x0 * scale,
                first.y0 * scale,
                box_right * scale,
                first.y1 * scale,
                tick=checked,
            )
        )
        if first.x1 <= box_right + 3 or len(first.text) <= 2:
            words = words[1:]
        if not words:
            return out
    text = " ".join(w.text for w in words)
    x0 = min(w.x0 for w in words) * scale
    y0 = min(w.y0 for w in words) * scale
    x1 = max(w.x1 for w in words) * scale
    y1 = max(w.y1 for w in words) * scale
    out.append(Segment(x0, y0, x1, y1, text, size=(y1 - y0)))
    return out


def _box(word: _Word, ink: np.ndarray) -> tuple[bool, int] | None:
    """Whether a word starts with a square frame (a tick box): (ticked, right edge) or None."""
    height = word.y1 - word.y0
    if height < 12:
        return None
    size = height
    x0, y0 = word.x0, word.y0
    region = ink[y0 : y0 + size, x0 : x0 + size]
    if region.shape[0] < size or region.shape[1] < size:
        return None
    edge = max(2, size // 7)
    strips = (
        region[:edge, :].mean(),
        region[-edge:, :].mean(),
        region[:, :edge].mean(),
        region[:, -edge:].mean(),
    )
    if min(strips) < 0.35:
        return None
    inner = region[size // 4 : size - size // 4, size // 4 : size - size // 4]
    return bool(inner.mean() > 0.12), x0 + size
