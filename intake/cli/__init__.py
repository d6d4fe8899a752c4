"""The ``intake`` command. Errors are one clear sentence and a non-zero exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from intake.bids import reports
from intake.clock import Clock
from intake.config.load import load_config
from intake.config.model import Config
from intake.errors import IntakeError, UsageError
from intake.rules.calendar import deadlines
from intake.settings import Settings, load_settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intake",
        description="Grant applications by email: receive, read, check, tell the officers.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the service (SMTP, HTTP, workers)")
    serve.set_defaults(run=_serve)

    parse = commands.add_parser("parse", help="read application forms from files")
    parse.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".docx, .pdf or .eml")
    parse.add_argument("--form", help="form id (default: the configuration's first form)")
    parse.add_argument("--fund", help="apply this fund's caps and rounds")
    parse.add_argument(
        "--received", type=_moment, help="judge deadlines as if received then (ISO-8601)"
    )
    parse.set_defaults(run=_parse)

    bids = commands.add_parser("bids", help="list stored bids")
    bids.add_argument("--json", action="store_true", help="one JSON object per bid")
    bids.add_argument("--fund", help="only this fund's bids")
    bids.add_argument("--status", action="append", default=[], help="only bids with this status")
    bids.add_argument("--office", help="only this office's bids")
    bids.set_defaults(run=_bids)

    show = commands.add_parser("show", help="show one bid with its history")
    show.add_argument("ref", help="the bid's reference, e.g. KENT-2027-0001")
    show.add_argument("--json", action="store_true")
    show.add_argument("--office", help="the office whose bid it is")
    show.set_defaults(run=_show)

    export = commands.add_parser("export", help="export bids for the panel (CSV or XLSX)")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout, CSV)")
    export.add_argument("--fund", help="only this fund's bids")
    export.add_argument("--office", help="only this office's bids")
    export.set_defaults(run=_export)

    calendar = commands.add_parser("deadlines", help="coming deadlines of every fund")
    calendar.add_argument("--all", action="store_true", help="past deadlines too")
    calendar.add_argument("--json", action="store_true")
    calendar.set_defaults(run=_deadlines)

    check = commands.add_parser("check-config", help="validate the configuration")
    check.add_argument("path", nargs="?", type=Path, help="TOML file (default: INTAKE_CONFIG)")
    check.set_defaults(run=_check_config)
    return parser


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from exc
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone, e.g. {text}+01:00")
    return value


def _serve(_args: argparse.Namespace, settings: Settings) -> int:
    from intake.service import serve

    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiosmtpd logs every command at INFO; our own receiver logs what matters.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    asyncio.run(serve(settings))
    return EXIT_OK


def _parse(args: argparse.Namespace, settings: Settings) -> int:
    from intake.cli.parse_files import choose_form_and_fund, parse_files
    from intake.reading.pool import ParsePool

    config = load_config(settings.config)
    form, fund = choose_form_and_fund(config, form_id=args.form, fund_id=args.fund)
    received = args.received or Clock(settings.now).now()
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")

    async def run() -> list[dict[str, Any]]:
        pool = ParsePool(
            workers=min(settings.workers, len(args.files)),
            timeout=settings.parse_timeout,
            memory_mb=settings.parse_memory_mb,
        )
        try:
            return await parse_files(
                args.files, config=config, form=form, fund=fund, received_at=received, pool=pool
            )
        finally:
            pool.close()

    results = asyncio.run(run())
    if len(results) == 1:
        print(json.dumps(results[0], indent=2, ensure_ascii=False))
    else:
        for result in results:
            print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def _office(args: argparse.Namespace, settings: Settings, config: Config) -> str:
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


def _bids(args: argparse.Namespace, settings: Settings) -> int:
    office = _office(args, settings, load_config(settings.config))
    rows = asyncio.run(
        reports.stored_bids(
            settings.resolved_database_url,
            office=office,
            fund=args.fund,
            statuses=tuple(args.status),
        )
    )
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        print(reports.bids_table(rows))
    return EXIT_OK


def _show(args: argparse.Namespace, settings: Settings) -> int:
    office = _office(args, settings, load_config(settings.config))
    bid = asyncio.run(reports.stored_bid(settings.resolved_database_url, args.ref, office=office))
    if args.json:
        print(json.dumps(bid, indent=2, ensure_ascii=False))
    else:
        print(reports.bid_text(bid))
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    office = _office(args, settings, config)
    rows = asyncio.run(
        reports.stored_bids(settings.resolved_database_url, office=office, fund=args.fund)
    )
    if args.format == "xlsx":
        if args.output is None:
            raise UsageError("an XLSX export needs --output FILE")
        reports.write_xlsx(rows, config, args.output)
        print(f"exported {len(rows)} bids to {args.output}", file=sys.stderr)
    elif args.output is None:
        reports.write_csv(rows, config, sys.stdout)
    else:
        with args.output.open("w", newline="", encoding="utf-8") as handle:
            reports.write_csv(rows, config, handle)
        print(f"exported {len(rows)} bids to {args.output}", file=sys.stderr)
    return EXIT_OK


def _deadlines(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    now = Clock(settings.now).now()
    found = deadlines(config, since=None if args.all else now)
    if args.json:
        for deadline in found:
            print(
                json.dumps(
                    {
                        "at": deadline.at.isoformat(),
                        "kind": deadline.kind,
                        "office": deadline.office,
                        "fund": deadline.fund.id,
                        "round": deadline.round.id,
                        "what": deadline.describe(),
                    }
                )
            )
        return EXIT_OK
    if not found:
        print("No coming deadlines in the configuration.")
    for deadline in found:
        local = deadline.at.astimezone(config.office(deadline.office).tz)
        print(f"{local:%a %d %b %Y %H:%M}  {deadline.describe()}")
    return EXIT_OK


def _check_config(args: argparse.Namespace, settings: Settings) -> int:
    path = args.path or settings.config
    config = load_config(path)
    questions = sum(len(form.fields) for form in config.forms)
    rounds = sum(len(fund.rounds) for fund in config.funds)
    print(
        f"{path or 'the bundled configuration'} is valid: {len(config.offices)} office(s), "
        f"{len(config.funds)} fund(s) with {rounds} round(s), {len(config.forms)} form(s) "
        f"with {questions} questions."
    )
    for line in _slack_notes(config, settings):
        print(line)
    return EXIT_OK


def _slack_notes(config: Config, settings: Settings) -> list[str]:
    """Each Slack workspace, and a warning for a token variable not set on this machine.

    Not an error here: the configuration may be checked where the secrets are
    not (a CI job); ``intake serve`` refuses to start without them.
    """
    from intake.slack.workspaces import workspaces

    found = workspaces(config)
    if len(found) == 1 and found[0].team_id is None:
        return []
    lines = []
    for workspace in found:
        offices = ", ".join(sorted(workspace.offices))
        where = workspace.team_id or "the default workspace"
        if workspace.token_env is None:
            lines.append(
                f"Slack workspace {where}: {offices}; bot token from installing the app "
                "(the service's /slack/install page)"
            )
            continue
        state = "set" if settings.secret(workspace.token_env) else "NOT SET here"
        lines.append(
            f"Slack workspace {where}: {offices}; bot token in {workspace.token_env} ({state})"
        )
        if not workspace.is_default and state != "set":
            lines.append(f"note: intake serve will not start until {workspace.token_env} is set")
    return lines
