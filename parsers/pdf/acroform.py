"""Fillable PDF (AcroForm) fields: their values from the form dictionary.

What an applicant types into a fillable PDF is not in the page text: it lives
in the document's form dictionary (appearance streams only draw it). pdfplumber
has no helper for it, so we walk ``/AcroForm /Fields`` with its parser
(pdfminer), following ``/Kids`` with a guard against reference cycles and a cap
on depth and count, since a hostile file can make the tree loop or explode.

Field names are the form author's (``Text1``, ``orgName``), unrelated to our
ids, so each field carries every key we can find for the pairing to match:
its tooltip (``/TU``), the label printed beside or above its widget on the
page, and its name (``/T``, full dotted name and last part).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from parsers.blocks import Control
from parsers.pdf.layout import Page, Segment

MAX_FIELDS = 2000
MAX_DEPTH = 12


@dataclass(slots=True)
class Widget:
    """Where a field is drawn: page number (1-based) and rectangle in top-down points."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    on_state: str | None = None
    state: str | None = None


@dataclass(slots=True)
class Field:
    """A terminal form field with its value and widgets."""

    name: str
    kind: str  # Tx, Btn, Ch, Sig
    flags: int = 0
    tooltip: str = ""
    value: Any = None
    widgets: list[Widget] = field(default_factory=list)

    @property
    def radio(self) -> bool:
        return self.kind == "Btn" and bool(self.flags & (1 << 15))

    @property
    def pushbutton(self) -> bool:
        return self.kind == "Btn" and bool(self.flags & (1 << 16))


def read_fields(data: bytes, pages: list[Page], *, max_pages: int) -> list[Control]:
    """The document's filled-in fields as controls, with labels found on the pages."""
    fields = form_fields(data, max_pages=max_pages)
    by_number = {page.number: page for page in pages}
    controls: list[Control] = []
    for item in fields:
        if item.pushbutton or item.kind == "Sig":
            continue
        value = _value(item)
        labels = []
        if item.widgets:
            page = by_number.get(item.widgets[0].page)
            if page is not None:
                labels = _printed_labels(item, page)
        short = item.name.rsplit(".", 1)[-1]
        names = tuple(
            dict.fromkeys(n for n in (item.tooltip, *labels, item.name, short) if n.strip())
        )
        where = f"form field '{item.name}'"
        if item.widgets:
            where += f" on page {item.widgets[0].page}"
        controls.append(Control("pdf", names, value, location=where))
    return controls


def form_fields(data: bytes, *, max_pages: int) -> list[Field]:
    """Every terminal field of the AcroForm, inherited attributes resolved."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    parser = PDFParser(io.BytesIO(data))
    document = PDFDocument(parser)
    page_numbers: dict[int, tuple[int, float]] = {}
    for number, page in enumerate(PDFPage.create_pages(document), start=1):
        if number > max_pages:
            break
        box = [float(v) for v in resolve1(page.mediabox)] if page.mediabox else [0, 0, 0, 792]
        page_numbers[page.pageid] = (number, box[3])
    form = resolve1(document.catalog.get("AcroForm"))
    if not isinstance(form, dict):
        return []
    walker = _Walker(page_numbers)
    for ref in _list(form.get("Fields")):
        walker.walk(ref, parent=None, depth=0)
    return walker.fields


class _Walker:
    def __init__(self, pages: dict[int, tuple[int, float]]) -> None:
        self.pages = pages
        self.seen: set[int] = set()
        self.fields: list[Field] = []
        self.count = 0

    def walk(self, ref: Any, *, parent: dict[str, Any] | None, depth: int) -> None:
        from pdfminer.pdftypes import PDFObjRef, resolve1

        if depth > MAX_DEPTH or self.count > MAX_FIELDS:
            return
        if isinstance(ref, PDFObjRef):
            if ref.objid in self.seen:
                return  # a cycle in /Kids
            self.seen.add(ref.objid)
        node = resolve1(ref)
        if not isinstance(node, dict):
            return
        self.count += 1
        inherited = dict(parent or {})
        own_name = _text(node.get("T"))
        if own_name:
            inherited["name"] = (
                f"{inherited['name']}.{own_name}" if inherited.get("name") else own_name
            )
        for key, out in (("FT", "kind"), ("Ff", "flags"), ("V", "value"), ("TU", "tooltip")):
            if key in node:
                inherited[out] = resolve1(node[key])
        kids = [resolve1(k) for k in _list(node.get("Kids"))]
        field_kids = [
            k
            for k in _list(node.get("Kids"))
            if isinstance(resolve1(k), dict) and "T" in resolve1(k)
        ]
        if field_kids:
            for kid in field_kids:
                self.walk(kid, parent=inherited, depth=depth + 1)
            return
        item = Field(
            name=str(inherited.get("name") or ""),
            kind=_name(inherited.get("kind")) or "",
            flags=int(inherited.get("flags") or 0)
            if isinstance(inherited.get("flags"), int)
            else 0,
            tooltip=_text(inherited.get("tooltip")),
            value=inherited.get("value"),
        )
        widgets = [k for k in kids if isinstance(k, dict)] or [node]
        for widget in widgets[:50]:
            placed = self._widget(widget)
            if placed is not None:
                item.widgets.append(placed)
        self.fields.append(item)

    def _widget(self, widget: dict[str, Any]) -> Widget | None:
        from pdfminer.pdftypes import PDFObjRef, resolve1

        rect = resolve1(widget.get("Rect"))
        page_ref = widget.get("P")
        number, height = 0, 0.0
        if isinstance(page_ref, PDFObjRef) and page_ref.objid in self.pages:
            number, height = self.pages[page_ref.objid]
        on_state = None
        appearance = resolve1(widget.get("AP"))
        if isinstance(appearance, dict):
            normal = resolve1(appearance.get("N"))
            if isinstance(normal, dict):
                on_state = next((str(_name(k)) for k in normal if _name(k) != "Off"), None)
        state = _name(resolve1(widget.get("AS")))
        if not (isinstance(rect, list) and len(rect) == 4):
            return Widget(number, 0, 0, 0, 0, on_state, state)
        try:
            x0, y0, x1, y1 = (float(resolve1(v)) for v in rect)
        except (TypeError, ValueError):
            return Widget(number, 0, 0, 0, 0, on_state, state)
        x0, x1 = min(x0, x1), max(x0, x1)
        y0, y1 = min(y0, y1), max(y0, y1)
        return Widget(number, x0, height - y1, x1, height - y0, on_state, state)


def _value(item: Field) -> str | bool | None:
    """A field's value: text, the chosen option, or ticked / not ticked."""
    if item.kind == "Btn":
        value = _name(item.value)
        if item.radio:
            if value and value != "Off":
                return value
            chosen = next((w.state for w in item.widgets if w.state and w.state != "Off"), None)
            return chosen
        if value is not None and value != "":
            return value != "Off"
        return any(w.state not in (None, "Off") for w in item.widgets)
    if isinstance(item.value, list):
        return "\n".join(_text(v) for v in item.value)
    text = _text(item.value) if item.value is not None else ""
    return text or None


def _printed_labels(item: Field, page: Page) -> list[str]:
    """The words printed beside a field's box: on its right for a check box
    ("☐ Registered charity"), else on its left from its top line down (a label
    may wrap over several lines beside a tall box), else just above it."""
    widget = item.widgets[0]
    if widget.x1 <= widget.x0:
        return []
    texts = [s for s in page.segments if s.text.strip()]
    labels: list[str] = []
    if item.kind == "Btn" and not item.radio:
        middle = (widget.y0 + widget.y1) / 2
        right = [s for s in texts if s.x0 >= widget.x1 - 1 and s.y0 - 2 <= middle <= s.y1 + 2]
        if right:
            labels.append(_words(sorted(right, key=lambda s: s.x0)[:4], stop=widget.x1 + 250))
    left = sorted(
        (s for s in texts if s.x1 <= widget.x0 + 2 and s.y1 > widget.y0 - 3),
        key=lambda s: (s.y0, s.x0),
    )
    if left and left[0].y0 <= min(widget.y0 + 14, widget.y1):
        # The label starts beside the box's top and may wrap below a small box.
        lines = [left[0]]
        for segment in left[1:6]:
            if segment.y0 - lines[-1].y1 > 0.8 * lines[-1].height:
                break
            lines.append(segment)
        labels.append(" ".join(s.text.strip() for s in lines))
    above = [
        s
        for s in texts
        if 0 <= widget.y0 - s.y1 <= 16 and s.x0 < widget.x1 and s.x1 > widget.x0 - 4
    ]
    if above and not left:
        top = max(s.y1 for s in above)
        labels.append(
            " ".join(s.text.strip() for s in sorted(above, key=lambda s: s.x0) if s.y1 >= top - 3)
        )
    return [label for label in labels if label]


def _words(segments: list[Segment], *, stop: float) -> str:
    return " ".join(s.text.strip() for s in segments if s.x0 < stop)


def _list(value: Any) -> list[Any]:
    from pdfminer.pdftypes import resolve1

    resolved = resolve1(value)
    return list(resolved) if isinstance(resolved, list) else []


def _name(value: Any) -> str | None:
    from pdfminer.psparser import PSLiteral

    if isinstance(value, PSLiteral):
        name = value.name
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return value
    return None


def _text(value: Any) -> str:
    """A PDF text string (UTF-16 with a byte-order mark, or PDFDocEncoding)."""
    from pdfminer.utils import decode_text

    if isinstance(value, bytes):
        return decode_text(value).replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, str):
        return value
    name = _name(value)
    return name or ""
