"""Reading stored bids: ``bids`` (a table or JSON lines) and ``show`` (one bid)."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from typing import Any
from zoneinfo import ZoneInfo

from intake.bids import reports
from intake.bids.problem_words import problem_texts
from intake.cli.common import (
    EXIT_OK,
    Commands,
    chosen_fund,
    chosen_office,
    chosen_statuses,
    database_to_read,
    with_data_dir,
)
from intake.config.load import load_config
from intake.config.model import Config
from intake.errors import UsageError
from intake.logs import printable
from intake.settings import Settings


def add_commands(commands: Commands) -> None:
    """Add ``bids`` and ``show``."""
    bids = commands.add_parser("bids", help="list stored bids")
    bids.add_argument("--json", action="store_true", help="one JSON object per bid")
    bids.add_argument("--fund", help="only this fund's bids")
    bids.add_argument(
        "--status",
        action="append",
        default=[],
        help="only bids with this status (complete, incomplete, ineligible, unreadable); "
        "repeat or separate with commas for several",
    )
    bids.add_argument("--office", help="only this office's bids")
    bids.add_argument(
        "--limit",
        type=int,
        default=LIMIT,
        help=f"the newest LIMIT bids only (default {LIMIT}; 0 for every bid)",
    )
    bids.set_defaults(run=_bids)

    show = commands.add_parser("show", help="show one bid with its history")
    show.add_argument("ref", help="the bid's reference, e.g. KENT-2027-0001")
    show.add_argument("--json", action="store_true")
    show.add_argument("--office", help="the office whose bid it is")
    show.add_argument(
        "--version", type=int, dest="number", metavar="N", help="show version N's answers"
    )
    show.add_argument(
        "--brief", action="store_true", help="each answer on one line, cut at 100 characters"
    )
    show.set_defaults(run=_show)


LIMIT = 200
"""Bids ``intake bids`` lists by default: years of them are the export's job."""


def _bids(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    office = chosen_office(args, settings, config)
    if args.limit < 0:
        raise UsageError("--limit: give a number of bids, or 0 for every bid")
    fund = chosen_fund(args.fund, config, office)
    statuses = chosen_statuses(args.status)
    url = database_to_read(settings)
    rows = asyncio.run(
        reports.stored_bids(
            url, office=office, fund=fund, statuses=statuses, newest=args.limit or None
        )
    )
    if args.limit and len(rows) == args.limit:
        total = asyncio.run(
            reports.count_stored_bids(url, office=office, fund=fund, statuses=statuses)
        )
        if total > len(rows):
            print(
                f"The newest {len(rows)} of {total:,} bids; "
                "--limit 0 lists every one (or intake export).",
                file=sys.stderr,
            )
    if args.json:
        for row in rows:
            print(printable_json(row))
    else:
        print(
            printable(
                reports.bids_table(
                    rows, filtered=bool(fund or statuses), zone_of=lambda o: _zone(config, o)
                )
            )
        )
    return EXIT_OK


def printable_json(value: object, *, indent: int | None = None) -> str:
    """``value`` as JSON whose strings carry no control or reordering character raw.

    JSON escapes C0 controls itself; C1 controls (``\\x9b`` starts an escape
    sequence on some terminals) and bidi overrides are escaped here, the same
    data for any JSON reader.
    """
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", _json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _show(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    office = chosen_office(args, settings, config)
    bid = asyncio.run(
        reports.stored_bid(database_to_read(settings), args.ref, office=office, number=args.number)
    )
    if args.json:
        print(printable_json(bid, indent=2))
    else:
        print(
            printable(
                reports.bid_text(
                    bid,
                    zone=_zone(config, bid.get("office")),
                    brief=args.brief,
                    round_name=_round_name(config, bid),
                    problems=problem_texts(config, bid.get("form"), bid["problems"]),
                )
            )
        )
    return EXIT_OK


def _zone(config: Config, office: str | None) -> ZoneInfo:
    """The office's zone (every time shown is in it); the first office's for a bid of
    an office no longer configured."""
    found = next((o for o in config.offices if o.id == office), config.offices[0])
    return found.tz


def _round_name(config: Config, bid: dict[str, Any]) -> str | None:
    """The round as the card names it ("2027/28 round 1"), not its id."""
    fund = next((f for f in config.funds if f.id == bid.get("fund")), None)
    found = next((r for r in fund.rounds if r.id == bid.get("round")), None) if fund else None
    return found.name if found else None
