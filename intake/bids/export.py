"""The panel pack: stored bids as an XLSX workbook or a CSV file, streamed.

The workbook has a summary sheet, then one sheet per fund and round; every
sheet's first row is its headers (frozen, with filters). Cells are typed:
amounts are numbers shown in pounds, dates are dates, scores and versions
whole numbers, and long answers wrap with their line breaks kept. CSV holds
the same columns in one table, with the fund and round in front.

Bids are read a page at a time (:func:`intake.store.panel.panel_bids`) and
written as they come: openpyxl's write-only mode keeps each sheet in a
temporary file, so memory stays flat whatever the number of bids.

Answers are the applicants' own text, so none may become a formula when the
file is opened: XLSX text cells are written as strings, never formulas, and
CSV text cells that start like a formula get a leading quote (OWASP's advice
for CSV injection). Amounts and dates are not text, so "-250.00" stays a
number.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from intake.bids.panel import PackRanks, bid_panel
from intake.bids.panel_columns import Column, Value, fund_columns, known_fund, money, panel_columns
from intake.config.model import Config, Office
from intake.store.engine import make_engine, reading
from intake.store.panel import PanelBid, panel_bids, panel_groups, same_organisation
from intake.store.scores import sheets_of_bids

MAX_CELL = 32_767
"""Excel's longest cell text; a longer answer is cut, saying so."""

MAX_LINES = 10
"""The most lines of wrapped text a row is made tall enough to show."""

POUNDS = '"£"#,##0.00_);-"£"#,##0.00_)'  # _) leaves a space before the next column
DAY = "d mmm yyyy"
MOMENT = "d mmm yyyy hh:mm"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 forbids these; openpyxl refuses them (a form may still carry one).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_HEADER_FONT = Font(name="Calibri", size=11, bold=True)
_HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")  # numbers and dates: beside the first line of the text


class Sink(Protocol):
    """Something bids are written to, one at a time, then closed."""

    def add(self, bid: PanelBid) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Group:
    """A fund and round of the office: one sheet of the pack."""

    fund: str | None
    round: str | None

    def sheet_title(self) -> str:
        """Excel allows 31 characters and none of ``[]:*?/\\`` in a sheet's name."""
        title = f"{self.fund or 'no fund'} {self.round or 'no round'}"
        return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


@dataclass(slots=True)
class Tally:
    """What the summary sheet says of one fund and round."""

    statuses: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)
    requested: Decimal = Decimal(0)


def text_cell(value: str) -> str:
    """Text as a spreadsheet may hold it: no XML-forbidden characters, not too long."""
    value = _ILLEGAL.sub("", value)
    if len(value) > MAX_CELL:
        cut = " … [cut: longer than a spreadsheet cell holds]"
        value = value[: MAX_CELL - len(cut)] + cut
    return value


def csv_text(value: str) -> str:
    """A CSV text cell that no spreadsheet program runs as a formula."""
    value = text_cell(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def ordered_groups(config: Config, found: Iterable[tuple[str | None, str | None]]) -> list[Group]:
    """Sheets in the configuration's order: funds as listed, rounds by opening date."""
    funds = {fund.id: index for index, fund in enumerate(config.funds)}

    def key(pair: tuple[str | None, str | None]) -> tuple[int, str, int, str]:
        fund_id, round_id = pair
        rounds: dict[str, int] = {}
        if fund_id in funds:
            opening = sorted(config.funds[funds[fund_id]].rounds, key=lambda r: r.opens)
            rounds = {r.id: i for i, r in enumerate(opening)}
        return (
            funds.get(fund_id or "", len(funds)),
            fund_id or "",
            rounds.get(round_id or "", len(rounds)),
            round_id or "",
        )

    return [Group(fund, round_) for fund, round_ in sorted(found, key=key)]


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
        sheet.append([_xlsx_cell(sheet, value) for value in values])
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


class CsvPack:
    """The panel pack as one CSV table: the fund and round, then the same columns."""

    def __init__(self, config: Config, office: Office, handle: IO[str]) -> None:
        # One table for every fund: every criterion of their matrices, once each.
        matrices = [config.matrix(f.id, office.id) for f in config.funds if f.office == office.id]
        matrix = list({c.id: c for m in [office.scoring, *matrices] for c in m}.values())
        self._columns = fund_columns(config) + panel_columns(config, office, config.forms, matrix)
        self._writer = csv.writer(handle)
        self._writer.writerow([c.header for c in self._columns])

    def add(self, bid: PanelBid) -> None:
        self._writer.writerow([_csv_cell(column.value(bid)) for column in self._columns])

    def close(self) -> None:
        pass


async def export_bids(
    database_url: str,
    config: Config,
    *,
    office: str,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
    open_sinks: Callable[[list[Group]], Sequence[Sink]],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every bid of ``office`` (of ``fund``, in ``statuses``) to sinks; the count.

    ``open_sinks`` is given the pack's fund-and-round groups, in sheet order
    (a workbook makes its sheets before the first row), and returns the sinks.
    ``progress`` is told the number of bids written after each page.
    """
    engine = make_engine(database_url)
    count = 0
    try:
        async with reading(engine) as connection:
            found = await panel_groups(connection, office=office, fund=fund, statuses=statuses)
            groups = ordered_groups(config, found)
            repeated = await same_organisation(connection, office=office)
            opened = open_sinks(groups)
            ranks = PackRanks(config)
            async for page in panel_bids(connection, office=office, fund=fund, statuses=statuses):
                sheets = await sheets_of_bids(connection, [b.bid.id for b in page])
                for bid in page:
                    others = repeated.get((bid.bid.organisation or "").strip().lower())
                    if others:
                        refs = tuple(ref for ref in others if ref != bid.bid.ref)
                        bid = replace(bid, same_organisation=refs)
                    kept = sheets.get(bid.bid.id)
                    if kept is not None:
                        panel = bid_panel(config, bid.bid, kept)
                        bid = replace(bid, panel=panel, ranked=await ranks.of(connection, bid.bid))
                    for sink in opened:
                        sink.add(bid)
                count += len(page)
                if progress is not None:
                    progress(count)
    finally:
        await engine.dispose()
    for sink in opened:
        sink.close()
    return count


def row_height(widths: Sequence[int], values: Sequence[Value]) -> float | None:
    """The height a row needs to show its wrapped text, in points; None for one line.

    Spreadsheet programs do not all fit rows to their text when they open a
    file, so the height is written. It stops at ten lines: a 500-word outline
    would otherwise make a row taller than the window, and a sheet of bids is
    read across; the whole answer is in the cell.
    """
    lines = 1
    for width, value in zip(widths, values, strict=True):
        if isinstance(value, str):
            per_line = max(1, width - 1)  # characters of Calibri 11 a column of this width shows
            needed = sum(-(-max(1, len(part)) // per_line) for part in value.split("\n"))
            lines = max(lines, needed)
    return None if lines == 1 else 15.0 * min(lines, MAX_LINES)


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


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Value) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=text_cell(value))
        # A string, whatever it starts with: openpyxl makes "=…" a formula otherwise.
        cell.data_type = "s"
        cell.alignment = _WRAP
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    cell.alignment = _TOP
    if isinstance(value, float):  # a score: one decimal place
        cell.number_format = "0.0"
    elif isinstance(value, Decimal):
        cell.number_format = POUNDS
    elif isinstance(value, datetime):
        cell.number_format = MOMENT
    elif isinstance(value, date):
        cell.number_format = DAY
    return cell


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
