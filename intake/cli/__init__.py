"""The ``intake`` command. Errors are one clear sentence and a non-zero exit code.

One module per group of commands, each adding its sub-commands to the parser:
:mod:`.admin` (serve, deadlines, check-config), :mod:`.parse` (parse),
:mod:`.bids` (bids, show), :mod:`.export` (export), :mod:`.ranking` (ranking) and
:mod:`.held` (held). Each command is a
function ``(args, settings) -> exit code``; only this package and
:mod:`intake.service` read settings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from intake.cli import admin, bids, erase, export, held, letters, parse, ranking, retention
from intake.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from intake.errors import IntakeError, UsageError
from intake.settings import load_settings

GROUPS = (admin, parse, bids, export, ranking, held, erase, retention, letters)
"""The command groups, in the order ``intake --help`` lists them."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``intake`` command with ``argv`` (default: the process's arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings()
        return int(args.run(args, settings) or EXIT_OK)
    except IntakeError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``intake deadlines | head``): not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        # The machine said no (a full disk, a file it may not read): its words, one line.
        where = f": {exc.filename}" if exc.filename else ""
        print(f"intake: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_ERROR


def version() -> str:
    """The installed grant-intake's version."""
    try:
        return metadata.version("grant-intake")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


class _Parser(argparse.ArgumentParser):
    """argparse's parser, saying what is wrong in one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for (reading the
    package's metadata walks the import path: ~10 ms every command paid)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> NoReturn:
        print(f"{parser.prog} {version()}")
        parser.exit(EXIT_OK)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = _Parser(
        prog="intake",
        description="Grant applications by email: receive, read, check, tell the officers.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(commands)
    return parser
