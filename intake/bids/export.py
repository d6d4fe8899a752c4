"""The panel pack: stored bids as an XLSX workbook or a CSV file, streamed.

The workbook has a summary sheet, then one sheet per fund and round; every
sheet's first row is its headers (frozen, with filters). Cells are typed:
amounts are numbers shown in pounds, dates are dates, scores and versions
whole numbers, and long answers wrap with their line breaks kept. CSV holds
the same columns in one table, with the fund and round in front.

Bids are read a page at a time (:func:`intake.store.panel.panel_bids`) and
written as they come: XlsxWriter's ``constant_memory`` mode keeps each sheet
in a temporary file, so memory stays flat whatever the number of bids. The
workbook is written by :mod:`intake.bids.export_xlsx`, a module of its own,
which the service loads only when an officer asks for a workbook.

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
from datetime import datetime
from decimal import Decimal
from typing import IO, Protocol

from intake.bids.panel import PackRanks, bid_panel
from intake.bids.panel_columns import Value, fund_columns, panel_columns
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
# XML 1.0 forbids these; a workbook holding one does not open (a form may still carry one).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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
