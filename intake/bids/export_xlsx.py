"""The panel pack as an XLSX workbook (see :mod:`intake.bids.export`).

Written with XlsxWriter in its ``constant_memory`` mode: each sheet's rows go
to a temporary file as they come, so memory stays flat whatever the number of
bids, and a cell costs a third of what openpyxl's write-only mode cost (its
cell objects and per-cell XML elements were two thirds of a 10,000-bid
export). In a module of its own so that the service imports it only when an
officer asks for a workbook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from intake.bids.export import DAY, MOMENT, POUNDS, Group, Tally, row_height, text_cell
from intake.bids.panel_columns import Column, Value, known_fund, money, panel_columns
from intake.config.model import Config, Office
from intake.store.panel import PanelBid

_A4 = 9  # XlsxWriter's (and Excel's) number for A4 paper
_HEADER = {"bold": True, "bg_color": "#D9E1F2", "pattern": 1, "text_wrap": True, "valign": "top"}


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
        self._exported_at = exported_at
        # constant_memory: rows are written as they come, to a temporary file a sheet;
        # strings inline, so no shared-string table grows with the bids.
        self._book = Workbook(target, {"constant_memory": True})
        self._formats = _Formats(self._book)
        self._summary = self._book.add_worksheet("Summary")
        self._sheets: dict[Group, tuple[Worksheet, list[Column]]] = {}
        self._rows: Counter[Group] = Counter()
        self._tallies: dict[Group, Tally] = {}
        self._titles: set[str] = {"summary"}
        for group in groups:
            self._add_sheet(group)

    def _add_sheet(self, group: Group) -> tuple[Worksheet, list[Column]]:
        title = group.sheet_title()
        number = 2
        # Two long ids cut to the same 31 characters; Excel compares names ignoring case.
        while title.lower() in self._titles:
            title = f"{group.sheet_title()[:28]} {number}"
            number += 1
        self._titles.add(title.lower())
        fund = known_fund(self._config, group.fund)
        forms = [self._config.form(fund.form)] if fund else list(self._config.forms)
        matrix = self._config.matrix(group.fund, self._office.id)
        columns = panel_columns(self._config, self._office, forms, matrix)
        sheet = self._book.add_worksheet(title)
        # Printed, a page shows the reference and a band of columns under the headers.
        sheet.repeat_columns(0)
        sheet.set_print_scale(60)  # a band of ten columns or so a page
        self._start_sheet(sheet, [c.header for c in columns], [c.width for c in columns])
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
        row = self._rows[group]  # 0-based: the headers are row 0
        height = row_height([c.width for c in columns], values)
        if height is not None:
            sheet.set_row(row, height)
        write = self._formats.write
        for index, value in enumerate(values):
            if value is not None:
                write(sheet, row, index, value)
        tally = self._tallies[group]
        tally.statuses[bid.bid.status] += 1
        if bid.bid.decision:
            tally.decisions[bid.bid.decision] += 1
        amount = money(bid.bid.amount_requested)
        if isinstance(amount, Decimal):  # an unreadable amount counts for nothing
            tally.requested += amount

    def close(self) -> None:
        for group, (sheet, columns) in self._sheets.items():
            sheet.autofilter(0, 0, self._rows[group], len(columns) - 1)
        self._write_summary()
        self._book.close()

    def _start_sheet(self, sheet: Worksheet, headers: list[str], widths: list[int]) -> None:
        sheet.freeze_panes(1, 1)  # "B2": the headers and the references stay in view
        sheet.set_landscape()
        sheet.set_paper(_A4)
        sheet.repeat_rows(0)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        height = row_height(widths, headers)
        if height is not None:
            sheet.set_row(0, height)
        for index, header in enumerate(headers):
            sheet.write_string(0, index, text_cell(header), self._formats.header)

    def _write_summary(self) -> None:
        headers = [
            "Sheet", "Fund", "Round", "Opens", "Closes", "Bids", "Complete", "Incomplete",
            "Ineligible", "Unreadable", "Marked eligible", "Marked not eligible",
            "Amount requested",
        ]  # fmt: skip
        widths = [32, 30, 20, 12, 12, 8, 11, 12, 12, 12, 16, 20, 18]
        sheet = self._summary
        sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
        self._start_sheet(sheet, headers, widths)
        total = Tally()
        row = 0
        for group, (fund_sheet, _columns) in self._sheets.items():
            fund = known_fund(self._config, group.fund)
            found = next((r for r in fund.rounds if r.id == group.round), None) if fund else None
            tally = self._tallies[group]
            total.statuses.update(tally.statuses)
            total.decisions.update(tally.decisions)
            total.requested += tally.requested
            row += 1
            start = [
                fund_sheet.name,
                fund.name if fund else group.fund or "(no fund)",
                found.name if found else group.round or "(no round)",
                found.opens if found else None,
                found.closes if found else None,
            ]
            self._summary_row(sheet, row, start, tally)
        row += 1
        self._summary_row(sheet, row, ["Total", None, None, None, None], total, bold=True)
        sheet.autofilter(0, 0, len(self._sheets), len(headers) - 1)
        stamp = self._exported_at.astimezone(self._office.tz).replace(tzinfo=None)
        row += 2  # a blank row, then when the bids were read
        sheet.write_string(row, 0, f"{self._office.name}: bids as stored at")
        sheet.write_datetime(row, 2, stamp, self._formats.stamp)

    def _summary_row(
        self, sheet: Worksheet, row: int, start: list[Any], tally: Tally, *, bold: bool = False
    ) -> None:
        counts = [
            sum(tally.statuses.values()),
            tally.statuses["complete"],
            tally.statuses["incomplete"],
            tally.statuses["ineligible"],
            tally.statuses["unreadable"],
            tally.decisions["eligible"],
            tally.decisions["not_eligible"],
        ]
        for index, value in enumerate([*start, *counts, tally.requested]):
            if value is not None:
                self._formats.write(sheet, row, index, value, bold=bold)


class _Formats:
    """The workbook's cell formats, made once, and the typed write of one value.

    Text wraps with its line breaks and is always a string (an answer that starts
    with "=" is text, never a formula); numbers, dates and moments sit beside the
    first line of the row's text; amounts show in pounds and scores to one place.
    """

    def __init__(self, book: Workbook) -> None:
        self.header = book.add_format(_HEADER)
        self.stamp = book.add_format({"num_format": MOMENT, "align": "left"})
        self._plain: dict[str, Format] = {}
        self._bold: dict[str, Format] = {}
        for kind, number_format in _FORMATS.items():
            options: dict[str, Any] = {"valign": "top"}
            if kind == "text":
                options["text_wrap"] = True
            if number_format:
                options["num_format"] = number_format
            self._plain[kind] = book.add_format(options)
            self._bold[kind] = book.add_format({**options, "bold": True})

    def write(
        self, sheet: Worksheet, row: int, column: int, value: Value, *, bold: bool = False
    ) -> None:
        formats = self._bold if bold else self._plain
        if isinstance(value, str):
            sheet.write_string(row, column, text_cell(value), formats["text"])
        elif isinstance(value, datetime):
            sheet.write_datetime(row, column, value, formats["moment"])
        elif isinstance(value, date):
            sheet.write_datetime(row, column, value, formats["day"])
        elif isinstance(value, Decimal):
            sheet.write_number(row, column, float(value), formats["pounds"])
        elif isinstance(value, float):  # a score: one decimal place
            sheet.write_number(row, column, value, formats["score"])
        elif value is not None:
            sheet.write_number(row, column, value, formats["number"])


_FORMATS = {
    "text": None,
    "number": None,
    "score": "0.0",
    "pounds": POUNDS,
    "moment": MOMENT,
    "day": DAY,
}
