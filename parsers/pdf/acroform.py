"""Fillable PDF (AcroForm) fields: their values from the form, not the page text.

What an applicant types into a fillable PDF is not in the page text: it lives in
the document's form dictionary (appearance streams only draw it). We read it
through PDFium's form API, which resolves the field tree (``/Kids``, inherited
``/FT``, ``/V``, ``/Ff``) with its own guards against loops; walking the
dictionaries with pdfminer (pdfplumber's parser) cost ~110 ms for a 60-field
form against ~5 ms here, most of it tokenising objects in Python.

Field names are the form author's (``Text7``, ``Check Box3``), unrelated to our
ids, so each field carries every key we can find for the pairing to match: its
tooltip (``/TU``), the label printed beside or above its widget on the page,
and its name (``/T``, full dotted name and last part). A check box counts as
ticked when its value (``/V``) or its widget's state (``/AS``) is not ``Off``.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.blocks import Control
from parsers.pdf.layout import Page, Segment

MAX_WIDGETS = 2000

_TEXT = {pdfium_c.FPDF_FORMFIELD_TEXTFIELD}
_CHOICE = {pdfium_c.FPDF_FORMFIELD_COMBOBOX, pdfium_c.FPDF_FORMFIELD_LISTBOX}
_CHECKBOX = pdfium_c.FPDF_FORMFIELD_CHECKBOX
_RADIO = pdfium_c.FPDF_FORMFIELD_RADIOBUTTON


@dataclass(slots=True)
class Widget:
    """One drawn box of a field: page, rectangle (top-down points), state."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    checked: bool = False
    export: str = ""


@dataclass(slots=True)
class Field:
    """A form field with its value and widgets."""

    name: str
    kind: int
    tooltip: str = ""
    value: str = ""
    widgets: list[Widget] = field(default_factory=list)

    @property
    def box(self) -> bool:
        return self.kind in (_CHECKBOX, _RADIO)


class FieldReader:
    """Collects the fields of a document page by page (pages are read once, in order)."""

    def __init__(self, document: pdfium.PdfDocument) -> None:
        self._handle = document.formenv.raw if document.formenv is not None else None
        self._buffer = (ctypes.c_ushort * 4096)()
        self.fields: dict[str, Field] = {}
        self._count = 0

    def read_page(self, page: pdfium.PdfPage, number: int, height: float) -> None:
        """Add the widgets on ``page`` (1-based ``number``) to their fields."""
        if self._handle is None:
            return
        for index in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
            if self._count >= MAX_WIDGETS:
                return
            annot = pdfium_c.FPDFPage_GetAnnot(page, index)
            if not annot:
                continue
            try:
                if pdfium_c.FPDFAnnot_GetSubtype(annot) == pdfium_c.FPDF_ANNOT_WIDGET:
                    self._count += 1
                    self._widget(annot, number, height)
            finally:
                pdfium_c.FPDFPage_CloseAnnot(annot)

    def _text(self, function: object, annot: object) -> str:
        size = function(self._handle, annot, self._buffer, ctypes.sizeof(self._buffer))  # type: ignore[operator]
        if size <= 2:
            return ""
        size = min(size, ctypes.sizeof(self._buffer))
        raw = ctypes.string_at(self._buffer, size - 2)
        return raw.decode("utf-16-le", "replace").replace("\r\n", "\n").replace("\r", "\n")

    def _widget(self, annot: object, number: int, height: float) -> None:
        kind = pdfium_c.FPDFAnnot_GetFormFieldType(self._handle, annot)
        name = self._text(pdfium_c.FPDFAnnot_GetFormFieldName, annot)
        if kind not in _TEXT | _CHOICE | {_CHECKBOX, _RADIO} or not name:
            return  # push buttons and signatures carry no answer
        item = self.fields.get(name)
        if item is None:
            item = Field(
                name=name,
                kind=kind,
                tooltip=self._text(pdfium_c.FPDFAnnot_GetFormFieldAlternateName, annot),
                value=self._text(pdfium_c.FPDFAnnot_GetFormFieldValue, annot),
            )
            self.fields[name] = item
        rect = pdfium_c.FS_RECTF()
        pdfium_c.FPDFAnnot_GetRect(annot, rect)
        x0, x1 = sorted((rect.left, rect.right))
        bottom, top = sorted((rect.bottom, rect.top))
        checked = bool(item.box and pdfium_c.FPDFAnnot_IsChecked(self._handle, annot))
        export = self._text(pdfium_c.FPDFAnnot_GetFormFieldExportValue, annot) if item.box else ""
        item.widgets.append(Widget(number, x0, height - top, x1, height - bottom, checked, export))

    def controls(self, pages: list[Page]) -> list[Control]:
        """Every field as a control, named by tooltip, printed label and name."""
        by_number = {page.number: page for page in pages}
        out: list[Control] = []
        for item in self.fields.values():
            labels: list[str] = []
            page = by_number.get(item.widgets[0].page) if item.widgets else None
            if page is not None:
                labels = printed_labels(item, page)
            short = item.name.rsplit(".", 1)[-1]
            names = tuple(
                dict.fromkeys(n for n in (item.tooltip, *labels, item.name, short) if n.strip())
            )
            where = f"form field '{item.name}'"
            if item.widgets:
                where += f" on page {item.widgets[0].page}"
            out.append(Control("pdf", names, value_of(item), location=where))
        return out


def value_of(item: Field) -> str | bool | None:
    """A field's answer: its text, the chosen option, or ticked / not ticked."""
    if item.kind == _RADIO:
        chosen = next((w for w in item.widgets if w.checked), None)
        if chosen is not None:
            return chosen.export or item.value or None
        return item.value if item.value and item.value != "Off" else None
    if item.kind == _CHECKBOX:
        return any(w.checked for w in item.widgets)
    return item.value or None


def printed_labels(item: Field, page: Page) -> list[str]:
    """The words printed beside a field's box: on its right for a check box
    ("☐ Registered charity"), else on its left from its top line down (a label
    may wrap over several lines beside a tall box), else just above it."""
    widget = item.widgets[0]
    if widget.x1 <= widget.x0:
        return []
    texts = [s for s in page.segments if s.text.strip()]
    labels: list[str] = []
    if item.kind == _CHECKBOX:
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
