"""``intake erase``: remove a person's data (UK GDPR Art. 17), keeping a record without it.

``--applicant ADDRESS`` removes every bid that address made (its versions,
events, card, mail sent about it) and every message it sent, with their files
in the spool and the outbox; mentions of the address on other bids become
``[erased]``. ``--ref REF`` removes one bid so. What remains is a line in the
``erasures`` table (and on stderr): the references and counts, never the
address. The bids' Slack cards are replaced by one line saying the bid was
erased and the lines we posted in their threads are deleted (with the
workspaces' configured tokens); any that cannot be are listed for an officer to
delete in Slack. Their mail set aside in the accept journal goes too. It may be
run while the service runs: it waits for any job running about those bids.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from intake.bids.erase import ErasureReport, erase_person
from intake.cli.common import EXIT_OK, Commands, database_to_read, with_data_dir
from intake.clock import Clock
from intake.config.load import load_config
from intake.config.model import Config
from intake.errors import UsageError
from intake.settings import Settings
from intake.slack.tokens import SlackWorkspaces
from intake.slack.workspaces import bot_tokens
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from notifier.pacing import ChannelPacer
from notifier.slack import SlackPoster


def add_commands(commands: Commands) -> None:
    """Add ``erase``."""
    erase = commands.add_parser(
        "erase", help="remove an applicant's bids and mail everywhere (right to erasure)"
    )
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--applicant", metavar="ADDRESS", help="every bid and mail of this address")
    who.add_argument("--ref", metavar="REF", help="this bid, e.g. KENT-2027-0001")
    erase.add_argument("--office", help="only this office's bids (default: every office)")
    erase.set_defaults(run=_erase)


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    known = [office.id for office in config.offices]
    if args.office is not None and args.office not in known:
        raise UsageError(f"there is no office '{args.office}' (known offices: {', '.join(known)})")
    if args.applicant is not None and "@" not in args.applicant:
        raise UsageError(f"--applicant: {args.applicant!r} is not a mail address")
    url = database_to_read(settings)  # says so where there is no database
    report = asyncio.run(_run(args, settings, config, url))
    if not report.refs and not any(report.counts.values()):
        print("Nothing to erase: no bid or mail matches.")
        return EXIT_OK
    print(
        f"Erased {len(report.refs)} bids ({', '.join(report.refs) or 'none'}): "
        + ", ".join(f"{n} {name}" for name, n in report.counts.items() if n)
        + f"; {report.files} files."
    )
    if report.cards_redacted:
        print(f"{report.cards_redacted} Slack cards now say only that the bid was erased.")
    if report.lines_deleted:
        print(f"{report.lines_deleted} other Slack messages about them deleted.")
    if report.held:
        print(f"{report.held} mails of theirs set aside in the accept journal removed.")
    for channel, ts, why in report.cards_left:
        print(
            f"A Slack card is still in {channel} (ts {ts}): {why}; delete it there.",
            file=sys.stderr,
        )
    return EXIT_OK


async def _run(
    args: argparse.Namespace, settings: Settings, config: Config, url: str
) -> ErasureReport:
    engine = make_engine(url)
    posters = {
        env: SlackPoster(token=token, api_url=settings.slack_api_url, pacer=ChannelPacer(0))
        for env, token in bot_tokens(config, settings.secret).items()
    }
    slack = SlackWorkspaces(config, posters) if posters else None
    try:
        await migrate(engine)  # the record of erasures may be newer than the database
        return await erase_person(
            engine,
            settings.data_dir,
            applicant=args.applicant,
            ref=args.ref,
            office=args.office,
            actor=f"cli:{getpass.getuser()}",
            at=Clock(settings.now).now(),
            slack=slack,
        )
    finally:
        if slack is not None:
            await slack.close()
        await engine.dispose()
