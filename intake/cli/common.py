"""What the command groups share: exit codes, argument types, the office shown."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TypeAlias

from intake.config.model import Config
from intake.errors import UsageError
from intake.settings import Settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The type of the object sub-commands are added to (argparse names it privately)."""


def moment(text: str) -> datetime:
    """An ISO-8601 time with its zone, for ``--received``."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from exc
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone, e.g. {text}+01:00")
    return value


def chosen_office(args: argparse.Namespace, settings: Settings, config: Config) -> str:
    """The office whose bids a command shows: officers never see another office's."""
    chosen = args.office or settings.office
    known = [office.id for office in config.offices]
    if chosen is None:
        if len(known) > 1:
            raise UsageError(
                f"several offices are configured ({', '.join(known)}): "
                "choose one with --office or INTAKE_OFFICE"
            )
        return known[0]
    if chosen not in known:
        raise UsageError(f"there is no office '{chosen}' (known offices: {', '.join(known)})")
    return str(chosen)
