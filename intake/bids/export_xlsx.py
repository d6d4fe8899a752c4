"""The panel pack as an XLSX workbook (see :mod:`intake.bids.export`).

In a module of its own because openpyxl imports numpy and PIL (33 MB of the
service's memory): the service imports it only when an officer asks for a
workbook, not at its start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from intake.bids.export import DAY, MOMENT, POUNDS, Group, Tally, row_height, text_cell
from intake.bids.panel_columns import Column, Value, known_fund, money, panel_columns
from intake.config.model import Config, Office
from intake.store.panel import PanelBid

_HEADER_FONT = Font(name="Calibri", size=11, bold=True)
_HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")  # numbers and dates: beside the first line of the text


class XlsxPack:
    """The panel pack as a workbook: a summary sheet, then a sheet per fund and round."""

    def __init__(
        self,
        config: Config,
        office: Office,
        groups: Sequence[Group],
        target: IO[bytes],
        *,
        exported_at: datetime,
    ) -> None:
        self._config = config
        self._office = office
        self._target = target
        self._exported_at = exported_at
        self._book = Workbook(write_only=True)
        self._summary = self._book.create_sheet("Summary")
        self._sheets: dict[Group, tuple[WriteOnlyWorksheet, list[Column]]] = {}
        self._rows: Counter[Group] = Counter()
        self._tallies: dict[Group, Tally] = {}
        self._titles: set[str] = {"Summary"}
        self._cell = _CellMaker()
        for group in groups:
            self._add_sheet(group)

    def _add_sheet(self, group: Group) -> tuple[WriteOnlyWorksheet, list[Column]]:
        title = group.sheet_title()
        number = 2
        while title in self._titles:  # two long ids cut to the same 31 characters
            title = f"{group.sheet_title()[:28]} {number}"
            number += 1
        self._titles.add(title)
        fund = known_fund(self._config, group.fund)
        forms = [self._config.form(fund.form)] if fund else list(self._config.forms)
        matrix = self._config.matrix(group.fund, self._office.id)
        columns = panel_columns(self._config, self._office, forms, matrix)
        sheet = self._book.create_sheet(title)
        # Printed, a page shows the reference and a band of columns under the headers.
        sheet.print_title_cols = "A:A"
        sheet.page_setup.scale = 60  # a band of ten columns or so a page
        _start_sheet(sheet, [c.header for c in columns], [c.width for c in columns])
        self._sheets[group] = (sheet, columns)
        self._tallies[group] = Tally()
        return sheet, columns

    def add(self, bid: PanelBid) -> None:
        group = Group(bid.bid.fund, bid.bid.round)
        # A fund and round first seen now (a bid stored while the export ran, on
        # PostgreSQL where each statement sees the latest commits) gets its sheet last.
        sheet, columns = self._sheets.get(group) or self._add_sheet(group)
        values = [column.value(bid) for column in columns]
        self._rows[group] += 1
        row = self._rows[group] + 1
        sheet.row_dimensions[row].height = row_height([c.width for c in columns], values)
        sheet.append([self._cell(sheet, value) for value in values])
        del sheet.row_dimensions[row]  # written: memory stays flat
        tally = self._tallies[group]
        tally.statuses[bid.bid.status] += 1
        if bid.bid.decision:
            tally.decisions[bid.bid.decision] += 1
        amount = money(bid.bid.amount_requested)
        if isinstance(amount, Decimal):  # an unreadable amount counts for nothing
            tally.requested += amount

    def close(self) -> None:
        for group, (sheet, columns) in self._sheets.items():
            last = get_column_letter(len(columns))
            sheet.auto_filter.ref = f"A1:{last}{self._rows[group] + 1}"
        self._write_summary()
        self._book.save(self._target)

    def _write_summary(self) -> None:
        headers = [
            "Sheet", "Fund", "Round", "Opens", "Closes", "Bids", "Complete", "Incomplete",
            "Ineligible", "Unreadable", "Marked eligible", "Marked not eligible",
            "Amount requested",
        ]  # fmt: skip
        widths = [32, 30, 20, 12, 12, 8, 11, 12, 12, 12, 16, 20, 18]
        sheet = self._summary
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        _start_sheet(sheet, headers, widths)
        total = Tally()
        for group, (fund_sheet, _columns) in self._sheets.items():
            fund = known_fund(self._config, group.fund)
            found = next((r for r in fund.rounds if r.id == group.round), None) if fund else None
            tally = self._tallies[group]
            total.statuses.update(tally.statuses)
            total.decisions.update(tally.decisions)
            total.requested += tally.requested
            sheet.append(
                _summary_row(
                    sheet,
                    [
                        fund_sheet.title,
                        fund.name if fund else group.fund or "(no fund)",
                        found.name if found else group.round or "(no round)",
                        found.opens if found else None,
                        found.closes if found else None,
                    ],
                    tally,
                )
            )
        sheet.append(_summary_row(sheet, ["Total", None, None, None, None], total, bold=True))
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(self._sheets) + 1}"
        sheet.append([])
        stamp = self._exported_at.astimezone(self._office.tz).replace(tzinfo=None)
        note = WriteOnlyCell(sheet, value=f"{self._office.name}: bids as stored at")
        when = WriteOnlyCell(sheet, value=stamp)
        when.number_format = MOMENT
        when.alignment = Alignment(horizontal="left")
        sheet.append([note, None, when])


def _start_sheet(sheet: WriteOnlyWorksheet, headers: list[str], widths: list[int]) -> None:
    # Write-only sheets take their views, widths and page set-up before the first row.
    sheet.freeze_panes = "B2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.print_title_rows = "1:1"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = row_height(widths, headers)
    row = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=text_cell(header))
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        cell.data_type = "s"
        row.append(cell)
    sheet.append(row)


def _summary_row(
    sheet: WriteOnlyWorksheet, start: list[Any], tally: Tally, *, bold: bool = False
) -> list[WriteOnlyCell]:
    counts = [
        sum(tally.statuses.values()),
        tally.statuses["complete"],
        tally.statuses["incomplete"],
        tally.statuses["ineligible"],
        tally.statuses["unreadable"],
        tally.decisions["eligible"],
        tally.decisions["not_eligible"],
    ]
    row = []
    for value in [*start, *counts, tally.requested]:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, date):
            cell.number_format = DAY
        elif isinstance(value, Decimal):
            cell.number_format = POUNDS
        elif isinstance(value, str):
            cell.data_type = "s"
        if bold:
            cell.font = _HEADER_FONT
        row.append(cell)
    return row


class _CellMaker:
    """A bid's cells, styled as their values ask (wrapped text, pounds, dates).

    Setting a style on a cell looks it up in the workbook's lists of fonts,
    alignments and number formats, comparing each attribute: half the time of a
    10,000-bid export. A cell's style is an array of those lists' indexes
    (``_style``, as openpyxl copies styles itself), so each kind of cell is
    styled once, the public way, and its array copied to the next of its kind.
    ``tests/intake/bids/test_export.py`` reads the styles back from the file.
    """

    def __init__(self) -> None:
        self._styles: dict[str, Any] = {}

    def __call__(self, sheet: WriteOnlyWorksheet, value: Value) -> Any:
        if value is None:
            return None
        kind = _kind(value)
        cell = WriteOnlyCell(sheet, value=text_cell(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            # A string, whatever it starts with: openpyxl makes "=…" a formula otherwise.
            cell.data_type = "s"
        style = self._styles.get(kind)
        if style is not None:
            cell._style = copy(style)
            return cell
        if kind == "text":
            cell.alignment = _WRAP
        else:
            cell.alignment = _TOP
            if kind in _FORMATS:
                cell.number_format = _FORMATS[kind]
        self._styles[kind] = copy(cell._style)
        return cell


_FORMATS = {"score": "0.0", "pounds": POUNDS, "moment": MOMENT, "day": DAY}


def _kind(value: Value) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, float):  # a score: one decimal place
        return "score"
    if isinstance(value, Decimal):
        return "pounds"
    if isinstance(value, datetime):
        return "moment"
    if isinstance(value, date):
        return "day"
    return "number"
