"""``intake serve``: the composition root that builds and runs every part.

The only module (with the CLI) that reads settings. Each part is started by a
function of its own here and its stop is registered at once on the service's
:class:`~contextlib.AsyncExitStack`, so the parts stop in the reverse order of
their start, whatever stops the service: SIGTERM, Ctrl-C, or a part that fails
to start. The SMTP receiver starts after the workers and so stops before them: no new
mail, then the journal's last entries are recorded, the scheduler stops, the
jobs in hand get a few seconds to finish, and the HTTP endpoint, Slack, the
parsing workers and the database close. Work accepted and not
yet done stays in the database and is picked up on the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import ssl
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from email.utils import parseaddr
from functools import partial
from pathlib import Path

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids.acknowledge import send_acknowledgement
from intake.bids.deadlines import claim_due, next_moment
from intake.bids.enquiries import answer_enquiry
from intake.bids.fund_notice import send_fund_notice
from intake.bids.letters import mail_letter, post_review
from intake.bids.receive import process_message
from intake.bids.replies import send_reply
from intake.bids.retention import daily_trigger, run_retention
from intake.bids.round_mail import claim_due as claim_round_mail
from intake.bids.round_mail import next_moment as next_round_mail
from intake.bids.round_mail import queue_round_mail
from intake.bids.sender_limit import read_within_limit
from intake.clock import Clock
from intake.config.load import load_config
from intake.config.model import Config
from intake.cpu_priority import step_back
from intake.errors import ConfigError
from intake.http import HttpLimits, SlackHandler, listen, make_app, runner_for
from intake.inbox.journal import Journal
from intake.inbox.protocol import ProtocolLimits, tls_context
from intake.inbox.receiver import Receiver, ReceiverPlan
from intake.inbox.spool import Spool
from intake.jobs.failures import FailureWatch, JobHealth
from intake.jobs.journal_recorder import JournalRecorder, journal_problems, record_journal
from intake.jobs.kinds import (
    AckJob,
    AlertJob,
    CapAlertJob,
    CardJob,
    EnquiryJob,
    FundNoticeJob,
    LetterJob,
    MessageJob,
    ReplyJob,
    RetentionJob,
    RoundMailJob,
    SenderAlertJob,
)
from intake.jobs.scheduler import Scheduler
from intake.jobs.waker import MESSAGES
from intake.jobs.worker import Handler, Workers, runs
from intake.private_files import keep_private
from intake.reading.pool import ParsePool
from intake.runtime import Runtime
from intake.settings import Settings
from intake.slack.alerts import send_alert, send_cap_alert
from intake.slack.app import build_app
from intake.slack.cards import post_card
from intake.slack.channels import channels_by_workspace, place
from intake.slack.endpoint import slack_events_handler
from intake.slack.enquiry_cards import post_enquiry_card
from intake.slack.install import InstallPages
from intake.slack.sender_alerts import send_sender_alert
from intake.slack.socket_mode import SocketMode
from intake.slack.tokens import Installations, SlackWorkspaces
from intake.slack.workspaces import bot_tokens, check_install_settings, workspaces
from intake.store.encryption import cipher_for
from intake.store.engine import hold_sqlite_database, make_engine, sqlite_file, write_commits
from intake.store.installations import InstallationStore
from intake.store.migrate import migrate
from notifier.mailer import Mailer, Outbox, RelayMailer
from notifier.pacing import ChannelPacer
from notifier.slack import SlackPoster

log = logging.getLogger("intake")

SERVICE_NICENESS = 5
"""How far the service process lowers its priority below its SMTP receiver's."""

STOP_GRACE = 10.0
"""Seconds the jobs in hand may take to finish when the service stops."""


def job_handlers(runtime: Runtime, *, sender_hourly_limit: int = 0) -> dict[str, Handler]:
    """What the workers run for each kind of job; a sender's mail past
    ``sender_hourly_limit`` an hour is held (0: no limit)."""
    read = partial(read_within_limit, runtime, limit=sender_hourly_limit, read=process_message)
    return {
        MessageJob.kind: runs(MessageJob, read),
        SenderAlertJob.kind: runs(SenderAlertJob, partial(send_sender_alert, runtime)),
        CardJob.kind: runs(CardJob, partial(post_card, runtime)),
        AckJob.kind: runs(AckJob, partial(send_acknowledgement, runtime)),
        AlertJob.kind: runs(AlertJob, partial(send_alert, runtime)),
        CapAlertJob.kind: runs(CapAlertJob, partial(send_cap_alert, runtime)),
        RetentionJob.kind: runs(RetentionJob, partial(run_retention, runtime)),
        FundNoticeJob.kind: runs(FundNoticeJob, partial(send_fund_notice, runtime)),
        EnquiryJob.kind: runs(EnquiryJob, partial(_enquiry, runtime)),
        ReplyJob.kind: runs(ReplyJob, partial(send_reply, runtime)),
        RoundMailJob.kind: runs(RoundMailJob, partial(_round_mail, runtime)),
        LetterJob.kind: runs(LetterJob, partial(mail_letter, runtime)),
    }


async def _round_mail(runtime: Runtime, job: RoundMailJob) -> None:
    """A round's letters go to Slack for review; its reminders and monitoring mail are queued."""
    if job.what == "review":
        await post_review(runtime, job)
    else:
        await queue_round_mail(runtime, job)


async def _enquiry(runtime: Runtime, job: EnquiryJob) -> None:
    """An enquiry's card goes to Slack, its answer to the mail: one kind, two parts."""
    if job.what == "card":
        await post_enquiry_card(runtime, job)
    else:
        await answer_enquiry(runtime, job)


async def serve(settings: Settings, *, ready: asyncio.Event | None = None) -> None:
    """Run the service until SIGTERM/SIGINT; ``ready`` is set once every part runs."""
    config = load_config(settings.config)
    # Before anything starts: an office's token named and not set, a workspace to
    # install without the app's credentials, or a certificate that cannot be
    # loaded is a configuration error.
    tokens = bot_tokens(config, settings.secret)
    check_install_settings(config, has_client=_has_install_client(settings))
    _tls(settings)
    async with AsyncExitStack() as stack:
        engine, spool, installations = await _start_storage(settings, stack)
        pool = await _start_pool(settings, stack)
        slack = _start_slack(settings, config, tokens, installations, stack)
        mailer = _start_mailer(settings, stack)
        runtime = Runtime(
            config=config,
            engine=engine,
            spool=spool,
            clock=Clock(settings.now),
            pool=pool,
            mailer=mailer,
            slack=slack,
            node=f"{socket.gethostname()}:{os.getpid()}",
            mail_domain=_reply_domain(config),
        )
        # Twice as many message workers as parsing processes: while one stores the
        # bid it has read, another's document is already being parsed.
        workers = Workers(
            runtime,
            job_handlers(runtime, sender_hourly_limit=settings.sender_hourly_limit),
            message_slots=2 * settings.workers,
            lease=settings.job_lease,
            failures=FailureWatch(
                JobHealth(
                    max_wait=settings.health_max_job_wait,
                    failures=settings.health_job_failures,
                    window=settings.health_failure_window,
                    attempts=settings.health_job_attempts,
                )
            ),
        )
        receiver = _receiver(settings, runtime)
        slack_app = _slack_app(settings, runtime)
        await _start_http(settings, runtime, slack_app, installations, receiver, workers, stack)
        await workers.start()
        stack.push_async_callback(partial(workers.stop, grace=STOP_GRACE))
        await _start_scheduler(runtime, stack)
        smtp_port = await _start_receiver(runtime, receiver, stack)
        # The receiver keeps the priority it started with; this process, which
        # stores bids and posts cards, steps back a little, so that under a burst
        # a sender's 250 does not wait for a CPU behind them (the parsing
        # workers, started above, have already stepped back as far, or further).
        step_back(SERVICE_NICENESS)
        # Slack down at start is a warning, not a stop: checked with mail flowing.
        await _start_slack_checks(settings, runtime, slack_app, stack)
        runtime.started = True
        _freeze_what_lasts()
        stop = _stop_on_signals(stack)
        log.info(
            "grant-intake ready: SMTP on %s:%s, HTTP on http://%s:%s/healthz, data in %s, %s, %s%s",
            settings.smtp_host,
            smtp_port,
            settings.http_host,
            settings.http_port,
            settings.data_dir,
            _slack_summary(slack),
            f"relay {settings.relay_host}:{settings.relay_port}"
            if settings.relay_host
            else f"acknowledgements written to {settings.data_dir / 'outbox'}",
            f", clock starts at {settings.now.isoformat()}" if settings.now else "",
        )
        if ready is not None:
            ready.set()
        await stop.wait()
        log.info("stopping: no new mail; finishing work in hand")
    log.info("stopped")


async def _start_storage(
    settings: Settings, stack: AsyncExitStack
) -> tuple[AsyncEngine, Spool, InstallationStore]:
    """The data folder, the database (migrated), the mail spool and the Slack installations."""
    # Owner-only before the first file is made (the receiver's process and the
    # parsing workers, started later, inherit the umask).
    database_file = sqlite_file(settings.resolved_database_url)
    keep_private(
        settings.data_dir,
        [database_file, Path(f"{database_file}.lock")] if database_file else [],
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = hold_sqlite_database(settings.resolved_database_url)
    if lock is not None:
        stack.callback(lock.close)
    spool = Spool(settings.data_dir / "spool")
    spool.discard_temporaries()
    secret_key = settings.secret_key.get_secret_value() if settings.secret_key else None
    cipher = cipher_for(secret_key, settings.data_dir)  # a bad key stops the start here
    engine = make_engine(settings.resolved_database_url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)
    installations = InstallationStore(engine, cipher)
    await installations.encrypt_stored()  # tokens kept plain, or under a retired key
    return engine, spool, installations


async def _start_pool(settings: Settings, stack: AsyncExitStack) -> ParsePool:
    """The parsing worker processes, started now rather than under the first mail."""
    pool = ParsePool(
        workers=settings.workers,
        timeout=settings.parse_timeout,
        memory_mb=settings.parse_memory_mb,
        # Forked before this process steps back (see serve), so they step back
        # by both amounts to end up INTAKE_PARSE_NICENESS below the service
        # (by default beside it, behind the receiver).
        niceness=SERVICE_NICENESS + settings.parse_niceness,
        # Workers are forked with the readers and tesseract's library already loaded:
        # a new worker's first scan took 0.25 s longer without, its first Word
        # form 55 ms (python-docx is imported when the first one comes).
        preload=(
            "intake.reading.extract",
            "html_text",  # imported where a mail's HTML is read, not by the module
            "parsers.docx",
            "parsers.pdf",
            "parsers.pdf.ocr",
            "tesserocr",
        ),
    )
    stack.callback(pool.close)
    await pool.start()  # in a thread: not on the loop under the first mail
    return pool


def _has_install_client(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def _start_slack(
    settings: Settings,
    config: Config,
    tokens: dict[str, str],
    installations: InstallationStore,
    stack: AsyncExitStack,
) -> SlackWorkspaces:
    """Each workspace's poster, from its configured token or the app's installation."""

    def poster(token: str) -> SlackPoster:
        return SlackPoster(
            token=token,
            api_url=settings.slack_api_url,
            pacer=ChannelPacer(settings.slack_post_interval),
        )

    slack = SlackWorkspaces(
        config,
        {env: poster(token) for env, token in tokens.items()},
        installations=Installations(token=installations.bot_token, make_poster=poster)
        if _has_install_client(settings)
        else None,
    )
    stack.push_async_callback(slack.close)
    return slack


def _start_mailer(settings: Settings, stack: AsyncExitStack) -> Mailer:
    """The relay for acknowledgements, or the outbox folder without one."""
    mailer: Mailer = (
        RelayMailer(settings.relay_host, settings.relay_port)
        if settings.relay_host
        else Outbox(settings.data_dir / "outbox")
    )
    stack.push_async_callback(mailer.close)
    return mailer


async def _start_scheduler(runtime: Runtime, stack: AsyncExitStack) -> Scheduler:
    retention = daily_trigger(runtime.engine, runtime.clock)

    async def due() -> list[str]:
        claimed = await claim_due(runtime)
        if await retention():  # the day's retention run, queued once a day
            claimed.append("retention")
        return claimed

    scheduler = Scheduler(
        claim=due,
        next_moment=partial(next_moment, runtime.config),
        clock=runtime.clock,
        waker=runtime.waker,
        name=runtime.node,
    )
    scheduler.start()
    stack.push_async_callback(scheduler.stop)
    # Reminders and monitoring mail to applicants: the same loop over their own calendar.
    round_mail = Scheduler(
        claim=partial(claim_round_mail, runtime),
        next_moment=partial(next_round_mail, runtime.config),
        clock=runtime.clock,
        waker=runtime.waker,
        name=f"{runtime.node}/round-mail",
    )
    round_mail.start()
    stack.push_async_callback(round_mail.stop)
    return scheduler


def _slack_app(settings: Settings, runtime: Runtime) -> AsyncApp | None:
    """The Bolt app officers use, when a workspace is configured."""
    if not runtime.slack.configured:
        return None
    return build_app(
        runtime,
        client=AsyncWebClient(base_url=settings.slack_api_url),
        signing_secret=settings.slack_signing_secret,
    )


def _receiver(settings: Settings, runtime: Runtime) -> Receiver:
    """The SMTP receiver's process, planned (started last, by :func:`_start_receiver`)."""
    sqlite = runtime.engine.dialect.name == "sqlite"
    return Receiver(
        ReceiverPlan(
            config=runtime.config,
            spool=runtime.spool.root,
            clock=runtime.clock,
            limits=ProtocolLimits(
                command_timeout=settings.smtp_command_timeout,
                data_timeout=settings.smtp_data_timeout,
                min_data_rate=settings.smtp_min_data_rate,
                rate_window=settings.smtp_rate_window,
                per_client=settings.smtp_max_connections_per_client,
                total=settings.smtp_max_connections,
                size_limit=settings.max_message_bytes,
                busy_timeout=settings.smtp_busy_timeout,
                junk_limit=settings.smtp_junk_command_limit,
                connections_per_minute=settings.smtp_connection_rate,
                commands_per_second=settings.smtp_command_rate,
                refusals_logged=settings.smtp_refusals_logged,
            ),
            host=settings.smtp_host,
            port=settings.smtp_port,
            max_recipients=settings.max_recipients,
            node=runtime.node,
            journal=settings.data_dir / "journal" if sqlite else None,
            database_file=sqlite_file(settings.resolved_database_url),
            database_url=settings.resolved_database_url,
            tls_cert=str(settings.tls_cert) if settings.tls_cert else None,
            tls_key=str(settings.tls_key) if settings.tls_key else None,
            log_level=settings.log_level,
        )
    )


async def _start_http(
    settings: Settings,
    runtime: Runtime,
    slack_app: AsyncApp | None,
    installations: InstallationStore,
    receiver: Receiver,
    workers: Workers,
    stack: AsyncExitStack,
) -> None:
    """``/healthz``, ``/metrics``, Slack's request URL and the install pages."""
    slack_events: SlackHandler | None = None
    if slack_app is not None:
        slack_events = slack_events_handler(slack_app, settings.slack_signing_secret)
        if not settings.slack_app_token and not settings.slack_signing_secret:
            log.warning(
                "SLACK_SIGNING_SECRET is not set: Slack's requests to /slack/events cannot be "
                "verified and are refused, so the buttons and /intake will not work"
            )
    limits = HttpLimits(
        header_timeout=settings.http_header_timeout,
        request_timeout=settings.http_request_timeout,
        max_connections=settings.http_max_connections,
    )
    pages: list[web.RouteDef] = []
    if settings.slack_client_id and settings.slack_client_secret:
        pages = InstallPages(
            runtime,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            client=AsyncWebClient(base_url=settings.slack_api_url),
            installations=installations,
        ).routes()
    app = make_app(
        runtime,
        counters=lambda: {
            "messages_accepted_total": receiver.accepted,
            "smtp_connections_open": receiver.connections_open,
            "jobs_handled_total": workers.handled,
            **_database_counters(runtime.engine),
        },
        more_metrics=receiver.metrics,
        slack_events=slack_events,
        routes=pages,
        checks=_journal_checks(settings, receiver),
        limits=limits,
        metrics_token=settings.metrics_token.get_secret_value() if settings.metrics_token else None,
        failures=workers.failures,
    )
    runner = runner_for(app, limits)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    server = await listen(runner, settings.http_host, settings.http_port, limits)
    stack.callback(server.close)  # before the runner's cleanup closes the connections


def _database_counters(engine: AsyncEngine) -> dict[str, int]:
    """The database's counters where it keeps them (SQLite): its committed writes."""
    commits = write_commits(engine)
    return {} if commits is None else {"database_write_commits_total": commits}


async def _start_slack_checks(
    settings: Settings, runtime: Runtime, slack_app: AsyncApp | None, stack: AsyncExitStack
) -> None:
    """Check every workspace's token and channels; connect Socket Mode when asked."""
    if slack_app is None:
        return
    await _check_workspaces(runtime)
    if not settings.slack_app_token:
        return
    socket_mode = SocketMode(slack_app, settings.slack_app_token)
    stack.push_async_callback(_quietly, socket_mode.close)
    try:
        await socket_mode.connect()
    except Exception as exc:  # noqa: BLE001 - the rest of the service still works
        runtime.slack_warnings["socket mode"] = f"Socket Mode could not connect: {exc}"
        log.warning("Slack: Socket Mode could not connect (%s)", exc)


def _journal_checks(settings: Settings, receiver: Receiver) -> Callable[[], list[str]]:
    """``/healthz``'s look at the accept journal (SQLite): mail set aside or waiting."""
    if receiver.plan.journal is None:
        return list
    journal = Journal(receiver.plan.journal)
    return partial(journal_problems, journal, max_wait=settings.health_max_wait)


async def _start_receiver(runtime: Runtime, receiver: Receiver, stack: AsyncExitStack) -> int:
    """Record mail accepted before a crash, then take mail; returns the SMTP port.

    On SQLite the receiver records accepted mail in a journal that this
    process moves into the database (stopped after the receiver, so what it
    accepted last goes in); on PostgreSQL it commits each message itself.
    """
    recorder: JournalRecorder | None = None
    if receiver.plan.journal is not None:
        journal = Journal(receiver.plan.journal)
        journal.discard_temporaries()
        recorded = await record_journal(journal, runtime.engine, runtime.spool)
        if recorded:  # mail accepted before a crash: the workers already wait
            runtime.waker.notify(MESSAGES, recorded)
        recorder = JournalRecorder(journal, runtime.engine, runtime.spool, runtime.waker)
        stack.push_async_callback(recorder.stop)

    def accepted() -> None:
        if recorder is not None:
            recorder.wake()
        else:
            runtime.waker.notify(MESSAGES)

    port = await receiver.start(on_accept=accepted)
    stack.push_async_callback(receiver.stop)
    return port


def _freeze_what_lasts() -> None:
    """Keep the objects made at start (modules, configuration, the schema, the Slack
    app: about 150,000) out of the garbage collector's full passes.

    They live as long as the process, yet every full collection walked them all: in a
    400-mail burst, 21 full passes of 80 ms each (1.7 s of CPU); frozen, 10 ms each.
    """
    gc.collect()
    gc.freeze()


def _stop_on_signals(stack: AsyncExitStack) -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, for as long as the service runs."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
        stack.callback(loop.remove_signal_handler, signum)
    return stop


async def _quietly(close: Callable[[], Awaitable[None]]) -> None:
    with contextlib.suppress(Exception):
        await close()


def _reply_domain(config: Config) -> str:
    """The domain of our Message-IDs: the first office's reply address's."""
    return parseaddr(config.offices[0].reply_from)[1].rsplit("@", 1)[-1] or "localhost"


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
