"""A document as the reader sees it: lines and tables, with tick boxes where they stand.

Every document format is turned into these few types, so that finding
questions and answers is written once, whatever the file was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ControlKind = Literal[
    "text", "date", "dropdown", "checkbox", "formtext", "formcheckbox", "formdropdown", "pdf"
]


@dataclass(frozen=True, slots=True)
class Tick:
    """A tick box, ticked or not, and what drew it (a glyph, a control, a form field)."""

    checked: bool
    origin: str = "glyph"


@dataclass(slots=True)
class Control:
    """A content control, legacy form field or PDF field: an answer with machine keys.

    ``names`` are the keys a form author gave it (tag, title, bookmark name,
    help text, PDF tooltip): the most reliable way to know its question.
    """

    kind: ControlKind
    names: tuple[str, ...]
    value: str | bool | None
    placeholder: bool = False
    location: str = ""


@dataclass(slots=True)
class Line:
    """A paragraph: its text, with :class:`Tick` marks in place, and how it looks."""

    parts: list[str | Tick] = field(default_factory=list)
    location: str = ""
    italic: bool = False
    heading: bool = False
    bold: bool = False
    controls: list[Control] = field(default_factory=list)
    placeholder_only: bool = False
    confidence: float = 1.0
    """How sure the reader is of the words (below 1 for OCR)."""
    full: bool = False
    """Its last printed line ran to the column's edge: the paragraph may go on (on a next page)."""
    bullet: bool = False
    """It began with a list bullet the reader took off (a PDF's "•"): a list item, not a label."""
    _cache: tuple[int, int, str] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The words, white space collapsed (remembered until ``parts`` changes)."""
        key = (len(self.parts), id(self.parts[-1]) if self.parts else 0)
        if self._cache is None or self._cache[:2] != key:
            text = _collapse("".join(p for p in self.parts if isinstance(p, str)))
            self._cache = (*key, text)
        return self._cache[2]

    @property
    def ticks(self) -> list[Tick]:
        return [p for p in self.parts if isinstance(p, Tick)]

    def tick_segments(self) -> list[tuple[Tick, str]]:
        """Each tick with the words that follow it up to the next tick."""
        segments: list[tuple[Tick, str]] = []
        for part in self.parts:
            if isinstance(part, Tick):
                segments.append((part, ""))
            elif segments:
                tick, words = segments[-1]
                segments[-1] = (tick, words + part)
        return [(tick, _collapse(words)) for tick, words in segments]


@dataclass(slots=True)
class Cell:
    """A table cell (merged cells appear once) holding lines and nested tables."""

    blocks: list[Block] = field(default_factory=list)
    location: str = ""
    span: int = 1
    column: int = 0
    """The grid column the cell starts in (merged cells span several)."""

    def lines(self) -> list[Line]:
        """The cell's lines, nested tables flattened in reading order.

        A nested table of options with an "X" (or ✓) typed beside the chosen
        ones reads as tick lines, the way the same choice looks with tick boxes.
        """
        out: list[Line] = []
        for block in self.blocks:
            if isinstance(block, Line):
                out.append(block)
            elif (ticks := _mark_rows(block)) is not None:
                out.extend(ticks)
            else:
                for row in block.rows:
                    for cell in row:
                        out.extend(cell.lines())
        return out

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines() if line.text)

    @property
    def empty(self) -> bool:
        return not any(line.text or line.ticks or line.controls for line in self.lines())


@dataclass(slots=True)
class Table:
    """Rows of cells."""

    rows: list[list[Cell]] = field(default_factory=list)
    location: str = ""


Block = Line | Table

_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2002\u2003\u2009]+")


def _collapse(text: str) -> str:
    return "\n".join(
        part for part in (_SPACE.sub(" ", piece).strip() for piece in text.split("\n")) if part
    )


_MARKISH = re.compile(r"^[xX✓✔]{1,3}$")
"""An X typed (or read by OCR as "Xx") in a tick cell."""
_MARKS = {"x", "✓", "✔", "☒", "☑", "✗", "✘", "yes", "y"}


def _mark_rows(table: Table) -> list[Line] | None:
    """Rows of "option | mark" (or "mark | option") as tick lines; None if the table is not that."""
    lines: list[Line] = []
    marked = False
    for row in table.rows:
        if len(row) != 2:
            return None
        texts = [cell.text.strip() for cell in row]
        marks = [not text or text.lower() in _MARKS or bool(_MARKISH.match(text)) for text in texts]
        if marks == [True, True] or marks == [False, False]:
            return None
        mark_index = marks.index(True)
        option = texts[1 - mark_index]
        checked = bool(texts[mark_index])
        marked = marked or checked
        location = row[1 - mark_index].location
        lines.append(Line(parts=[Tick(checked, "mark"), option], location=location))
    return lines if marked and len(lines) >= 2 else None
