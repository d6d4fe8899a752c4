"""``intake export --published`` and ``--distribution``: a fund's awards, as published
(organisation, short description, award value) and spread by area and by priority."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys

from intake.bids.awards import award_lines, awarded_in, distribution, share_lines
from intake.bids.export import csv_text
from intake.config.model import Config, Office
from intake.errors import UsageError
from notifier.awards import distribution_text, published_rows


def report_awards(
    args: argparse.Namespace, config: Config, office: Office, fund_id: str | None, database: str
) -> str:
    """The transparency list (CSV) or the distribution report (text) of ``fund_id``."""
    if args.published and args.distribution:
        raise UsageError("give --published or --distribution, not both")
    if fund_id is None:
        funds = [f.id for f in config.funds if f.office == office.id and f.takes_bids]
        if len(funds) != 1:
            raise UsageError(f"name the fund with --fund (one of: {', '.join(funds)})")
        fund_id = funds[0]
    fund = config.fund(fund_id)
    found = asyncio.run(awarded_in(database, fund.id))
    if args.distribution:
        report = distribution(config, fund, found)
        return distribution_text(
            report.fund,
            f"{report.total:.2f}",
            report.awards,
            share_lines(report.by_area),
            share_lines(report.by_priority),
        )
    rows = published_rows(award_lines(found))
    out = _Lines()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        # An applicant's words in a spreadsheet never start a formula.
        writer.writerow([csv_text(cell) for cell in row])
    return "".join(out.lines)


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)


def write_report(text: str, args: argparse.Namespace) -> None:
    """To ``--output`` or standard output."""
    if args.output is None:
        sys.stdout.write(text)
        return
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
