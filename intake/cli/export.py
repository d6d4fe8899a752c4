"""``intake export``: the stored bids for the panel, as CSV or XLSX."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from intake.bids import reports
from intake.cli.common import EXIT_OK, Commands, chosen_office
from intake.config.load import load_config
from intake.errors import UsageError
from intake.settings import Settings


def add_commands(commands: Commands) -> None:
    """Add ``export``."""
    export = commands.add_parser("export", help="export bids for the panel (CSV or XLSX)")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout, CSV)")
    export.add_argument("--fund", help="only this fund's bids")
    export.add_argument("--office", help="only this office's bids")
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    office = chosen_office(args, settings, config)
    rows = asyncio.run(
        reports.stored_bids(settings.resolved_database_url, office=office, fund=args.fund)
    )
    if args.format == "xlsx":
        if args.output is None:
            raise UsageError("an XLSX export needs --output FILE")
        reports.write_xlsx(rows, config, args.output)
        print(f"exported {len(rows)} bids to {args.output}", file=sys.stderr)
    elif args.output is None:
        reports.write_csv(rows, config, sys.stdout)
    else:
        with args.output.open("w", newline="", encoding="utf-8") as handle:
            reports.write_csv(rows, config, handle)
        print(f"exported {len(rows)} bids to {args.output}", file=sys.stderr)
    return EXIT_OK
