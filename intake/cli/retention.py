"""``intake retention``: erase now what the offices' retention has run out for.

The service does this itself once a day; the command is for the operator:
``--dry-run`` shows what would go (references and counts, never an address),
and without it the same erasure runs at once, leaving its audit row.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids.retention import erase_expired, what_expires
from intake.cli.common import EXIT_OK, Commands, database_to_read, with_data_dir
from intake.clock import Clock
from intake.config.load import load_config
from intake.config.model import Config
from intake.settings import Settings
from intake.slack.tokens import SlackWorkspaces
from intake.slack.workspaces import bot_tokens
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from notifier.pacing import ChannelPacer
from notifier.slack import SlackPoster


def add_commands(commands: Commands) -> None:
    """Add ``retention``."""
    retention = commands.add_parser(
        "retention", help="erase now what the offices' retention has run out for"
    )
    retention.add_argument("--dry-run", action="store_true", help="only show what would be erased")
    retention.set_defaults(run=_retention)


@dataclass
class _Context:
    config: Config
    engine: AsyncEngine
    clock: Clock
    data_dir: Path
    slack: SlackWorkspaces | None
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("intake.retention"))


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    url = database_to_read(settings)  # says so where there is no database
    asyncio.run(_run(args, settings, config, url))
    return EXIT_OK


async def _run(args: argparse.Namespace, settings: Settings, config: Config, url: str) -> None:
    engine = make_engine(url)
    clock = Clock(settings.now)
    slack = None
    try:
        await migrate(engine)
        if args.dry_run:
            plans = await what_expires(engine, config, clock.now(), settings.data_dir)
            for plan in plans:
                print(f"{plan.office}: would erase {plan.words()}")
            return
        posters = {
            env: SlackPoster(token=token, api_url=settings.slack_api_url, pacer=ChannelPacer(0))
            for env, token in bot_tokens(config, settings.secret).items()
        }
        slack = SlackWorkspaces(config, posters) if posters else None
        reports = await erase_expired(_Context(config, engine, clock, settings.data_dir, slack))
        if not reports:
            print("Nothing has run out.")
        for report in reports:
            print(
                f"Erased {len(report.refs)} bids ({', '.join(report.refs) or 'none'}): "
                + ", ".join(f"{n} {name}" for name, n in report.counts.items() if n)
                + f"; {report.files} files."
            )
    finally:
        if slack is not None:
            await slack.close()
        await engine.dispose()
