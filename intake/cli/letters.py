"""``intake letters``: a closed round's award and regret letters, from the office's templates.

The bids awarded from their card (the Award button) and those named with
``--award REF[=AMOUNT]`` (repeatable) get award letters; every other bid of the
round gets a regret letter. ``--preview`` prints the letters and keeps
nothing. Without it the drafts are kept and the running service posts them in
the fund's Slack channel, where an officer reviews them and clicks "Send"; or,
for an office without Slack, ``--send`` queues them for mailing at once.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids.letters import (
    Drafted,
    draft_round,
    keep_drafts,
    parse_awards,
    queue_sending,
    round_letter_ids,
)
from intake.cli.common import EXIT_OK, Commands, database_to_read, with_data_dir
from intake.clock import Clock
from intake.config.load import load_config
from intake.config.model import Config
from intake.settings import Settings
from intake.slack.channels import channel_for
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from notifier.wording import money


def add_commands(commands: Commands) -> None:
    """Add ``letters``."""
    letters = commands.add_parser(
        "letters",
        help="a closed round's award and regret letters: preview, keep for review, send",
        description="Make the award and regret letters of a fund's round once it has "
        "closed, from the office's templates (or the bundled ones).",
    )
    letters.add_argument("--fund", required=True, help="the fund, e.g. safer-in-kent")
    letters.add_argument("--round", help="the round (default: the last one that has closed)")
    letters.add_argument(
        "--award",
        action="append",
        default=[],
        metavar="REF[=AMOUNT]",
        help="a bid awarded, with the amount when not the one requested (repeatable)",
    )
    letters.add_argument(
        "--preview", action="store_true", help="print the letters; keep and send nothing"
    )
    letters.add_argument(
        "--send", action="store_true", help="queue the round's letters for mailing now"
    )
    letters.set_defaults(run=_letters)


@dataclass
class _Context:
    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("intake.cli"))


def _letters(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    awards = parse_awards(args.award)
    url = database_to_read(settings)
    return asyncio.run(_run(args, config, url, Clock(settings.now), awards))


async def _run(
    args: argparse.Namespace, config: Config, url: str, clock: Clock, awards: dict[str, str | None]
) -> int:
    engine = make_engine(url)
    try:
        if not args.preview:
            await migrate(engine)  # the letters' table, on a database older than it
        ctx = _Context(config, engine, clock)
        drafted = await draft_round(ctx, fund_id=args.fund, round_id=args.round, awards=awards)
        _print(drafted, full=args.preview)
        if args.preview:
            return EXIT_OK
        officer = getpass.getuser()
        await keep_drafts(ctx, drafted, by=f"cli:{officer}")
        fund = drafted.fund
        if args.send:
            ids = await round_letter_ids(ctx, fund=fund.id, round=drafted.round.id)
            sent = await queue_sending(ctx, ids, officer=f"cli:{officer}", offices=[fund.office])
            print(f"{len(sent)} letters queued for mailing by the running service.")
        else:
            channel = channel_for(config, office=fund.office, fund=fund.id)
            print(
                f"{len(drafted.letters)} letters kept; the running service posts them in "
                f"{channel} for an officer to review and send."
            )
    finally:
        await engine.dispose()
    return EXIT_OK


def _print(drafted: Drafted, *, full: bool) -> None:
    for ref, draft in drafted.letters:
        amount = f" {money(draft.amount)}" if draft.kind == "award" and draft.amount else ""
        head = f"{ref}: {draft.kind}{amount} to {draft.to_addr}"
        if not full:
            print(head)
            continue
        print(f"── {head} ".ljust(78, "─"))
        print(f"Subject: {draft.subject}\n")
        print(draft.body)
    if not drafted.letters:
        print(f"No bids in {drafted.fund.id} round {drafted.round.id}: no letters.")
