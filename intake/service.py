"""``intake serve``: the composition root that builds and runs every part.

The only module (with the CLI) that reads settings. It starts the SMTP
receiver on the service's own event loop, the HTTP endpoint (with the Slack
app's request URL), Socket Mode when configured, the parsing pool, the workers
and the deadline scheduler; SIGTERM or Ctrl-C stops them in order: stop
accepting mail, let sessions and jobs finish briefly, then close. Work accepted and not
yet done stays in the database and is picked up on the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import ssl
from email.utils import parseaddr
from functools import partial

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids.deadlines import send_alert
from intake.bids.effects import post_card, send_acknowledgement
from intake.bids.receive import process_message
from intake.clock import Clock
from intake.config.load import load_config
from intake.errors import ConfigError
from intake.http import SlackHandler, make_app
from intake.inbox.journal import Journal
from intake.inbox.protocol import ProtocolLimits, tls_context
from intake.inbox.receiver import Receiver, ReceiverPlan
from intake.inbox.spool import Spool
from intake.jobs.journal_recorder import JournalRecorder, record_journal
from intake.jobs.kinds import AckJob, AlertJob, CardJob, MessageJob
from intake.jobs.scheduler import Scheduler
from intake.jobs.waker import MESSAGES
from intake.jobs.worker import Handler, Workers, runs
from intake.reading.pool import ParsePool
from intake.runtime import Runtime
from intake.settings import Settings
from intake.slack.app import build_app
from intake.slack.channels import channels_by_workspace, place
from intake.slack.endpoint import slack_events_handler
from intake.slack.install import InstallPages
from intake.slack.socket_mode import SocketMode
from intake.slack.tokens import Installations, SlackWorkspaces
from intake.slack.workspaces import bot_tokens, check_install_settings, workspaces
from intake.store import installations
from intake.store.engine import hold_sqlite_database, make_engine
from intake.store.migrate import migrate
from notifier.mailer import Mailer, Outbox, RelayMailer
from notifier.pacing import ChannelPacer
from notifier.slack import SlackPoster

log = logging.getLogger("intake")

SERVICE_NICENESS = 5
"""How far the service process lowers its priority below its SMTP receiver's."""

JOB_HANDLERS: dict[str, Handler] = {
    MessageJob.kind: runs(MessageJob, process_message),
    CardJob.kind: runs(CardJob, post_card),
    AckJob.kind: runs(AckJob, send_acknowledgement),
    AlertJob.kind: runs(AlertJob, send_alert),
}
"""What the workers run for each kind of job."""


async def serve(settings: Settings, *, ready: asyncio.Event | None = None) -> None:
    """Run the service until SIGTERM/SIGINT."""
    config = load_config(settings.config)
    # Before anything starts: an office's token named and not set is a configuration error.
    tokens = bot_tokens(config, settings.secret)
    has_client = bool(settings.slack_client_id and settings.slack_client_secret)
    check_install_settings(config, has_client=has_client)
    clock = Clock(settings.now)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    database_lock = hold_sqlite_database(settings.resolved_database_url)  # noqa: F841 - held
    spool = Spool(data_dir / "spool")
    spool.discard_temporaries()
    engine = make_engine(settings.resolved_database_url)
    await migrate(engine)
    mailer: Mailer = (
        RelayMailer(settings.relay_host, settings.relay_port)
        if settings.relay_host
        else Outbox(data_dir / "outbox")
    )

    def poster(token: str) -> SlackPoster:
        return SlackPoster(
            token=token,
            api_url=settings.slack_api_url,
            pacer=ChannelPacer(settings.slack_post_interval),
        )

    slack = SlackWorkspaces(
        config,
        {env: poster(token) for env, token in tokens.items()},
        installations=Installations(
            token=partial(installations.bot_token, engine), make_poster=poster
        )
        if has_client
        else None,
    )
    pool = ParsePool(
        workers=settings.workers,
        timeout=settings.parse_timeout,
        memory_mb=settings.parse_memory_mb,
        # Workers are forked with the readers and tesseract's library already loaded:
        # a new worker's first scan took 0.25 s longer without, its first Word
        # form 55 ms (python-docx is imported when the first one comes).
        preload=(
            "intake.reading.extract",
            "parsers.docx",
            "parsers.pdf",
            "parsers.pdf.ocr",
            "tesserocr",
        ),
    )
    reply_domain = parseaddr(config.offices[0].reply_from)[1].rsplit("@", 1)[-1]
    runtime = Runtime(
        config=config,
        engine=engine,
        spool=spool,
        clock=clock,
        pool=pool,
        mailer=mailer,
        slack=slack,
        node=f"{socket.gethostname()}:{os.getpid()}",
        mail_domain=reply_domain or "localhost",
    )

    # The receiver runs in a process of its own (see intake.inbox.receiver). On SQLite
    # it records accepted mail in a journal that this process moves into the
    # database; on PostgreSQL it commits each message itself.
    _tls(settings)  # a certificate that cannot be loaded stops the start, with its reason
    sqlite = engine.dialect.name == "sqlite"
    journal = Journal(data_dir / "journal") if sqlite else None
    if journal is not None:
        journal.discard_temporaries()
        await record_journal(journal, engine, spool)  # mail accepted before a crash
    receiver = Receiver(
        ReceiverPlan(
            config=config,
            spool=spool.root,
            clock=clock,
            limits=ProtocolLimits(
                command_timeout=settings.smtp_command_timeout,
                data_timeout=settings.smtp_data_timeout,
                min_data_rate=settings.smtp_min_data_rate,
                rate_window=settings.smtp_rate_window,
                per_client=settings.smtp_max_connections_per_client,
                total=settings.smtp_max_connections,
                size_limit=settings.max_message_bytes,
            ),
            host=settings.smtp_host,
            port=settings.smtp_port,
            max_recipients=settings.max_recipients,
            node=runtime.node,
            journal=journal.folder if journal is not None else None,
            database_url=settings.resolved_database_url,
            tls_cert=str(settings.tls_cert) if settings.tls_cert else None,
            tls_key=str(settings.tls_key) if settings.tls_key else None,
            log_level=settings.log_level,
        )
    )
    recorder = JournalRecorder(journal, engine, spool, runtime.waker) if journal else None

    def accepted() -> None:
        if recorder is not None:
            recorder.wake()
        else:
            runtime.waker.notify(MESSAGES)

    try:
        smtp_port = await receiver.start(on_accept=accepted)
    except ConfigError:
        pool.close()
        await engine.dispose()
        raise
    # The receiver keeps the priority it started with; this process, which stores
    # bids and posts cards, steps back a little, so that under a burst a sender's
    # 250 does not wait for a CPU behind them (the parsers step back further).
    os.nice(SERVICE_NICENESS)

    await pool.start()  # in a thread: not on the loop under the first mail
    # Twice as many message workers as parsing processes: while one stores the
    # bid it has read, another's document is already being parsed.
    workers = Workers(
        runtime, JOB_HANDLERS, message_slots=2 * settings.workers, lease=settings.job_lease
    )
    scheduler = Scheduler(runtime)
    slack_events: SlackHandler | None = None
    socket_mode: SocketMode | None = None
    pages: list[web.RouteDef] = []
    if has_client:
        assert settings.slack_client_id and settings.slack_client_secret
        pages = InstallPages(
            runtime,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=AsyncWebClient(base_url=settings.slack_api_url),
        ).routes()
    if slack.configured:
        slack_app = build_app(
            runtime,
            client=AsyncWebClient(base_url=settings.slack_api_url),
            signing_secret=settings.slack_signing_secret,
        )
        slack_events = slack_events_handler(slack_app, settings.slack_signing_secret)
        if settings.slack_app_token:
            socket_mode = SocketMode(slack_app, settings.slack_app_token)
        elif not settings.slack_signing_secret:
            log.warning(
                "SLACK_SIGNING_SECRET is not set: Slack's requests to /slack/events cannot be "
                "verified and are refused, so the buttons and /intake will not work"
            )
    app = make_app(
        runtime,
        counters=lambda: {
            "messages_accepted_total": receiver.accepted,
            "smtp_connections_open": receiver.connections_open,
            "jobs_handled_total": workers.handled,
        },
        more_metrics=receiver.metrics,
        slack_events=slack_events,
        routes=pages,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    await workers.start()
    scheduler.start()
    if slack.configured:
        await _check_workspaces(runtime)
    if socket_mode is not None:
        try:
            await socket_mode.connect()
        except Exception as exc:  # noqa: BLE001 - the rest of the service still works
            runtime.slack_warnings["socket mode"] = f"Socket Mode could not connect: {exc}"
            log.warning("Slack: Socket Mode could not connect (%s)", exc)
    runtime.started = True

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info(
        "grant-intake ready: SMTP on %s:%s, HTTP on http://%s:%s/healthz, data in %s, %s, %s%s",
        settings.smtp_host,
        smtp_port,
        settings.http_host,
        settings.http_port,
        data_dir,
        _slack_summary(slack),
        f"relay {settings.relay_host}:{settings.relay_port}"
        if settings.relay_host
        else f"acknowledgements written to {data_dir / 'outbox'}",
        f", clock starts at {settings.now.isoformat()}" if settings.now else "",
    )
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        log.info("stopping: no new mail; finishing work in hand")
        await receiver.stop()
        if recorder is not None:
            await recorder.stop()  # what the receiver accepted last goes in now
        if socket_mode is not None:
            with contextlib.suppress(Exception):
                await socket_mode.close()
        await scheduler.stop()
        await workers.stop(grace=10)
        await runner.cleanup()
        await mailer.close()
        await slack.close()
        pool.close()
        await engine.dispose()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log.info("stopped")


def _tls(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls_cert is None and settings.tls_key is None:
        return None
    if settings.tls_cert is None or settings.tls_key is None:
        raise ConfigError("INTAKE_TLS_CERT and INTAKE_TLS_KEY: give both, or neither")
    try:
        return tls_context(str(settings.tls_cert), str(settings.tls_key))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"INTAKE_TLS_CERT / INTAKE_TLS_KEY: cannot be loaded ({exc})") from exc


def _slack_summary(slack: SlackWorkspaces) -> str:
    if not slack.configured:
        return "cards printed here (no SLACK_BOT_TOKEN)"
    labels = [w.label for w, _ in slack.posters()]
    labels += [f"{w.label} by installation" for w in workspaces(slack.config) if w.installed]
    return "Slack configured (" + ", ".join(labels) + ")"


async def _check_workspaces(runtime: Runtime) -> None:
    """Say, in the log and on /healthz, which tokens and channels cannot be used.

    Each workspace's token must be the configured workspace's (else it is
    withheld); then each of its channels must take the bot's posts.
    """
    by_workspace = dict(channels_by_workspace(runtime.config))
    for workspace, poster in runtime.slack.posters():
        try:
            wrong = await runtime.slack.check_token(workspace)
        except Exception as exc:  # noqa: BLE001 - Slack down at start is a warning, not a stop
            wrong = None
            runtime.log.warning("Slack: cannot check the token of %s: %s", workspace.label, exc)
        if wrong:
            runtime.slack_warnings[f"token {workspace.key}"] = wrong
            log.error("Slack: %s", wrong)
            continue
        for channel in by_workspace.get(workspace, []):
            where = place(workspace, channel)
            try:
                warning = await poster.check_channel(channel)
            except Exception as exc:  # noqa: BLE001 - Slack down at start is a warning
                warning = f"cannot check {where}: {exc}"
            if warning:
                runtime.slack_warnings[where] = warning
                log.warning("Slack: %s", warning)
