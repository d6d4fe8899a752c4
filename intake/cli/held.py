"""``intake held``: accepted mail set aside or held back, and why.

Two kinds, both answered ``250`` and never dropped:

- mail that could not be recorded (SQLite): its envelope waits in the
  journal's ``held/`` folder with the reason, its message in the spool;
  ``--retry ID`` puts it back in the line after a fix;
- mail of a sender over ``INTAKE_SENDER_HOURLY_LIMIT``: recorded, its parsing
  job held; ``--release MESSAGE`` (one mail) or ``--release-sender ADDRESS``
  (all of a sender's) has it read now.

``/healthz`` says degraded while any of either is there.
"""

from __future__ import annotations

import argparse
import asyncio

from intake.bids.sender_limit import release_sender
from intake.cli.common import EXIT_OK, Commands, database_to_read, with_data_dir
from intake.config.load import load_config
from intake.errors import UsageError
from intake.inbox.journal import Journal
from intake.jobs.kinds import MessageJob
from intake.rules.addresses import mailbox
from intake.settings import Settings
from intake.store import queue
from intake.store.engine import make_engine
from intake.store.queue import HeldJob


def add_commands(commands: Commands) -> None:
    """Add ``held``."""
    held = commands.add_parser("held", help="accepted mail set aside or held back, and why")
    held.add_argument("--retry", metavar="ID", action="append", default=[], help="put it back")
    held.add_argument(
        "--release",
        metavar="MESSAGE",
        action="append",
        default=[],
        help="read this held mail now (its message id)",
    )
    held.add_argument(
        "--release-sender",
        metavar="ADDRESS",
        action="append",
        default=[],
        help="read every held mail of this sender now",
    )
    held.set_defaults(run=_held)


def _held(args: argparse.Namespace, settings: Settings) -> int:
    settings = with_data_dir(settings, load_config(settings.config))
    if args.release or args.release_sender:
        asyncio.run(_release(database_to_read(settings), args.release, args.release_sender))
        return EXIT_OK
    folder = settings.data_dir / "journal"
    journal = Journal(folder) if folder.is_dir() else None
    for entry_id in args.retry:
        if journal is None or not journal.retry(entry_id):
            raise UsageError(f"no mail {entry_id!r} is set aside")
        print(f"{entry_id}: back in the line; the service records it when next woken or started")
    if args.retry:
        return EXIT_OK
    entries = journal.held() if journal is not None else []
    jobs = asyncio.run(_held_jobs(database_to_read(settings)))
    if not entries and not jobs:
        print("Nothing is set aside or held.")
    for entry in entries:
        print(f"{entry.id}  {entry.held_at:%Y-%m-%d %H:%M:%S %Z}  {_shown(entry.reason)}")
    for job in jobs:
        sender = (job.chain or "").removeprefix("sender:")
        print(
            f"{job.payload.get('message')}  {job.since:%Y-%m-%d %H:%M:%S %Z}  "
            f"from {_shown(sender)}: {_shown(job.reason)}"
        )
    return EXIT_OK


def _shown(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")


async def _held_jobs(url: str) -> list[HeldJob]:
    engine = make_engine(url)
    try:
        return await queue.held_jobs(engine)
    finally:
        await engine.dispose()


async def _release(url: str, messages: list[str], senders: list[str]) -> None:
    engine = make_engine(url)
    try:
        for message in messages:
            key = MessageJob(message=message).key
            if not await queue.release_held(engine, key, mark={"released": True}):
                raise UsageError(f"no mail {message!r} is held")
            print(f"{message}: released; the service reads it within a second")
        for address in senders:
            sender = mailbox(address)
            if not sender:
                raise UsageError(f"--release-sender: {address!r} is not a mail address")
            count = await release_sender(engine, sender)
            print(f"{sender}: {count} held mails released; the service reads them in turn")
    finally:
        await engine.dispose()
