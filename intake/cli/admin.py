"""Running and checking the service: ``serve``, ``deadlines``, ``check-config``."""

from __future__ import annotations

import argparse
import asyncio
import json
import textwrap
from datetime import datetime, time, timedelta
from pathlib import Path

from intake.bids.deadlines import alert_time
from intake.cli.common import EXIT_OK, Commands, with_data_dir
from intake.clock import Clock
from intake.config.load import load_config
from intake.config.model import Config
from intake.rules.calendar import Deadline, deadlines
from intake.settings import Settings, settings_help
from notifier.model import ALERT_KINDS


def add_commands(commands: Commands) -> None:
    """Add ``serve``, ``deadlines`` and ``check-config``."""
    serve = commands.add_parser(
        "serve",
        help="run the service (SMTP, HTTP, workers)",
        description=textwrap.fill(
            "Run the service: the SMTP receiver, the parsing workers, the Slack app and the "
            "deadline scheduler. Ctrl-C or SIGTERM stops it cleanly.",
            width=78,
        ),
        epilog=SETTINGS_EPILOG,
        formatter_class=_ServeHelp,
    )
    serve.set_defaults(run=_serve)

    calendar = commands.add_parser("deadlines", help="coming deadlines of every fund")
    calendar.add_argument("--all", action="store_true", help="past deadlines too")
    calendar.add_argument("--json", action="store_true")
    calendar.set_defaults(run=_deadlines)

    check = commands.add_parser("check-config", help="validate the configuration")
    check.add_argument("path", nargs="?", type=Path, help="TOML file (default: INTAKE_CONFIG)")
    check.set_defaults(run=_check_config)


SETTINGS_EPILOG = "(every setting)"
"""Stands for :func:`settings_epilog` until ``serve --help`` is asked for: every other
command builds the same parser, and wrapping every setting's text cost them 50–80 ms."""


class _ServeHelp(argparse.RawDescriptionHelpFormatter):
    """``serve --help``: the description as written, and the settings written out."""

    def add_text(self, text: str | None) -> None:
        super().add_text(settings_epilog() if text == SETTINGS_EPILOG else text)


def settings_epilog() -> str:
    """Every setting with its default and meaning, from the settings model itself."""
    lines = ["settings (environment variables, or a .env file in the working folder):"]
    for name, default, meaning in settings_help():
        lines.append(f"  {name}")
        lines += textwrap.wrap(
            f"{meaning} (default: {default})", width=78, initial_indent=" " * 6,
            subsequent_indent=" " * 6,
        )  # fmt: skip
    return "\n".join(lines)


def _serve(_args: argparse.Namespace, settings: Settings) -> int:
    from intake.logs import configure_logging
    from intake.service import serve

    settings = with_data_dir(settings, load_config(settings.config))
    configure_logging(settings.log_level)
    asyncio.run(serve(settings))
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
                        "alert_at": _alert_at(config, deadline),
                    }
                )
            )
        return EXIT_OK
    if not found:
        print("No coming deadlines in the configuration.")
    for deadline in found:
        zone = config.office(deadline.office).tz
        local = deadline.at.astimezone(zone)
        when = f"{local:%a %d %b %Y %H:%M %Z}"
        what = deadline.describe()
        if deadline.kind == "closed":
            # Midnight after the closing day: say the day, as applicants read it.
            last = local - timedelta(days=1) if local.time() == time(0, 0) else local
            when = f"{last:%a %d %b %Y} end of day"
        alert = _alert_at(config, deadline)
        if alert is not None and datetime.fromisoformat(alert) != deadline.at:
            what += f"; alert {datetime.fromisoformat(alert).astimezone(zone):%a %d %b %H:%M %Z}"
        print(f"{when}  {what}")
    return EXIT_OK


def _alert_at(config: Config, deadline: Deadline) -> str | None:
    """When the officers' channel hears of ``deadline`` (None: it is not alerted)."""
    if deadline.kind not in ALERT_KINDS:
        return None
    return alert_time(config, deadline).isoformat()


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
