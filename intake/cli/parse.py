"""``intake parse``: read forms from files and print their bid JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from intake.cli.common import EXIT_OK, Commands, moment
from intake.clock import Clock
from intake.config.load import load_config
from intake.errors import UsageError
from intake.settings import Settings


def add_commands(commands: Commands) -> None:
    """Add ``parse``."""
    parse = commands.add_parser("parse", help="read application forms from files")
    parse.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".docx, .pdf or .eml")
    parse.add_argument("--form", help="form id (default: the configuration's first form)")
    parse.add_argument("--fund", help="apply this fund's caps and rounds")
    parse.add_argument(
        "--received", type=moment, help="judge deadlines as if received then (ISO-8601)"
    )
    parse.set_defaults(run=_parse)


def _parse(args: argparse.Namespace, settings: Settings) -> int:
    from intake.cli.parse_files import choose_form_and_fund, parse_files
    from intake.reading.pool import ParsePool

    config = load_config(settings.config)
    form, fund = choose_form_and_fund(config, form_id=args.form, fund_id=args.fund)
    received = args.received or Clock(settings.now).now()
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")

    async def run() -> list[dict[str, Any]]:
        pool = ParsePool(
            workers=min(settings.workers, len(args.files)),
            timeout=settings.parse_timeout,
            memory_mb=settings.parse_memory_mb,
        )
        try:
            return await parse_files(
                args.files, config=config, form=form, fund=fund, received_at=received, pool=pool
            )
        finally:
            pool.close()

    results = asyncio.run(run())
    if len(results) == 1:
        print(json.dumps(results[0], indent=2, ensure_ascii=False))
    else:
        for result in results:
            print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK
