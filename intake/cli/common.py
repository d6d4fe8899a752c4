"""What the command groups share: exit codes, argument types, filters checked against
the configuration, and the database a read-only command reads."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TypeAlias, get_args

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from intake.config.model import Config
from intake.errors import UsageError
from intake.rules.bid import Status
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


def chosen_fund(fund: str | None, config: Config, office: str) -> str | None:
    """``--fund``, checked against the office's funds: a typo is an error, not an empty list."""
    if fund is None:
        return None
    known = [f.id for f in config.funds if f.office == office]
    if fund not in known:
        raise UsageError(f"no fund '{fund}' in office {office} (known: {', '.join(known)})")
    return fund


def chosen_statuses(given: list[str]) -> tuple[str, ...]:
    """``--status`` (repeated, or comma-separated), checked against the statuses a bid has."""
    known = get_args(Status)
    chosen = tuple(s.strip() for value in given for s in value.split(",") if s.strip())
    for status in chosen:
        if status not in known:
            raise UsageError(f"no status '{status}' (known: {', '.join(known)})")
    return chosen


def with_data_dir(settings: Settings, config: Config) -> Settings:
    """The settings with the data folder found: ``INTAKE_DATA_DIR`` when set, else the
    configuration's ``data_dir`` (relative to the configuration file), else ``./var``."""
    if "data_dir" in settings.model_fields_set or config.data_dir is None:
        return settings
    folder = config.data_dir
    if not folder.is_absolute() and settings.config is not None:
        folder = settings.config.parent / folder
    return settings.model_copy(update={"data_dir": folder})


def database_to_read(settings: Settings) -> str:
    """The database a read-only command reads (``bids``, ``show``, ``export``).

    Where no SQLite file exists, say where it was looked for, instead of making
    an empty database (and its folder) wherever the command happened to run.
    """
    url = settings.resolved_database_url
    try:
        parsed = make_url(url)
    except ArgumentError:  # the engine says what is wrong with the URL
        return url
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return url
    path = Path(parsed.database)
    if not path.is_file():
        where = (
            f"the data folder is {settings.data_dir}"
            if settings.database_url is None
            else "from INTAKE_DATABASE_URL"
        )

        raise UsageError(
            f"no database at {path} ({where}): point INTAKE_DATA_DIR (or the configuration's "
            "data_dir) at the data folder of 'intake serve', or run this where it runs"
        )
    return url
