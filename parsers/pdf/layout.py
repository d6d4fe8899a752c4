"""From positioned text and ruling lines to the format-neutral blocks of :mod:`parsers.blocks`.

A PDF page (from its text layer or from OCR) is pieces of text with boxes and
the lines drawn on it. Table cells are the smallest rectangles closed by
ruling lines (the way pdfplumber finds them, from the intersections of
horizontal and vertical edges); text inside a cell belongs to it, text outside
every cell is free text. Visual lines become paragraphs again where a line was
only wrapped: it reached the right edge of its cell or column and the next one
goes on with the same indent, so a label that wraps over four lines is one
label again, as it was in Word.

Coordinates are PDF points with ``y`` growing downwards (top of the page 0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from parsers.blocks import Block, Cell, Line, Table, Tick
from parsers.glyphs import split_ticks

_TOL = 2.0
"""How far apart (points) two edges may be and still meet: drawing programs are not exact."""


@dataclass(slots=True)
class Segment:
    """A run of text on one line with its box; or a drawn tick box (``tick`` set, no text)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""
    italic: bool = False
    bold: bool = False
    size: float = 0.0
    tick: bool | None = None
    confidence: float = 1.0
    head_x1: float | None = None
    """Where the run's first word ends (up to a hyphen, where a line may break), if known."""

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 0.1)


@dataclass(frozen=True, slots=True)
class Ruling:
    """A horizontal (``y0 == y1``) or vertical (``x0 == x1``) line segment."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= abs(self.x1 - self.x0)


@dataclass(slots=True)
class Page:
    """What one page shows: text segments and ruling lines, in points."""

    number: int
    width: float
    height: float
    segments: list[Segment] = field(default_factory=list)
    rulings: list[Ruling] = field(default_factory=list)


@dataclass(slots=True)
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float
    segments: list[Segment] = field(default_factory=list)

    def holds(self, segment: Segment) -> bool:
        return self.x0 - 1 <= segment.cx <= self.x1 + 1 and self.y0 - 1 <= segment.cy <= self.y1 + 1


@dataclass(slots=True)
class _VLine:
    """A visual line: segments sharing a baseline, left to right.

    Its bounds are worked out once, when first asked: a line is complete by then
    (:func:`_visual_lines` adds segments before it sorts the lines), and joining
    paragraphs asks every line's edges for every line of its block.
    """

    segments: list[Segment]
    _bounds: tuple[float, float, float, float] | None = field(default=None, repr=False)

    def _edges(self) -> tuple[float, float, float, float]:
        if self._bounds is None:
            segments = self.segments
            self._bounds = (
                min(s.x0 for s in segments),
                min(s.y0 for s in segments),
                max(s.x1 for s in segments),
                max(s.y1 for s in segments),
            )
        return self._bounds

    @property
    def x0(self) -> float:
        return self._edges()[0]

    @property
    def x1(self) -> float:
        return self._edges()[2]

    @property
    def y0(self) -> float:
        return self._edges()[1]

    @property
    def y1(self) -> float:
        return self._edges()[3]

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


def column_grid(pages_cells: Iterable[Sequence[_Box]]) -> list[float]:
    """The x positions of cell edges over all pages, so columns compare across page breaks.

    Tables nested in a cell have their own columns and are left out.
    """
    edges = sorted(
        {
            x
            for cells in pages_cells
            for c in cells
            if not any(o is not c and _holds_box(o, c) for o in cells)
            for x in (c.x0, c.x1)
        }
    )
    grid: list[float] = []
    for x in edges:
        if not grid or x - grid[-1] > _TOL:
            grid.append(x)
    return grid


def page_blocks(
    page: Page,
    *,
    cells: list[_Box] | None = None,
    grid: list[float] | None = None,
    body_size: float | None = None,
    margins: list[Line] | None = None,
) -> list[Block]:
    """The lines and tables of one page, top to bottom.

    ``cells`` are the page's cells if already found; ``grid`` the document's
    column edges (:func:`column_grid`), so a table's columns are numbered the
    same on every page. Given ``margins``, header and footer lines go there.
    """
    if cells is None:
        cells = find_cells(page.rulings)
    for cell in cells:
        cell.segments.clear()
    tables = _group_tables(cells)
    free: list[Segment] = []
    for segment in page.segments:
        home = _smallest_holding(cells, segment)
        if home is None:
            free.append(segment)
        else:
            home.segments.append(segment)
    size = body_size or _median_size(page.segments)
    parents = _parents(tables)
    children: dict[int, list[tuple[float, Block]]] = {}
    built: dict[int, Table] = {}
    placed: list[tuple[float, Block]] = []
    # Inner tables first, so that each is ready when the cell holding it is built.
    order = sorted(range(len(tables)), key=lambda i: _area(_bounds(tables[i])))
    for index in order:
        table_cells = tables[index]
        where = f"page {page.number}, table {index + 1}"
        table = _table(table_cells, where, size, grid, children)
        built[index] = table
        top = min(c.y0 for c in table_cells)
        if index in parents:
            children.setdefault(id(parents[index]), []).append((top, table))
        else:
            placed.append((top, table))
    if margins is not None and page.height:
        # Running headers and footers (in the top and bottom 7.5% of the page) would
        # cut a table that goes on over the page break; they are read last instead.
        top, bottom = 0.075 * page.height, 0.925 * page.height
        edge = [s for s in free if s.y1 <= top or s.y0 >= bottom]
        free = [s for s in free if not (s.y1 <= top or s.y0 >= bottom)]
        where = f"page {page.number} header or footer"
        margins.extend(
            line for _top, line in _paragraphs(_visual_lines(edge), page.width, where, size)
        )
    placed.extend(_paragraphs(_visual_lines(free), None, f"page {page.number}", size))
    placed.sort(key=lambda item: item[0])
    return [block for _top, block in placed]


def join_pages(
    pages: Iterable[list[Block]], starts_question: Callable[[Cell], bool] = lambda cell: False
) -> list[Block]:
    """Blocks of consecutive pages as one stream.

    A table going on over a page break is one table, and a row that Word or
    LibreOffice split over the break (its first cells on the new page ask no
    question) is one row again, so a long answer is read whole.
    """
    out: list[Block] = []
    for blocks in pages:
        if (
            out
            and blocks
            and isinstance(out[-1], Table)
            and isinstance(blocks[0], Table)
            and _same_columns(out[-1], blocks[0])
        ):
            previous, following = out[-1], blocks[0]
            rows = following.rows
            if rows and previous.rows and _continues(previous.rows[-1], rows[0], starts_question):
                for cell in rows[0]:
                    above = next(
                        (
                            c
                            for c in previous.rows[-1]
                            if (c.column, c.span) == (cell.column, cell.span)
                        ),
                        None,
                    )
                    if above is not None:
                        _append_cell(above, cell)
                rows = rows[1:]
            previous.rows.extend(rows)
            blocks = blocks[1:]
        out.extend(blocks)
    return out


def _append_cell(above: Cell, below: Cell) -> None:
    """The rest of a cell from the next page; a sentence cut by the break is one line again."""
    blocks = list(below.blocks)
    last = above.blocks[-1] if above.blocks else None
    first = blocks[0] if blocks else None
    if (
        isinstance(last, Line)
        and isinstance(first, Line)
        and (_runs_on(last.text, first.text) or _cut_at_edge(last, first))
    ):
        last.parts.extend([" ", *first.parts])
        blocks = blocks[1:]
    above.blocks.extend(blocks)


def _runs_on(end: str, start: str) -> bool:
    end, start = end.rstrip(), start.lstrip()
    return bool(end and start) and end[-1] not in ".?!:;)" and start[0].islower()


def _cut_at_edge(last: Line, first: Line) -> bool:
    """A line that filled its cell to the page's end, with no full stop, wrapped onto the next."""
    end = last.text.rstrip()
    return (
        last.full
        and bool(end and first.text.strip())
        and end[-1] not in ".?!:;)"
        and not first.ticks
        and first.text.lstrip()[:1] not in "•▪◦●■-–*"
    )


def _continues(
    last: list[Cell], first: list[Cell], starts_question: Callable[[Cell], bool]
) -> bool:
    """Whether ``first`` (top of a page) is the rest of ``last`` (bottom of the page before).

    Either a sentence runs on (a cell's text stops without a full stop and the
    cell below goes on in lower case), or the new row asks no question of its own.
    """
    if [(c.column, c.span) for c in last] != [(c.column, c.span) for c in first]:
        return False
    if len(first) > 1 and first[0].empty and not last[0].empty:
        # No label in the label's column: the rest of the answers above, whatever
        # their first words look like ("Plan priorities", the end of a tick's words).
        return True
    if first and starts_question(first[0]) and not _runs_on(last[0].text, first[0].text):
        # The new row's first cell asks a question of its own: an answer above
        # ending in lower case ("…@example.org" then "www…") does not make it one row.
        return False
    if any(_runs_on(a.text, b.text) for a, b in zip(last, first, strict=True)):
        return True
    return not any(starts_question(c) for c in first)


# --- cells from rulings --------------------------------------------------------------


MAX_CROSSINGS = 2000
"""The most crossings of rulings a page's tables may have. The forms we know have
under 100 a page; a page crossed thousands of times is a picture (a halftone, a
chart's grid, pixel art read by OCR: qpdf's ``nested-images.pdf``, 9,000 cells
and 17 s of CPU), and closing that many cells costs seconds: it is read as text
outside tables."""


def find_cells(rulings: Sequence[Ruling]) -> list[_Box]:
    """The smallest rectangles closed on four sides by ruling lines (none when
    the lines cross more than :data:`MAX_CROSSINGS` times)."""
    horizontal = _merge([r for r in rulings if r.horizontal], horizontal=True)
    vertical = _merge([r for r in rulings if not r.horizontal], horizontal=False)
    if len(horizontal) < 2 or len(vertical) < 2 or len(horizontal) * len(vertical) > 250_000:
        return []
    points: set[tuple[float, float]] = set()
    for v in vertical:
        for h in horizontal:
            if h.x0 - _TOL <= v.x0 <= h.x1 + _TOL and v.y0 - _TOL <= h.y0 <= v.y1 + _TOL:
                points.add((_snap(v.x0), _snap(h.y0)))
        if len(points) > MAX_CROSSINGS:
            return []
    by_x: dict[float, list[float]] = {}
    by_y: dict[float, list[float]] = {}
    for x, y in points:
        by_x.setdefault(x, []).append(y)
        by_y.setdefault(y, []).append(x)
    for values in (*by_x.values(), *by_y.values()):
        values.sort()

    # Each point asks whether a line joins it to several others: look only among the
    # lines at its height (or abscissa), not through all of them.
    rows = _by_position(horizontal, lambda h: h.y0)
    columns = _by_position(vertical, lambda v: v.x0)

    def joined_h(y: float, xa: float, xb: float) -> bool:
        return any(
            abs(h.y0 - y) <= _TOL and h.x0 - _TOL <= xa and h.x1 + _TOL >= xb
            for h in _near(rows, y)
        )

    def joined_v(x: float, ya: float, yb: float) -> bool:
        return any(
            abs(v.x0 - x) <= _TOL and v.y0 - _TOL <= ya and v.y1 + _TOL >= yb
            for v in _near(columns, x)
        )

    def reach_v(x: float, y: float) -> float:
        # How far down a line through (x, y) goes: joined_v(x, y, yy) for every yy
        # up to it and none beyond, asked once per point instead of once per pair.
        return max(
            (v.y1 for v in _near(columns, x) if abs(v.x0 - x) <= _TOL and v.y0 - _TOL <= y),
            default=-math.inf,
        )

    def reach_h(y: float, x: float) -> float:
        return max(
            (h.x1 for h in _near(rows, y) if abs(h.y0 - y) <= _TOL and h.x0 - _TOL <= x),
            default=-math.inf,
        )

    cells: list[_Box] = []
    for x, y in sorted(points, key=lambda p: (p[1], p[0])):
        down, across = reach_v(x, y) + _TOL, reach_h(y, x) + _TOL
        below = [yy for yy in by_x[x] if y + _TOL < yy <= down]
        right = [xx for xx in by_y[y] if x + _TOL < xx <= across]
        found = _close(x, y, below, right, points, joined_h, joined_v)
        if found is not None:
            cells.append(found)
    return cells


def _by_position(
    lines: list[Ruling], position: Callable[[Ruling], float]
) -> dict[int, list[Ruling]]:
    """``lines`` in buckets ``_TOL`` wide by their position across the line."""
    buckets: dict[int, list[Ruling]] = {}
    for line in lines:
        buckets.setdefault(int(position(line) // _TOL), []).append(line)
    return buckets


def _near(buckets: dict[int, list[Ruling]], position: float) -> Iterable[Ruling]:
    """The lines of ``buckets`` that may lie within ``_TOL`` of ``position``."""
    key = int(position // _TOL)
    for k in (key - 1, key, key + 1):
        yield from buckets.get(k, ())


def _close(x, y, below, right, points, joined_h, joined_v) -> _Box | None:  # type: ignore[no-untyped-def]
    for yy in below:
        for xx in right:
            if (xx, yy) in points and joined_h(yy, x, xx) and joined_v(xx, y, yy):
                return _Box(x, y, xx, yy)
    return None


def _snap(value: float) -> float:
    return round(value * 2) / 2


def _merge(lines: list[Ruling], *, horizontal: bool) -> list[Ruling]:
    """Collinear pieces joined into whole lines (borders are often drawn cell by cell)."""
    if horizontal:
        items = sorted(((r.y0 + r.y1) / 2, min(r.x0, r.x1), max(r.x0, r.x1)) for r in lines)
    else:
        items = sorted(((r.x0 + r.x1) / 2, min(r.y0, r.y1), max(r.y0, r.y1)) for r in lines)
    merged: list[list[float]] = []
    for pos, start, end in items:
        for current in reversed(merged[-40:]):
            if (
                abs(current[0] - pos) <= _TOL
                and start <= current[2] + _TOL
                and end >= current[1] - _TOL
            ):
                current[1] = min(current[1], start)
                current[2] = max(current[2], end)
                break
        else:
            merged.append([pos, start, end])
    if horizontal:
        return [Ruling(a, p, b, p) for p, a, b in merged]
    return [Ruling(p, a, p, b) for p, a, b in merged]


def _group_tables(cells: list[_Box]) -> list[list[_Box]]:
    """Cells that touch belong to one table."""
    parent = list(range(len(cells)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    corners: dict[tuple[float, float], int] = {}
    for i, cell in enumerate(cells):
        for corner in (
            (cell.x0, cell.y0),
            (cell.x1, cell.y0),
            (cell.x0, cell.y1),
            (cell.x1, cell.y1),
        ):
            if corner in corners:
                parent[find(i)] = find(corners[corner])
            else:
                corners[corner] = i
    groups: dict[int, list[_Box]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(find(i), []).append(cell)
    return sorted(groups.values(), key=lambda g: min(c.y0 for c in g))


def _smallest_holding(cells: list[_Box], segment: Segment) -> _Box | None:
    # The same test as _Box.holds, written out: it runs for every run of text
    # against every cell of its page.
    cx, cy = segment.cx, segment.cy
    best: _Box | None = None
    best_area = 0.0
    for cell in cells:
        if cell.x0 - 1 <= cx <= cell.x1 + 1 and cell.y0 - 1 <= cy <= cell.y1 + 1:
            area = (cell.x1 - cell.x0) * (cell.y1 - cell.y0)
            if best is None or area < best_area:
                best, best_area = cell, area
    return best


def _holds_box(outer: _Box, inner: _Box) -> bool:
    return (
        outer.x0 - 1 <= inner.x0
        and outer.y0 - 1 <= inner.y0
        and outer.x1 + 1 >= inner.x1
        and outer.y1 + 1 >= inner.y1
        and _area((outer.x0, outer.y0, outer.x1, outer.y1))
        > _area((inner.x0, inner.y0, inner.x1, inner.y1)) + 1
    )


def _parents(tables: list[list[_Box]]) -> dict[int, _Box]:
    """For each table nested in another table's cell, that cell."""
    parents: dict[int, _Box] = {}
    for index, table_cells in enumerate(tables):
        x0, y0, x1, y1 = _bounds(table_cells)
        best: _Box | None = None
        for other, other_cells in enumerate(tables):
            if other == index:
                continue
            for cell in other_cells:
                inside = (
                    cell.x0 - 1 <= x0
                    and cell.y0 - 1 <= y0
                    and cell.x1 + 1 >= x1
                    and cell.y1 + 1 >= y1
                )
                if inside and (best is None or _area(_bounds([cell])) < _area(_bounds([best]))):
                    best = cell
        if best is not None:
            parents[index] = best
    return parents


def _bounds(cells: Sequence[_Box]) -> tuple[float, float, float, float]:
    return (
        min(c.x0 for c in cells),
        min(c.y0 for c in cells),
        max(c.x1 for c in cells),
        max(c.y1 for c in cells),
    )


def _area(bounds: tuple[float, float, float, float]) -> float:
    return (bounds[2] - bounds[0]) * (bounds[3] - bounds[1])


def _table(
    cells: list[_Box],
    location: str,
    size: float,
    grid: list[float] | None,
    children: dict[int, list[tuple[float, Block]]] | None = None,
) -> Table:
    xs = grid or sorted({c.x0 for c in cells} | {c.x1 for c in cells})
    by_top: dict[float, list[_Box]] = {}
    for cell in cells:
        key = next((y for y in by_top if abs(y - cell.y0) <= _TOL), cell.y0)
        by_top.setdefault(key, []).append(cell)
    rows = [sorted(by_top[top], key=lambda c: c.x0) for top in sorted(by_top)]
    builder = _CellBuilder(xs, size, children or {})
    return builder.table(rows, location)


class _CellBuilder:
    """Cells from boxes; rows that sit beside a taller cell become a table nested in a cell.

    A table nested in a cell and touching its borders, or a cell merged down
    over several rows, shows up in the drawn lines as rows that do not reach
    across the table. They are read as the table inside one cell, as in Word.
    """

    def __init__(
        self, xs: list[float], size: float, children: dict[int, list[tuple[float, Block]]]
    ) -> None:
        self.xs = xs
        self.size = size
        self.children = children

    def table(self, rows: list[list[_Box]], location: str) -> Table:
        table = Table(location=location)
        index = 0
        while index < len(rows):
            row = rows[index]
            bottom = max(c.y1 for c in row)
            following = index + 1
            while following < len(rows) and min(c.y0 for c in rows[following]) < bottom - _TOL:
                following += 1
            number = len(table.rows) + 1
            where = f"{location}, row {number}"
            if following == index + 1:
                table.rows.append(
                    [self.cell(box, f"{where}, cell {n}") for n, box in enumerate(row, start=1)]
                )
            else:
                table.rows.append(self._split_row(row, rows[index + 1 : following], where))
            index = following
        return table

    def _split_row(self, row: list[_Box], below: list[list[_Box]], where: str) -> list[Cell]:
        bottom = max(c.y1 for c in row)
        tall = [c for c in row if c.y1 >= bottom - _TOL]
        short = [c for c in row if c.y1 < bottom - _TOL]
        inner_rows = [short, *below] if short else below
        x0 = min(c.x0 for r in inner_rows for c in r)
        x1 = max(c.x1 for r in inner_rows for c in r)
        inner = self.table(inner_rows, f"{where}, nested")
        column = _index(self.xs, x0)
        holder = Cell(
            blocks=[inner],
            location=f"{where}, nested",
            span=max(1, _index(self.xs, x1) - column),
            column=column,
        )
        out: list[Cell] = []
        for n, box in enumerate(tall, start=1):
            cell = self.cell(box, f"{where}, cell {n}")
            # Empty tall cells beside the nested rows are the outer cell's padding.
            if (box.x1 <= x0 + _TOL or box.x0 >= x1 - _TOL) and not cell.empty:
                out.append(cell)
        out.append(holder)
        out.sort(key=lambda c: c.column)
        return out

    def cell(self, box: _Box, where: str) -> Cell:
        column = _index(self.xs, box.x0)
        span = max(1, _index(self.xs, box.x1) - column)
        vlines = _visual_lines(box.segments)
        content: list[tuple[float, Block]] = list(
            _paragraphs(vlines, box.x1 - 4.0, where, self.size)
        )
        content.extend(self.children.get(id(box), []))
        content.sort(key=lambda item: item[0])
        return Cell(
            blocks=[block for _top, block in content], location=where, span=span, column=column
        )


def _index(xs: list[float], x: float) -> int:
    return min(range(len(xs)), key=lambda i: abs(xs[i] - x))


def _same_columns(a: Table, b: Table) -> bool:
    def shape(table: Table) -> set[tuple[int, int]]:
        return {(c.column, c.span) for row in table.rows for c in row}

    return bool(shape(a) & shape(b)) and max(c.column + c.span for r in a.rows for c in r) == max(
        c.column + c.span for r in b.rows for c in r
    )


# --- lines and paragraphs ----------------------------------------------------------


def _visual_lines(segments: list[Segment]) -> list[_VLine]:
    lines: list[_VLine] = []
    # Each line's top and bottom so far: a line's own properties look at all its
    # segments, and a page of 16,000 runs on a few lines (pdf.js's bug1978317.pdf)
    # asked them at every run.
    spans: list[list[float]] = []
    for segment in sorted(segments, key=lambda s: (s.cy, s.x0)):
        for line, span in zip(reversed(lines[-3:]), reversed(spans[-3:]), strict=True):
            overlap = min(span[1], segment.y1) - max(span[0], segment.y0)
            if overlap > 0.5 * min(max(span[1] - span[0], 1.0), segment.height):
                line.segments.append(segment)
                span[0], span[1] = min(span[0], segment.y0), max(span[1], segment.y1)
                break
        else:
            lines.append(_VLine([segment]))
            spans.append([segment.y0, segment.y1])
    for line in lines:
        line.segments.sort(key=lambda s: s.x0)
    lines.sort(key=lambda line: line.y0)
    return lines


def _paragraphs(
    lines: list[_VLine], right: float | None, location: str, size: float
) -> list[tuple[float, Line]]:
    """Visual lines joined where the text was only wrapped, each with its top.

    ``right`` is where text must stop (a cell's edge); outside tables it is the
    widest line starting at the same indent (a page's margin, or a column of
    labels beside fill-in boxes).
    """
    out: list[Line] = []
    tops: list[float] = []
    all_parts = [_parts(vline) for vline in lines]
    joins = _joins(lines, all_parts, right)
    for number, (vline, parts, join) in enumerate(
        zip(lines, all_parts, joins, strict=True), start=1
    ):
        if join and out:
            line = out[-1]
            last = line.parts[-1] if line.parts else ""
            end = last.rstrip() if isinstance(last, str) else ""
            if end[-1:] in ("\x02", "\ufffe"):
                # PDFium's mark for a hyphen at the end of a line: the word goes on.
                line.parts[-1] = end[:-1] + "-"
            elif end[-2:-1].isalpha() and end[-1:] == "-":
                line.parts[-1] = end  # "co-" + "facilitators": one hyphenated word
            else:
                line.parts.append(" ")
            line.parts.extend(parts)
            line.italic = line.italic and all(s.italic for s in vline.segments if s.text.strip())
            line.bold = line.bold and all(s.bold for s in vline.segments if s.text.strip())
            line.confidence = min(line.confidence, *(s.confidence for s in vline.segments))
            line.full = _reaches(vline, right)
        else:
            texts = [s for s in vline.segments if s.text.strip()]
            big = bool(texts) and size > 0 and all(s.size >= size * 1.25 for s in texts)
            tops.append(vline.y0)
            out.append(
                Line(
                    parts=parts,
                    location=f"{location}, line {number}",
                    italic=bool(texts) and all(s.italic for s in texts),
                    bold=bool(texts) and all(s.bold for s in texts),
                    heading=big and all(s.bold or s.size >= size * 1.5 for s in texts),
                    confidence=min(s.confidence for s in vline.segments),
                    full=_reaches(vline, right),
                    bullet=_bulleted(vline),
                )
            )
    return [(top, line) for top, line in zip(tops, out, strict=True) if line.text or line.ticks]


def _joins(lines: list[_VLine], parts: list[list[str | Tick]], right: float | None) -> list[bool]:
    """For each visual line, whether it goes on with the line above (a soft wrap).

    A sentence that ends where the next word could not have fitted anyway ("… the
    budget." at the cell's edge, "Volunteers …" below) is a wrap or a new line
    alike from the pixels (over 126 development scans, 33 of 373 sentences typed
    on lines of their own were joined so; the margin measured on each form from
    its certain wraps, lines going on in lower case, set 1 of them right). The
    answer's other sentences tell (27 of the 33 set right, no wrap split): a writer
    who ended another sentence of the cell on its own line, where the next word
    would have fitted, and ran no two sentences on within a line, typed this one
    on its own line too; one who ran sentences on wrapped this one (on a scan,
    also where the next word would only just have fitted: OCR's widths are
    a point or two out).
    """
    if not lines:
        return []
    widest: dict[float, float] = {}

    def bound(index: int) -> float:
        """Where line ``index``'s predecessor had to stop: ``right``, or outside a
        table the widest line starting at its indent (worked out once an indent)."""
        if right is not None:
            return right
        x0 = lines[index - 1].x0
        if x0 not in widest:
            widest[x0] = max(v.x1 for v in lines if abs(v.x0 - x0) <= 3.0)
        return widest[x0]

    joins = [False] + [
        _wrapped(lines[index - 1], lines[index], parts[index], bound(index))
        for index in range(1, len(lines))
    ]
    ends = [
        index
        for index in range(1, len(lines))
        if _SENTENCE_END.search(lines[index - 1].segments[-1].text)
        and _SENTENCE_START.match(lines[index].segments[0].text)
    ]
    if not ends or right is None:
        # Outside a table the lines are many answers' (a page of questions, each
        # with its answer under it): one answer's style tells nothing of another's.
        return joins
    run_on = any(_RUN_ON.search(s.text) for vline in lines for s in vline.segments)
    # Counted once and kept up to date, not looked for again at each sentence: a
    # cell of thousands of lines (a hostile PDF) stays linear.
    apart = sum(not joins[index] for index in ends)
    for index in ends:
        others_apart = apart - (not joins[index]) > 0
        was_apart = not joins[index]
        if joins[index] and others_apart and not run_on:
            joins[index] = False
        elif (
            not joins[index]
            and run_on
            and not others_apart
            and _scanned(lines[index - 1 : index + 1])
        ):
            joins[index] = _wrapped(
                lines[index - 1], lines[index], parts[index], bound(index) - _OCR_SLACK
            )
        apart += (not joins[index]) - was_apart
    return joins


_SENTENCE_END = re.compile(r"\w[.!?]\s*$")
_SENTENCE_START = re.compile(r"\s*[A-Z][a-z]")
_RUN_ON = re.compile(r"[a-z0-9]{3}[.!?] +[A-Z][a-z]")
"""Two sentences within a line ("… the budget. Volunteers are …"): not "e.g. Staff"."""
_OCR_SLACK = 2.0
"""Points by which OCR's measure of a line and a word may be out (the development
scans' certain wraps, a line going on in lower case, reach up to 2 pt inside the
edge used for text layers)."""


def _scanned(lines: list[_VLine]) -> bool:
    return any(s.confidence < 1.0 for vline in lines for s in vline.segments)


_BULLETS = "\uf0b7\uf0a7\uf076\uf0d8\u2022\u25aa\u25e6\u25cf\u25a0\u2023\u2043"
"""List bullets as PDFs carry them (Symbol and Wingdings private-use codes, •, ▪, ◦, ●, ■):
Word's numbering is not part of the text, so a bullet is not part of the answer."""


def _parts(vline: _VLine) -> list[str | Tick]:
    parts: list[str | Tick] = []
    last_x1: float | None = None
    for number, segment in enumerate(vline.segments):
        text = segment.text
        if number == 0 and segment.tick is None:
            text = text.lstrip().lstrip(_BULLETS)
            if not text.strip() and len(vline.segments) > 1:
                continue
        if last_x1 is not None and segment.x0 - last_x1 > 0.8:
            parts.append(" ")
        if segment.tick is not None:
            parts.append(Tick(segment.tick, "drawn"))
        else:
            parts.extend(split_ticks(text))
        last_x1 = segment.x1
    return parts


def _bulleted(vline: _VLine) -> bool:
    first = vline.segments[0]
    if first.tick is not None:
        return False
    return first.text.lstrip()[:1] in _BULLETS or _BULLET_START.match(first.text) is not None


def _wrapped(previous: _VLine, current: _VLine, parts: list[str | Tick], right: float) -> bool:
    """Whether ``current`` goes on with the paragraph of ``previous`` (a soft wrap)."""
    if any(isinstance(p, Tick) for p in parts[:2]) or current.segments[0].tick is not None:
        return False
    gap = current.y0 - previous.y1
    if gap > 0.8 * previous.height:
        return False
    if abs(current.x0 - previous.x0) > 3 * previous.height and not _after_tick(previous, current):
        return False
    first_word = current.segments[0].text.strip().split(" ")[0] if current.segments[0].text else ""
    seg = current.segments[0]
    if _BULLET_START.match(seg.text):
        return False  # a typed list item starts its own line
    if _address_break(" ".join(s.text for s in previous.segments), current):
        return False
    last = previous.segments[-1]
    if seg.head_x1 is not None:
        # The first word's own width (to a hyphen: a line may break after one): had
        # it fitted after the line before, the line would not have been broken there.
        word_width = seg.head_x1 - seg.x0
    else:
        chars = max(len(seg.text.strip()), 1)
        word_width = (seg.x1 - seg.x0) * len(first_word) / chars
    reach = previous.x1 + word_width + 0.25 * previous.height
    scanned = min(last.confidence, seg.confidence) < 1.0
    if not scanned and last.size > 0 and seg.size > 0 and abs(last.size - seg.size) >= 0.5:
        # A text layer's sizes agree within a paragraph: a heading and the question
        # under it ("B: Project / Service Details", "14. Project title:") are two.
        return False
    if (
        first_word[:1].islower()
        and last.text.rstrip()[-1:] not in ".?!:;"
        and last.bold == seg.bold
        # A text layer's font sizes agree; OCR's word boxes vary with the letters.
        and (abs(last.size - seg.size) < 0.5 or scanned)
        # OCR knows no bold: a short label ("Contact email") and its answer below
        # ("noah@…") are two lines, as a line that stopped far short of its edge is.
        and not (scanned and reach < right - 2.0 - 2 * previous.height)
    ):
        return True  # a sentence going on in lower case: the line was only wrapped
    return reach >= right - 2.0


def _address_break(previous: str, current: _VLine) -> bool:
    """Whether a narrow cell's address goes on to its next line rather than wraps.

    "17 Station Road" and "Canterbury" under it, or a town and "ME1 5AQ" under
    it: in a narrow cell the town would not have fitted either way, and an
    address is typed a line at a time; a street or a town does not wrap into a
    postcode or a town.
    """
    text = " ".join(s.text for s in current.segments).strip()
    if _POSTCODE.fullmatch(text):
        return not previous.rstrip().endswith(",")  # "Canterbury, ME1 5AQ" wrapped
    return _STREET_LINE.match(previous.strip()) is not None and text[:1].isupper()


_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}")
_STREET_LINE = re.compile(
    r"^\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){1,3}"
    r"(?:Road|Street|Lane|Avenue|Close|Way|Drive|Place|Crescent|Gardens|Court|Hill|"
    r"Terrace|Grove|Square|Rise|Parade|Row|Walk|Rd|St|Ave)\.?$"
)
"""A house number and a street ending a line: "17 Station Road", "5a High St" (not
"17 Station Road," of an address typed on one line and wrapped)."""


def _reaches(vline: _VLine, right: float | None) -> bool:
    """Whether a cell's line stops so near its edge that a next word would not have fitted."""
    return right is not None and vline.x1 + 6 * vline.height >= right - 2.0


_BULLET_START = re.compile(r"^\s*[-–•*▪◦●■\uf0b7\uf0a7\uf076\uf0d8\u2023\u2043](?:\s|$)")


def _after_tick(previous: _VLine, current: _VLine) -> bool:
    """A tick line's wrapped words start under its first word, not under the box."""
    first = previous.segments[0]
    if first.tick is None and first.text.strip()[:1] not in "☒☐☑✓✔□▢":
        return False
    return len(previous.segments) > 1 and abs(previous.segments[1].x0 - current.x0) < 6


def _median_size(segments: list[Segment]) -> float:
    sizes = sorted(s.size for s in segments if s.text.strip() and s.size > 0)
    return sizes[len(sizes) // 2] if sizes else 0.0
