"""tesseract, loaded once per worker process and asked for words with boxes.

Running the ``tesseract`` program per page loads its English model each time
and hands the page over as a file; the library (through tesserocr) keeps the
model loaded between pages and reads the image from memory, which takes a
third off every page. The model itself is Debian's (``tesseract-ocr-eng``):
the tesserocr wheel brings the library but no language data.
"""

from __future__ import annotations

import csv
import glob
import io
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parsers.errors import ParserError

# tesseract's OpenMP threads make it 3-8 times slower on a busy machine (parsing
# notes); the limit is read when the library loads, so set it before importing it.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

RECOGNIZE_TIMEOUT = 60.0
"""Seconds tesseract may spend on one page before we give up on it."""

Region = tuple[int, int, int, int]
"""Part of a page image: left, top, right, bottom, in pixels."""

MOST_TEXT = 3000.0
"""The most text tesseract reads on one page, in lengths of its lines' own height
(a character is about half of one): tesseract's time grows with it (about 0.4 ms
each). The densest page of the application form holds 1,265 (development scans,
2026-12-06), a page of close-set 10 point prose about 2,500. A page of small print
(pdf.js's ``issue7229.pdf``, a certificate: 4,662) is read only down to where that
much text ends, so no page costs much more than a full form page's reading."""

_MODEL_DIRS = (
    "/usr/share/tesseract-ocr/*/tessdata",  # Debian and Ubuntu
    "/usr/share/tessdata",  # Fedora, Arch, Alpine
    "/usr/local/share/tessdata",  # built from source
    "/opt/homebrew/share/tessdata",
)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
"""tesseract prints typographic quotes for the straight ones applicants type."""


class OcrUnavailable(ParserError):
    """tesseract or its English model is not installed on this machine."""


class OcrFailed(ParserError):
    """tesseract ran but could not read a page (it failed or overran its time)."""


class Reading(list["Word"]):
    """The words read from a page image, and the row the reading stopped at
    (``read_to``) when the page held more than :data:`MOST_TEXT` (else None)."""

    read_to: int | None = None


@dataclass(frozen=True, slots=True)
class Word:
    """One word tesseract read, in the image's pixels."""

    x0: int
    y0: int
    x1: int
    y1: int
    text: str
    line: tuple[int, int, int]
    """(block, paragraph, line) as tesseract numbered them: the words of one line share it."""
    confidence: float = 1.0


def model_dir() -> Path | None:
    """The folder holding ``eng.traineddata``: ``TESSDATA_PREFIX`` if set, else the
    usual places packages put it. Once found it is remembered (per
    ``TESSDATA_PREFIX``): every scanned page asks."""
    configured = os.environ.get("TESSDATA_PREFIX")
    found = _found_models.get(configured)
    if found is None:
        if configured is not None:
            candidates = [configured]
        else:
            candidates = [d for p in _MODEL_DIRS for d in sorted(glob.glob(p), reverse=True)]
        found = next(
            (Path(c) for c in candidates if c and (Path(c) / "eng.traineddata").is_file()), None
        )
        if found is not None:
            _found_models[configured] = found
    return found


_found_models: dict[str | None, Path] = {}


class _Engine:
    """One tesseract instance; pages are read one at a time."""

    def __init__(self, models: Path) -> None:
        try:
            import tesserocr
        except ImportError as exc:  # a platform without a tesserocr wheel
            raise OcrUnavailable(f"tesserocr cannot be loaded: {exc}") from exc
        self.models = models
        self._lock = threading.Lock()
        try:
            self._api = tesserocr.PyTessBaseAPI(
                path=str(models),
                lang="eng",
                psm=tesserocr.PSM.AUTO,
                oem=tesserocr.OEM.DEFAULT,
            )
        except RuntimeError as exc:
            raise OcrUnavailable(f"tesseract cannot load its English model: {exc}") from exc
        # A scanned form is dark ink on white: never try the page inverted.
        self._api.SetVariable("tessedit_do_invert", "0")

    def words(
        self, pixels: np.ndarray, dpi: int, regions: Sequence[Region] = (), most_text: float = 0
    ) -> Reading:
        import tesserocr

        height, width = pixels.shape
        # One bit a pixel (tesseract's "binary" input, 1 = paper): the page is black
        # ink on white already, and so tesseract neither thresholds it again nor
        # keeps a grey copy for its line recogniser. The same answers on the
        # development scans, 2% less of tesseract's time (measured A/B on cached pages).
        paper = ~pixels if pixels.dtype == np.bool_ else pixels != 0
        packed = np.packbits(paper, axis=1)
        del paper
        raw, stride = packed.tobytes(), packed.shape[1]
        del packed
        words = Reading()
        with self._lock:
            api = self._api
            # Raw pixels: no image file to encode here and decode again in leptonica.
            api.SetImageBytes(raw, width, height, 0, stride)
            del raw  # tesseract keeps its own copy: not two while it reads the page
            api.SetSourceResolution(dpi)
            try:
                if not regions:
                    api.SetPageSegMode(tesserocr.PSM.AUTO)
                    words.read_to = self._text_end(most_text) if most_text else None
                    if words.read_to is not None:
                        api.SetRectangle(0, 0, width, words.read_to)
                    words.extend(_words_from_tsv(self._recognize()))
                api.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
                for number, (x0, y0, x1, y1) in enumerate(regions):
                    api.SetRectangle(x0, y0, x1 - x0, y1 - y0)
                    words.extend(_words_from_tsv(self._recognize(), line=(-1, number, 0)))
            finally:
                api.Clear()
        return words

    def _text_end(self, most: float) -> int | None:
        """The row above the first line of text past the page's first ``most`` (in
        line heights), or None when the page holds no more than that.

        tesseract's layout analysis finds the lines; when the whole page is read,
        its recognition reuses that analysis (the same words, in the same time).
        """
        import tesserocr

        layout = self._api.AnalyseLayout()
        lines: list[tuple[int, float]] = []
        if layout is not None:
            level = tesserocr.RIL.TEXTLINE
            while True:
                box = layout.BoundingBox(level)
                if box is not None:
                    x0, y0, x1, y1 = box
                    lines.append((y0, (x1 - x0) / max(1, y1 - y0)))
                if not layout.Next(level):
                    break
            del layout  # it points into the analysis the recognition replaces
        if sum(length for _top, length in lines) <= most:
            return None
        total = 0.0
        for top, length in sorted(lines):
            total += length
            if total > most:
                return max(1, top)
        return None

    def _recognize(self) -> str:
        if not self._api.Recognize(timeout=int(RECOGNIZE_TIMEOUT * 1000)):
            raise OcrFailed(f"tesseract did not finish the page in {RECOGNIZE_TIMEOUT:.0f} s")
        return self._api.GetTSVText(0)


_engines: dict[Path, _Engine] = {}
_engines_lock = threading.Lock()


def require_engine() -> None:
    """Load tesseract if it is not loaded yet; :class:`OcrUnavailable` if it cannot be."""
    _engine()


def read_words(
    pixels: np.ndarray, dpi: int, regions: Sequence[Region] = (), *, most_text: float = 0
) -> Reading:
    """The words tesseract reads in a black and white page image (rows by columns:
    8-bit with 0 for ink and any other value paper, or a mask, True for ink)
    scanned at ``dpi``: the whole page, or only ``regions`` of it, each read as
    one line of text (a lone "N" in a cell, which a whole-page reading passes over).

    With ``most_text`` (e.g. :data:`MOST_TEXT`), a whole page holding more text
    than that is read only down to where that much ends (``Reading.read_to``).

    Raises :class:`OcrUnavailable` when tesseract or its model is missing and
    :class:`OcrFailed` when it cannot read the page in time.
    """
    return _engine().words(pixels, dpi, regions, most_text)


def _engine() -> _Engine:
    models = model_dir()
    if models is None:
        raise OcrUnavailable("tesseract's English model (tesseract-ocr-eng) is not installed")
    with _engines_lock:
        engine = _engines.get(models)
        if engine is None:
            engine = _engines[models] = _Engine(models)
        return engine


def _words_from_tsv(tsv: str, line: tuple[int, int, int] | None = None) -> Iterator[Word]:
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for fields in reader:
        # level 5 is a word; columns: level page block par line word left top width height conf text
        if len(fields) < 12 or fields[0] != "5" or not fields[11].strip():
            continue
        left, top, width, height = (int(v) for v in fields[6:10])
        try:
            confidence = max(0.0, min(1.0, float(fields[10]) / 100))
        except ValueError:
            confidence = 0.0
        yield Word(
            left,
            top,
            left + width,
            top + height,
            fields[11].translate(_QUOTES),
            line or (int(fields[2]), int(fields[3]), int(fields[4])),
            confidence,
        )
