"""Tick boxes found in a scanned page's pixels, ticked or not.

tesseract reads an empty box as "O", "[]", "_|" or nothing, and drops a ticked
one (☒) altogether, so boxes are found in the pixels before the words are
read: a small square frame, with a straight dark line along each side and
hollow just inside them, is a box; ink in its middle is a tick.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

_MARKED = 0.12
"""A box is ticked when more than this share of its middle is ink (a ✓ or ✗ is thin)."""


@dataclass(frozen=True, slots=True)
class TickBox:
    """A box on the page, in pixels, and whether it is ticked."""

    x0: int
    y0: int
    x1: int
    y1: int
    checked: bool

    def covers(self, x0: int, y0: int, x1: int, y1: int) -> bool:
        """Whether most of a word's box lies on this box (tesseract's reading of it)."""
        width = min(x1, self.x1 + 2) - max(x0, self.x0 - 2)
        height = min(y1, self.y1 + 2) - max(y0, self.y0 - 2)
        if width <= 0 or height <= 0:
            return False
        return width * height >= 0.5 * max(1, (x1 - x0) * (y1 - y0))


def find_tick_boxes(ink: np.ndarray, dpi: int) -> list[TickBox]:
    """Every tick box in ``ink`` (dark pixels of a straightened page), from about 6
    to 18 points a side. A table border is far longer than a box's top or bottom, so
    a box drawn just inside a cell's border is found too."""
    least, most = max(8, int(dpi * 0.08)), int(dpi * 0.25)
    tops = _edges(ink, least, most)
    by_left: dict[int, list[tuple[int, int, int]]] = {}
    for row, start, end in tops:
        by_left.setdefault(start // 4, []).append((row, start, end))
    found: list[TickBox] = []
    for row, start, end in tops:
        # On a box already found (a page has tens): a page-sized mask of them was 8.7 MB.
        if any(b.y0 <= row < b.y1 and start < b.x1 and b.x0 < end for b in found):
            continue
        side = end - start
        for bucket in (start // 4 - 1, start // 4, start // 4 + 1):
            for other_row, other_start, other_end in by_left.get(bucket, ()):
                tall = other_row - row
                if not (
                    0.75 * side <= tall <= 1.33 * side
                    and abs(other_start - start) <= 3
                    and abs(other_end - end) <= 3
                ):
                    continue
                patch = ink[row : other_row + 1, start : max(end, other_end)]
                if not framed(patch):
                    continue
                h, w = patch.shape
                middle = patch[h // 4 : h - h // 4, w // 4 : w - w // 4]
                checked = bool(middle.mean() > _MARKED)
                if not checked and round_hole(patch):
                    continue  # a bold "O" (a heading's, a label's): its sides pass for a frame
                found.append(TickBox(start, row, start + w, row + h, checked))
                break
            else:
                continue
            break
    return found


def _edges(ink: np.ndarray, least: int, most: int) -> list[tuple[int, int, int]]:
    """Horizontal runs of ink ``least`` to ``most`` pixels long: (row, start, end)."""
    return list(ink_runs(ink, least, most))


BAND_ROWS = 256
"""Rows of a page image :func:`ink_runs` looks at at once (2 MB of int8 at 300 dpi)."""


def ink_runs(
    ink: np.ndarray, least: int, most: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """Horizontal runs of ink at least ``least`` (and at most ``most``) pixels long,
    as (row, start, end), row by row.

    A band of rows at a time: the whole page's padded copy, its differences, their
    masks and the positions of every run were 40 MB at 300 dpi; a band's are 2 MB.
    """
    for top in range(0, ink.shape[0], BAND_ROWS):
        band = ink[top : top + BAND_ROWS]
        padded = np.zeros((band.shape[0], band.shape[1] + 2), np.int8)
        padded[:, 1:-1] = band
        change = np.diff(padded, axis=1)
        # Each row starts and ends on paper (the padding), so its changes alternate,
        # a run's start then its end: one pass over the band finds both.
        edges = np.flatnonzero(change)
        del change
        start_rows, starts = np.divmod(edges[0::2], padded.shape[1] - 1)
        ends = edges[1::2] % (padded.shape[1] - 1)
        lengths = ends - starts
        keep = lengths >= least if most is None else (lengths >= least) & (lengths <= most)
        for row, start, end in zip(start_rows[keep], starts[keep], ends[keep], strict=True):
            yield top + int(row), int(start), int(end)


def framed(box: np.ndarray) -> bool:
    """Whether a patch of ink is a square frame: a straight dark line along each side.

    Letters (O, D, 0) are round or open somewhere; a tick box is not.
    """
    h, w = box.shape
    if h < 8 or w < 8:
        return False
    edge = max(2, h // 6)
    # Side by side, giving up at the first that is not a line: most patches asked
    # are letters (a page asks hundreds), and one numpy call costs more than the
    # arithmetic of a patch this small. The upright sides first: a patch is asked
    # because its top and bottom are lines already. (The best line's share of ink,
    # as its count over its length: numpy's mean, without its overhead.)
    sides = (box[:, :edge].T, box[:, -edge:].T, box[:edge], box[-edge:])
    if any(side.sum(axis=1).max() / side.shape[1] < 0.8 for side in sides):
        return False
    # A frame is hollow just inside its sides (a tick or cross only meets them at the
    # corners); the stems of "If" or "H" are solid there.
    inside = max(2, h // 10)
    third = slice(h // 3, h - h // 3)
    linings = (
        box[third, edge : edge + inside],
        box[third, w - edge - inside : w - edge],
        box[edge : edge + inside, w // 3 : w - w // 3],
        box[h - edge - inside : h - edge, w // 3 : w - w // 3],
    )
    return all(lining.mean() < 0.35 for lining in linings)


_ROUND = 0.6
"""A hole whose corners are more than this share ink is round: a letter, not a box."""


def round_hole(frame: np.ndarray) -> bool:
    """Whether the hole inside a frame-like patch of ink has round corners, as the
    hole of a bold "O" has (on a scan its flat sides pass for a box's): a box's hole
    is square to its corners.

    The hole is measured from the stroke's width at the middle of each side; a
    quarter of its width in from each corner of it is ink for an "O" and paper for
    an empty box. (A ticked box is not asked: a cross runs into its corners.)
    """
    h, w = frame.shape
    top, bottom = _stroke(frame[:, w // 2]), _stroke(frame[::-1, w // 2])
    left, right = _stroke(frame[h // 2]), _stroke(frame[h // 2, ::-1])
    hole = frame[top : h - bottom, left : w - right]
    if min(hole.shape) < 4:
        return True  # all stroke: no box's hole
    k = max(1, min(hole.shape) // 4)
    corners = (hole[:k, :k], hole[:k, -k:], hole[-k:, :k], hole[-k:, -k:])
    return float(np.mean([c.mean() for c in corners])) > _ROUND


def _stroke(line: np.ndarray) -> int:
    """How many pixels of ink a line of pixels starts with."""
    paper = np.flatnonzero(~line.astype(bool))
    return int(paper[0]) if paper.size else len(line)
