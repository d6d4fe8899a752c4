"""How the service's costs grow with the years of bids it keeps.

    python -m bench.growth [--bids 100000] [--quick] [--repeat 30] [--json FILE]
                           [--postgres URL | --no-postgres] [--no-sqlite]

Fills a fresh database (SQLite; PostgreSQL too when its server answers: the
given database is used only to create a database of our own, dropped at the end) with
bids (:mod:`bench.growth_fill` says what they look like), and at N/100, N/10
and N measures, as median and p99 of repeated calls, everything that reads
across stored bids:

* every Slack interaction, as a real ``intake serve`` answers it: a signed
  request to ``/slack/events`` until the officer sees the answer (the
  command's reply at its response URL, the button's modal opened; "Assign to
  me" answers nothing, so its HTTP answer);
* ``intake bids --fund F --status S``, ``intake show REF``, ``intake deadlines``
  (the CLI's own functions, called in this process);
* the round-close summary's counts and a deadline alert's composition;
* ``/healthz`` and ``/metrics``;
* the database's size per bid, and one new mail from ``250`` to its card in
  Slack, against the full database and an empty one.

Prints one ``figure: value`` line each (milliseconds unless named), and with
``--json FILE`` writes them all for :mod:`bench.growth_chart`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import io
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.growth_fill import CURRENT_ROUND_BIDS, Filler, utc
from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from intake.bids import deadlines as alerts_module
from intake.bids import reports
from intake.cli import main as cli_main
from intake.config.load import load_config
from intake.rules.calendar import deadlines
from intake.slack.signature import sign
from intake.store.engine import make_engine, reading
from intake.store.migrate import migrate
from notifier.alerts import deadline_alert
from notifier.cards import (
    ACTION_ASSIGN,
    ACTION_ELIGIBLE,
    ACTION_INELIGIBLE,
    ACTION_REQUEST_INFO,
    ACTION_SCORE,
)
from notifier.model import DeadlineAlert
from tests.harness import RunningService
from tests.intake.slack.driver import SECRET, TEAM, block_actions, command_fields
from tests.slack_api_server import TOKEN, SlackApiServer

NOW = "2027-05-20T16:00:00+01:00"
"""Inside round 1 of the bundled funds, ten days before it closes."""
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CHANNEL = ("C0COMMISS1", "commissioning")
BUTTONS = (ACTION_ASSIGN, ACTION_REQUEST_INFO, ACTION_ELIGIBLE, ACTION_INELIGIBLE, ACTION_SCORE)


def quantiles(samples: list[float]) -> tuple[float, float]:
    """Median and p99 (the nearest rank), in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return statistics.median(ordered) * 1000, p99 * 1000


class Report:
    """The figures of one run: printed as they come, kept for ``--json``."""

    def __init__(self) -> None:
        self.figures: list[dict[str, Any]] = []

    def timed(self, backend: str, bids: int, name: str, samples: list[float]) -> None:
        median, p99 = quantiles(samples)
        self.add(backend, bids, f"{name} median ms", median)
        self.add(backend, bids, f"{name} p99 ms", p99)

    def add(self, backend: str, bids: int, name: str, value: float) -> None:
        self.figures.append({"backend": backend, "bids": bids, "figure": name, "value": value})
        print(f"{backend} N={bids} {name}: {value:.1f}", flush=True)


def repeat(count: int, call: Callable[[int], Any]) -> list[float]:
    for number in range(3):  # warm: imports, statement caches, pages
        call(-1 - number)
    samples = []
    for number in range(count):
        started = time.perf_counter()
        call(number)
        samples.append(time.perf_counter() - started)
    return samples


class Officer:
    """Slack's requests to the running service, and the wait for what the officer sees."""

    def __init__(self, service: RunningService, slack: SlackApiServer) -> None:
        self.service = service
        self.slack = slack
        self.url = f"http://127.0.0.1:{service.http_port}/slack/events"
        self.triggers = 0

    def _post(self, body: bytes) -> int:
        stamp = str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": sign(SECRET, stamp, body),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return int(response.status)

    def _until(self, seen: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 30
        while not seen():
            if time.monotonic() > deadline:
                raise TimeoutError("the officer saw no answer in 30 s")
            time.sleep(0.001)

    def command(self, words: str) -> None:
        url = self.slack.response_url(TEAM["id"])
        fields = command_fields(
            words,
            user="U0OFFICER1",
            channel_id=CHANNEL[0],
            channel_name=CHANNEL[1],
            response_url=url,
        )
        assert self._post(urllib.parse.urlencode(fields).encode()) == 200
        self._until(lambda: any(r["_url"] == url for r in reversed(self.slack.responses)))

    def click(self, action: str, ref: str) -> None:
        url = self.slack.response_url(TEAM["id"])
        self.triggers += 1
        views = len(self.slack.views)
        payload = block_actions(
            action, ref, user="U0OFFICER1", trigger=f"{self.triggers}.1.t", response_url=url
        )
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        assert self._post(body) == 200
        if action == ACTION_ASSIGN:
            return
        self._until(
            lambda: (
                len(self.slack.views) > views
                or any(r["_url"] == url for r in reversed(self.slack.responses))
            )
        )


def get(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
    except urllib.error.HTTPError as exc:  # 503 when degraded still answers
        exc.read()


def new_mail(number: int) -> tuple[str, bytes]:
    """A new applicant's form, and the address it comes from (each mail its own:
    one sender's hundreds of mails an hour would be held by the sender limit)."""
    base = next(c for c in FORM_CASES if c.name == "complete-medway-youth-trust")
    address = f"ann{number}.{uuid.uuid4().hex[:6]}@example.org"
    return address, build_mail(
        sender=f"Ann Applicant <{address}>",
        to="safer-in-kent@bids.example.org",
        subject=f"Our application {number}",
        body="Please find our application attached.",
        date=datetime(2027, 5, 20, 9, 30, tzinfo=UTC),
        message_id=f"<growth-{number}-{uuid.uuid4().hex}@example.org>",
        attachments=[("form.docx", build_form(dict(base.answers)), "application/octet-stream")],
    )


def mail_to_card(service: RunningService, slack: SlackApiServer, count: int) -> list[float]:
    """Seconds from each mail's ``250`` to its card in the channel."""
    samples = []
    for number in range(count):
        channel = slack.channels["C0COMMISS1"]
        before = len(channel.top_level)
        address, raw = new_mail(number)
        service.send(raw, sender=address)
        started = time.perf_counter()
        deadline = time.monotonic() + 60
        while len(channel.top_level) <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no card in 60 s\n{service.output[-3000:]}")
            time.sleep(0.002)
        samples.append(time.perf_counter() - started)
    return samples


@contextlib.contextmanager
def running(folder: Path, slack: SlackApiServer, database_url: str | None) -> Iterator[Any]:
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "INTAKE_SLACK_POST_INTERVAL": "0",
        "INTAKE_NOW": NOW,
        "INTAKE_WORKERS": "1",
    }
    if database_url:
        env["INTAKE_DATABASE_URL"] = database_url
    folder.mkdir(parents=True, exist_ok=True)
    service = RunningService(folder, **env)
    service.start(timeout=300)
    try:
        yield service
    finally:
        service.stop()


def cli(*argv: str, env: dict[str, str]) -> None:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli_main(list(argv)) == 0
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def measure_cli(
    report: Report, backend: str, n: int, url: str, refs: list[str], repeats: int
) -> None:
    env = {"INTAKE_DATABASE_URL": url, "INTAKE_NOW": NOW}
    report.timed(
        backend,
        n,
        "intake bids --fund --status",
        repeat(
            repeats,
            lambda i: cli("bids", "--fund", "safer-in-kent", "--status", "incomplete", env=env),
        ),
    )
    report.timed(
        backend,
        n,
        "intake show",
        repeat(repeats, lambda i: cli("show", refs[i % len(refs)], env=env)),
    )
    report.timed(
        backend, n, "intake deadlines", repeat(repeats, lambda i: cli("deadlines", env=env))
    )


def measure_alerts(report: Report, backend: str, n: int, url: str, repeats: int) -> None:
    config = load_config(None)
    now = utc(NOW)
    closed = next(
        d for d in deadlines(config) if d.kind == "closed" and d.fund.id == "safer-in-kent"
    )
    soon = next(d for d in deadlines(config, since=now) if d.kind == "closes_in_7_days")

    async def summary(deadline: Any) -> None:
        engine = make_engine(url)
        try:
            office = config.office(deadline.office)
            for _ in range(repeats + 3):
                started = time.perf_counter()
                async with reading(engine) as connection:
                    counts = await alerts_module.round_counts(connection, config, deadline)
                deadline_alert(
                    DeadlineAlert(
                        kind=deadline.kind,
                        office_name=office.name,
                        fund_name=deadline.fund.name,
                        round_name=deadline.round.name,
                        timezone=office.timezone,
                        due_at=deadline.at,
                        closes_at=deadline.round.closes_at(office.tz),
                        decisions_due_at=deadline.at,
                        counts=counts,
                    )
                )
                samples.append(time.perf_counter() - started)
        finally:
            await engine.dispose()

    for name, deadline in (("round-close summary", closed), ("deadline alert", soon)):
        samples: list[float] = []
        asyncio.run(summary(deadline))
        report.timed(backend, n, name, samples[3:])


def kent_refs(url: str) -> list[str]:
    async def find() -> list[str]:
        engine = make_engine(url)
        try:
            await migrate(engine)
            rows = await reports.stored_bids(url, office="kent", fund="safer-in-kent")
            return [r["ref"] for r in rows if r["round"] == "2027-r1"][:200]
        finally:
            await engine.dispose()

    return asyncio.run(find())


def measure_stage(
    report: Report,
    backend: str,
    n: int,
    folder: Path,
    slack: SlackApiServer,
    url: str,
    repeats: int,
) -> None:
    refs = kent_refs(url)
    measure_cli(report, backend, n, url, refs, repeats)
    measure_alerts(report, backend, n, url, repeats)
    with running(folder, slack, url) as service:
        officer = Officer(service, slack)
        base = f"http://127.0.0.1:{service.http_port}"
        report.timed(backend, n, "GET /healthz", repeat(repeats, lambda i: get(base + "/healthz")))
        report.timed(backend, n, "GET /metrics", repeat(repeats, lambda i: get(base + "/metrics")))
        for words in ("open", "deadlines"):
            report.timed(
                backend,
                n,
                f"slack /intake {words}",
                repeat(repeats, functools.partial(_ignore_number, officer.command, words)),
            )
        report.timed(
            backend,
            n,
            "slack /intake show",
            repeat(repeats, lambda i: officer.command(f"show {refs[i % len(refs)]}")),
        )
        for action in BUTTONS:
            report.timed(
                backend,
                n,
                f"slack button {action}",
                repeat(repeats, functools.partial(_click, officer, action, refs)),
            )
        report.timed(backend, n, "mail to card", mail_to_card(service, slack, max(5, repeats // 3)))


def _ignore_number(call: Callable[[str], None], words: str, _number: int) -> None:
    call(words)


def _click(officer: Officer, action: str, refs: list[str], number: int) -> None:
    officer.click(action, refs[(number * 7) % len(refs)])


async def _fresh(url: str) -> Any:
    engine = make_engine(url)
    await migrate(engine)
    return engine


def run_backend(
    report: Report,
    backend: str,
    url: str,
    folder: Path,
    slack: SlackApiServer,
    total: int,
    repeats: int,
    size_of: Callable[[], int],
    reset: Callable[[], None],
) -> None:
    """The figures of one database: empty, then at N/100, N/10 and N."""
    config = load_config(None)
    with running(folder / "empty", slack, url if backend != "sqlite" else None) as service:
        report.timed(backend, 0, "mail to card", mail_to_card(service, slack, max(5, repeats // 3)))
    reset()

    async def fill(to: int, filler: Filler | None) -> Filler:
        engine = await _fresh(url)
        if filler is None:
            filler = Filler(engine, config, now=utc(NOW))
        filler.engine = engine
        started = time.perf_counter()
        await filler.fill_to(to)
        report.add(backend, to, "fill seconds (this stage)", time.perf_counter() - started)
        await engine.dispose()
        return filler

    filler: Filler | None = None
    stages = sorted({max(len(config.funds) * CURRENT_ROUND_BIDS, total // 100), total // 10, total})
    for stage in stages:
        filler = asyncio.run(fill(stage, filler))
        report.add(backend, stage, "database bytes per bid", size_of() / stage)
        measure_stage(report, backend, stage, folder / f"n{stage}", slack, url, repeats)


PG_DATABASE = "bench_growth_24"


async def _admin(url: str, *statements: str) -> Any:
    """Run ``statements`` on the server's ``url`` database; the last one's value."""
    import asyncpg  # type: ignore[import-untyped]

    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    try:
        value = None
        for statement in statements:
            value = await connection.fetchval(statement)
        return value
    finally:
        await connection.close()


def _drop_and_create(url: str) -> None:
    """A fresh database of our own on the server (dropped again at the end)."""
    asyncio.run(
        _admin(
            url,
            f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
            f"CREATE DATABASE {PG_DATABASE}",
        )
    )


def _drop_database(url: str) -> None:
    asyncio.run(_admin(url, f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))


def _ours(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + PG_DATABASE


def postgres_size(url: str) -> int:
    return int(asyncio.run(_admin(_ours(url), "SELECT pg_database_size(current_database())")))


def postgres_reachable(url: str) -> bool:
    try:
        _drop_and_create(url)
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL
        print(f"PostgreSQL not measured: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 bids, 10 repeats")
    parser.add_argument("--repeat", type=int, default=30, help="calls per figure")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a database URL")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    total, repeats = (10_000, 10) if args.quick else (args.bids, args.repeat)
    report = Report()
    with (
        tempfile.TemporaryDirectory() as folder,
        SlackApiServer(check_blocks=False).in_thread() as slack,
    ):
        slack.add_channel(*CHANNEL)
        root = Path(folder)
        sqlite_file = root / "sqlite" / "var" / "intake.sqlite3"
        for sub in ("sqlite", "postgres"):
            (root / sub).mkdir()
        sqlite_url = f"sqlite+aiosqlite:///{sqlite_file}"

        def sqlite_size() -> int:
            return sum(p.stat().st_size for p in sqlite_file.parent.glob("intake.sqlite3*"))

        if not args.no_sqlite:
            run_backend(
                report,
                "sqlite",
                sqlite_url,
                root / "sqlite",
                slack,
                total,
                repeats,
                sqlite_size,
                lambda: None,
            )
        if not args.no_postgres and postgres_reachable(args.postgres):
            try:
                run_backend(
                    report,
                    "postgres",
                    _ours(args.postgres),
                    root / "postgres",
                    slack,
                    total,
                    repeats,
                    lambda: postgres_size(args.postgres),
                    lambda: _drop_and_create(args.postgres),
                )
            finally:
                _drop_database(args.postgres)
    if args.json:
        args.json.write_text(json.dumps(report.figures, indent=1))


if __name__ == "__main__":
    main()
