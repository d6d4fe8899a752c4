"""Walking WordprocessingML into lines and tables, including what python-docx skips.

python-docx's ``Paragraph.text`` reads only runs and hyperlinks: it loses
content controls (python-docx#155), tracked insertions (#1123), text boxes and
legacy form fields (#1417), and ``row.cells`` repeats merged cells (#344). This
walker reads the XML itself:

* content controls (``w:sdt``): their text, dates, drop-downs and
  ``w14:checkbox`` states; placeholder text (``w:showingPlcHdr``) counts as empty;
* legacy form fields: FORMTEXT results split over runs, FORMCHECKBOX state from
  ``w:ffData``, FORMDROPDOWN selections; field codes themselves are skipped;
* tracked changes read as accepted: insertions kept, deletions dropped;
* text boxes (``w:txbxContent``) read once (``mc:Fallback`` copies skipped);
* merged cells once, with their grid column; nested tables recursively;
* tick glyphs (☒ ☐ ☑ ✓, Wingdings symbols, ``[X]``) become :class:`Tick` marks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from parsers.blocks import Block, Cell, Control, Line, Table, Tick
from parsers.glyphs import split_ticks

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

_TRUE_VALUES = {None, "1", "true", "on"}
# Symbol fonts Word uses for tick boxes, by character code.
_SYMBOL_TICKS = {
    "wingdings": {"FE": True, "FD": True, "78": True, "A8": False, "6F": False, "71": False},
    "wingdings 2": {"54": True, "52": True, "53": True, "50": True, "A3": False, "A2": False},
    "ms gothic": {},
}
_SYMBOL_TEXT_TICKS = {"þ": True, "ý": True, "¨": False, "o": False, "q": False}
_SKIPPED = {
    W + "del",
    W + "moveFrom",
    W + "pPr",
    W + "rPr",
    W + "sdtPr",
    W + "sdtEndPr",
    W + "delText",
    W + "instrText",
    W + "delInstrText",
    W + "proofErr",
    W + "commentReference",
}


def _on(element: etree._Element | None) -> bool:
    """A WordprocessingML on/off property: present without ``val`` means on."""
    if element is None:
        return False
    value = element.get(W + "val")
    if value is None:
        value = element.get(W14 + "val")  # w14:checked carries its state as w14:val
    return value in _TRUE_VALUES


@dataclass
class _Field:
    instruction: str = ""
    ffdata: etree._Element | None = None
    in_result: bool = False
    result: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        words = self.instruction.split()
        return words[0].upper() if words else ""


@dataclass
class _LineState:
    line: Line
    italic_chars: int = 0
    plain_chars: int = 0
    bold_chars: int = 0
    regular_chars: int = 0
    extra_blocks: list[Block] = field(default_factory=list)


class DocxWalker:
    """Turns a WordprocessingML body (or header, footer) into blocks."""

    def __init__(self, *, max_blocks: int = 200_000) -> None:
        self.controls: list[Control] = []
        self._fields: list[_Field] = []
        self._bold = False
        self._budget = max_blocks

    def walk(self, container: etree._Element, location: str = "") -> list[Block]:
        """The blocks of a body, header, footer, cell or text box, in reading order."""
        blocks: list[Block] = []
        paragraph_number = 0
        table_number = 0
        for child in self._block_children(container):
            self._budget -= 1
            if self._budget < 0:
                break
            if child.tag == W + "p":
                paragraph_number += 1
                where = _join(location, f"paragraph {paragraph_number}")
                line, extra = self._paragraph(child, where)
                blocks.append(line)
                blocks.extend(extra)
            elif child.tag == W + "tbl":
                table_number += 1
                blocks.append(self._table(child, _join(location, f"table {table_number}")))
        return blocks

    # --- block level -------------------------------------------------------

    def _block_children(self, container: etree._Element) -> Iterator[etree._Element]:
        """Paragraphs and tables, looking through wrappers (sdt, customXml, ins)."""
        for child in container:
            tag = child.tag
            if tag in (W + "p", W + "tbl"):
                yield child
            elif tag == W + "sdt":
                control = self._content_control(child, "")
                content = child.find(W + "sdtContent")
                if content is not None and not (control and control.placeholder):
                    yield from self._block_children(content)
            elif tag in (W + "customXml", W + "ins", W + "moveTo", W + "smartTag"):
                yield from self._block_children(child)
            elif tag == MC + "AlternateContent":
                choice = child.find(MC + "Choice")
                if choice is not None:
                    yield from self._block_children(choice)

    def _table(self, tbl: etree._Element, location: str) -> Table:
        table = Table(location=location)
        for row_number, tr in enumerate(self._rows(tbl), start=1):
            cells: list[Cell] = []
            column = 0
            for cell_number, tc in enumerate(self._cells(tr), start=1):
                props = tc.find(W + "tcPr")
                span = 1
                merge: etree._Element | None = None
                if props is not None:
                    grid_span = props.find(W + "gridSpan")
                    if grid_span is not None:
                        span = max(1, int(grid_span.get(W + "val", "1") or 1))
                    merge = props.find(W + "vMerge")
                # A vertically merged continuation repeats its first cell (python-docx#344).
                if merge is not None and merge.get(W + "val") != "restart":
                    column += span
                    continue
                where = f"{location}, row {row_number}, cell {cell_number}"
                cells.append(
                    Cell(blocks=self.walk(tc, where), location=where, span=span, column=column)
                )
                column += span
            table.rows.append(cells)
        return table

    def _rows(self, tbl: etree._Element) -> Iterator[etree._Element]:
        for child in tbl:
            if child.tag == W + "tr":
                yield child
            elif child.tag in (W + "sdt", W + "customXml"):
                inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
                if inner is not None:
                    yield from self._rows(inner)

    def _cells(self, tr: etree._Element) -> Iterator[etree._Element]:
        for child in tr:
            if child.tag == W + "tc":
                yield child
            elif child.tag in (W + "sdt", W + "customXml"):
                inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
                if inner is not None:
                    yield from self._cells(inner)

    # --- paragraphs --------------------------------------------------------

    def _paragraph(self, p: etree._Element, location: str) -> tuple[Line, list[Block]]:
        state = _LineState(Line(location=location))
        style = p.find(f"{W}pPr/{W}pStyle")
        if style is not None:
            name = (style.get(W + "val") or "").lower()
            state.line.heading = name.startswith(("heading", "title", "subtitle"))
        self._inline(p, state, italic=False)
        line = state.line
        line.italic = state.italic_chars > 0 and state.plain_chars == 0
        line.bold = state.bold_chars > 0 and state.regular_chars == 0
        line.placeholder_only = (
            not line.text and not line.ticks and any(c.placeholder for c in line.controls)
        )
        return line, state.extra_blocks

    def _inline(self, parent: etree._Element, state: _LineState, *, italic: bool) -> None:
        for child in parent:
            tag = child.tag
            if tag in _SKIPPED:
                continue
            if tag == W + "r":
                self._run(child, state)
            elif tag == W + "sdt":
                self._inline_control(child, state)
            elif tag == W + "fldSimple":
                self._inline(child, state, italic=italic)
            elif tag == MC + "AlternateContent":
                choice = child.find(MC + "Choice")
                if choice is not None:
                    self._inline(choice, state, italic=italic)
            elif isinstance(tag, str) and tag.startswith(W):
                # hyperlink, ins, moveTo, smartTag, customXml, bdo, dir: look inside
                self._inline(child, state, italic=italic)

    def _run(self, run: etree._Element, state: _LineState) -> None:
        props = run.find(W + "rPr")
        italic = props is not None and _on(props.find(W + "i"))
        self._bold = props is not None and _on(props.find(W + "b"))
        symbol_font = ""
        if props is not None:
            fonts = props.find(W + "rFonts")
            if fonts is not None:
                symbol_font = (fonts.get(W + "ascii") or fonts.get(W + "hAnsi") or "").lower()
        for child in run:
            tag = child.tag
            if tag == W + "t":
                text = child.text or ""
                if symbol_font.startswith("wingdings") and text.strip() in _SYMBOL_TEXT_TICKS:
                    self._emit_tick(state, Tick(_SYMBOL_TEXT_TICKS[text.strip()], "glyph"))
                else:
                    self._emit_text(state, text, italic=italic)
            elif tag in (W + "tab", W + "ptab"):
                self._emit_text(state, " ", italic=italic)
            elif tag in (W + "br", W + "cr"):
                self._emit_text(state, "\n", italic=italic)
            elif tag == W + "noBreakHyphen":
                self._emit_text(state, "-", italic=italic)
            elif tag == W + "sym":
                font = (child.get(W + "font") or "").lower()
                code = (child.get(W + "char") or "").upper()[-2:]
                ticked = _SYMBOL_TICKS.get(font, {}).get(code)
                if ticked is not None:
                    self._emit_tick(state, Tick(ticked, "glyph"))
            elif tag == W + "fldChar":
                self._field_char(child, state)
            elif tag == W + "instrText":
                if self._fields and not self._fields[-1].in_result:
                    self._fields[-1].instruction += child.text or ""
            elif tag in (W + "drawing", W + "pict", MC + "AlternateContent"):
                self._text_boxes(child, state)

    def _text_boxes(self, element: etree._Element, state: _LineState) -> None:
        # Text boxes hold whole paragraphs; they follow the line that anchors them.
        # mc:Fallback repeats the mc:Choice content for old readers: skip it.
        for box in element.iter(W + "txbxContent"):
            if any(a.tag == MC + "Fallback" for a in box.iterancestors()):
                continue
            state.extra_blocks.extend(self.walk(box, _join(state.line.location, "text box")))

    def _emit_text(self, state: _LineState, text: str, *, italic: bool) -> None:
        if not text:
            return
        if self._fields and self._fields[-1].in_result and self._fields[-1].kind.startswith("FORM"):
            self._fields[-1].result.append(text)
            return
        if text.strip():
            if italic:
                state.italic_chars += len(text.strip())
            else:
                state.plain_chars += len(text.strip())
            if self._bold:
                state.bold_chars += len(text.strip())
            else:
                state.regular_chars += len(text.strip())
        state.line.parts.extend(split_ticks(text))

    def _emit_tick(self, state: _LineState, tick: Tick) -> None:
        state.plain_chars += 1
        state.line.parts.append(tick)

    # --- legacy form fields ----------------------------------------------

    def _field_char(self, char: etree._Element, state: _LineState) -> None:
        kind = char.get(W + "fldCharType")
        if kind == "begin":
            self._fields.append(_Field(ffdata=char.find(W + "ffData")))
        elif kind == "separate" and self._fields:
            self._fields[-1].in_result = True
        elif kind == "end" and self._fields:
            finished = self._fields.pop()
            self._finish_field(finished, state)

    def _finish_field(self, fld: _Field, state: _LineState) -> None:
        data = fld.ffdata
        names = _ffdata_names(data)
        where = state.line.location
        if fld.kind == "FORMCHECKBOX":
            box = data.find(W + "checkBox") if data is not None else None
            checked = False
            if box is not None:
                explicit = box.find(W + "checked")
                checked = _on(explicit) if explicit is not None else _on(box.find(W + "default"))
            self.controls.append(Control("formcheckbox", names, checked, location=where))
            self._emit_tick(state, Tick(checked, "form-field"))
        elif fld.kind == "FORMDROPDOWN":
            chosen = ""
            if data is not None:
                entries = [e.get(W + "val", "") for e in data.iter(W + "listEntry")]
                result = data.find(f"{W}ddList/{W}result")
                index = int(result.get(W + "val", "0")) if result is not None else 0
                chosen = entries[index] if 0 <= index < len(entries) else ""
            self.controls.append(Control("formdropdown", names, chosen, location=where))
            self._emit_text(state, chosen, italic=False)
        elif fld.kind == "FORMTEXT":
            # Word's blank FORMTEXT result is five en spaces.
            text = "".join(fld.result).replace("\u2002", " ").strip()
            self.controls.append(
                Control("formtext", names, text, placeholder=not text, location=where)
            )
            self._emit_text(state, text, italic=False)

    # --- content controls ------------------------------------------------

    def _content_control(self, sdt: etree._Element, location: str) -> Control | None:
        props = sdt.find(W + "sdtPr")
        if props is None:
            return None
        names = tuple(
            value
            for value in (
                _val(props.find(W + "tag")),
                _val(props.find(W + "alias")),
            )
            if value
        )
        placeholder = props.find(W + "showingPlcHdr") is not None and _on(
            props.find(W + "showingPlcHdr")
        )
        content = sdt.find(W + "sdtContent")
        text = _plain_text(content) if content is not None else ""
        checkbox = props.find(W14 + "checkbox")
        date = props.find(W + "date")
        if checkbox is not None:
            checked = _on(checkbox.find(W14 + "checked"))
            control = Control("checkbox", names, checked, location=location)
        elif date is not None:
            full = date.get(W + "fullDate")
            value = None if placeholder else (full[:10] if full else text)
            control = Control("date", names, value, placeholder=placeholder, location=location)
        elif props.find(W + "dropDownList") is not None or props.find(W + "comboBox") is not None:
            control = Control(
                "dropdown",
                names,
                None if placeholder else text,
                placeholder=placeholder,
                location=location,
            )
        else:
            control = Control(
                "text",
                names,
                None if placeholder else text,
                placeholder=placeholder,
                location=location,
            )
        self.controls.append(control)
        return control

    def _inline_control(self, sdt: etree._Element, state: _LineState) -> None:
        control = self._content_control(sdt, state.line.location)
        if control is not None:
            state.line.controls.append(control)
        if control is not None and control.kind == "checkbox":
            # The control's content is only its glyph; the state is w14:checked.
            self._emit_tick(state, Tick(bool(control.value), "content-control"))
            return
        if control is not None and control.placeholder:
            return
        if control is not None and control.kind == "date" and control.value:
            self._emit_text(state, _plain_text(sdt.find(W + "sdtContent")), italic=False)
            return
        content = sdt.find(W + "sdtContent")
        if content is not None:
            self._inline(content, state, italic=False)


def _val(element: etree._Element | None) -> str:
    return (element.get(W + "val") or "").strip() if element is not None else ""


def _ffdata_names(data: etree._Element | None) -> tuple[str, ...]:
    if data is None:
        return ()
    names = [
        _val(data.find(W + "name")),
        _val(data.find(W + "helpText")),
        _val(data.find(W + "statusText")),
    ]
    return tuple(n for n in names if n)


def _plain_text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    pieces: list[str] = []
    for node in element.iter(W + "t", W + "tab", W + "br", W + "p"):
        if any(a.tag in (W + "del", W + "moveFrom") for a in node.iterancestors()):
            continue
        if node.tag == W + "t":
            pieces.append(node.text or "")
        elif node.tag == W + "p" and pieces:
            pieces.append("\n")
        else:
            pieces.append(" " if node.tag == W + "tab" else "\n")
    return "".join(pieces).strip()


def _join(location: str, part: str) -> str:
    return f"{location} > {part}" if location else part
