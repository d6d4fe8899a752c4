"""``intake held``: accepted mail set aside because it could not be recorded.

Such mail was answered ``250``, so it is never dropped: its envelope waits in
the journal's ``held/`` folder with the reason, its message in the spool, and
``/healthz`` says degraded while any is there. After a fix (or to try again
after a passing fault), ``--retry`` puts it back in the line.
"""

from __future__ import annotations

import argparse

from intake.cli.common import EXIT_OK, Commands, with_data_dir
from intake.config.load import load_config
from intake.errors import UsageError
from intake.inbox.journal import Journal
from intake.settings import Settings


def add_commands(commands: Commands) -> None:
    """Add ``held``."""
    held = commands.add_parser("held", help="accepted mail set aside, and why")
    held.add_argument("--retry", metavar="ID", action="append", default=[], help="put it back")
    held.set_defaults(run=_held)


def _held(args: argparse.Namespace, settings: Settings) -> int:
    settings = with_data_dir(settings, load_config(settings.config))
    folder = settings.data_dir / "journal"
    if not folder.is_dir():
        print(f"No accept journal in {settings.data_dir} (nothing set aside).")
        return EXIT_OK
    journal = Journal(folder)
    for entry_id in args.retry:
        if not journal.retry(entry_id):
            raise UsageError(f"no mail {entry_id!r} is set aside")
        print(f"{entry_id}: back in the line; the service records it when next woken or started")
    if args.retry:
        return EXIT_OK
    entries = journal.held()
    if not entries:
        print("Nothing is set aside.")
    for entry in entries:
        reason = entry.reason.encode("unicode_escape").decode("ascii")
        print(f"{entry.id}  {entry.held_at:%Y-%m-%d %H:%M:%S %Z}  {reason}")
    return EXIT_OK
