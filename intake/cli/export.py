"""``intake export``: the panel pack, as XLSX or CSV, and each bid's cover sheet (DOCX)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from intake.bids.export import CsvPack, Group, Sink, export_bids
from intake.cli.common import (
    EXIT_OK,
    Commands,
    chosen_fund,
    chosen_office,
    chosen_statuses,
    database_to_read,
    with_data_dir,
)
from intake.cli.published import report_awards, write_report
from intake.clock import Clock
from intake.config.load import load_config
from intake.errors import UsageError
from intake.settings import Settings

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv")


def add_commands(commands: Commands) -> None:
    """Add ``export``."""
    export = commands.add_parser(
        "export",
        help="the panel pack: bids as XLSX or CSV, and cover sheets",
        description="Export the office's bids for the panel: a workbook with a summary and "
        "a sheet per fund and round (or one CSV table), and with --cover-sheets each bid's "
        "Funding Request Cover Sheet as a Word document.",
    )
    export.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="file to write, .xlsx or .csv (default: CSV on standard output)",
    )
    export.add_argument(
        "--format", choices=FORMATS, help="xlsx or csv (default: from the --output file's name)"
    )
    export.add_argument(
        "--cover-sheets",
        type=Path,
        metavar="DIR",
        help="write each bid's cover sheet into DIR, as <reference>.docx",
    )
    export.add_argument("--fund", help="only this fund's bids")
    export.add_argument(
        "--status", action="append", default=[], help="only bids with this status (repeatable)"
    )
    export.add_argument("--office", help="only this office's bids")
    export.add_argument(
        "--published",
        action="store_true",
        help="the fund's transparency list instead: organisation, short description and "
        "award value of each awarded bid (CSV)",
    )
    export.add_argument(
        "--distribution",
        action="store_true",
        help="the fund's distribution report instead: awards by local area and by priority",
    )
    export.set_defaults(run=_export)


def output_format(given: str | None, output: Path | None) -> Format:
    """``--format``, else the output file's suffix; CSV on standard output."""
    if given is not None:
        return "xlsx" if given == "xlsx" else "csv"
    if output is None:
        return "csv"
    suffix = output.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return "xlsx" if suffix == "xlsx" else "csv"
    raise UsageError(
        f"cannot tell the format of {output} from its name: "
        "call it .xlsx or .csv, or give --format xlsx or --format csv"
    )


def _export(args: argparse.Namespace, settings: Settings) -> int:
    # Here, not at the top: every ``intake`` command, ``serve`` among them, imports
    # this module, and python-docx (with lxml) and the workbook writer are not small.
    from intake.bids.cover_sheet import CoverSheets
    from intake.bids.export_xlsx import XlsxPack

    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    office = config.office(chosen_office(args, settings, config))
    fund = chosen_fund(args.fund, config, office.id)
    statuses = chosen_statuses(args.status)
    database = database_to_read(settings)
    if args.published or args.distribution:
        write_report(report_awards(args, config, office, fund, database), args)
        return EXIT_OK
    if args.output is not None:
        _check_writable(args.output)
    chosen = output_format(args.format, args.output)
    if chosen == "xlsx" and args.output is None:
        raise UsageError("an XLSX export needs --output FILE (a workbook is not for a terminal)")
    if args.cover_sheets is not None:
        _make_folder(args.cover_sheets)
    exported_at = Clock(settings.now).now()
    only_cover_sheets = args.cover_sheets is not None and args.output is None

    with _written(args.output, binary=chosen == "xlsx") as handle:

        def open_sinks(groups: list[Group]) -> Sequence[Sink]:
            sinks: list[Sink] = []
            if chosen == "xlsx":
                sinks.append(XlsxPack(config, office, groups, handle, exported_at=exported_at))
            elif not only_cover_sheets:
                sinks.append(CsvPack(config, office, handle))
            if args.cover_sheets is not None:
                sinks.append(CoverSheets(config, office, args.cover_sheets))
            return sinks

        count = asyncio.run(
            export_bids(
                database,
                config,
                office=office.id,
                fund=fund,
                statuses=statuses,
                open_sinks=open_sinks,
                progress=_show_progress if sys.stderr.isatty() else None,
            )
        )
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)  # the progress line, cleared
    written = [str(p) for p in (args.output, args.cover_sheets) if p is not None]
    if written:
        what = f"{count} bid" + ("" if count == 1 else "s")
        print(f"exported {what} to {' and '.join(written)}", file=sys.stderr)
    return EXIT_OK


def _show_progress(count: int) -> None:
    # A long export (thousands of bids, cover sheets) says how far it is, on a terminal.
    print(f"\rexporting: {count} bids so far", end="", file=sys.stderr, flush=True)


def _check_writable(path: Path) -> None:
    """Refuse a bad output path before reading anything, in one sentence."""
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied")


def _make_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise UsageError(f"cannot write cover sheets into {path}: it is a file, not a folder")
    try:
        path.mkdir(exist_ok=True)
    except FileNotFoundError as exc:
        raise UsageError(
            f"cannot write cover sheets into {path}: there is no folder {path.parent}"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot write cover sheets into {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK):
        raise UsageError(f"cannot write cover sheets into {path}: permission denied")


@contextmanager
def _written(path: Path | None, *, binary: bool) -> Iterator[IO[Any]]:
    """The file to export into: standard output, or a file written aside and renamed
    into place when the export is whole (a failed export leaves the old file as it was)."""
    if path is None:
        yield sys.stdout  # CSV only: a workbook needs --output
        sys.stdout.flush()
        return
    try:
        descriptor, part = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        handle = (
            os.fdopen(descriptor, "wb")
            if binary
            else os.fdopen(descriptor, "w", newline="", encoding="utf-8")
        )
        with handle:
            yield handle
        # mkstemp makes the file private; an export is as readable as any file made here.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(part, 0o666 & ~mask)
        os.replace(part, path)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
