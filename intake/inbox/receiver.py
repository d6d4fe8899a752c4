"""The SMTP receiver in a process of its own, so that parsing never delays a ``250``.

Under a deadline-day burst the service's own process is busy storing bids,
posting cards and sending acknowledgements; an SMTP session sharing its event
loop waited behind that work (accept p99 ~400 ms). Here the receiver has an
event loop, and a CPU share from the operating system, to itself: it reads
DATA into the spool, records each message (:mod:`intake.inbox.journal` on SQLite,
a committed row on PostgreSQL) and answers, and tells the service through a
pipe that there is new mail.

The process is started by the fork-free ``spawn`` method (the service has
threads by then) and dies with the service, even one killed with ``kill -9``
(``PR_SET_PDEATHSIG``), so a restart always finds the SMTP port free.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from intake.clock import Clock
from intake.config.model import Config
from intake.errors import ConfigError
from intake.inbox.group_commit import DatabaseRecorder, GroupCommit
from intake.inbox.handler import IntakeHandler, Recorder
from intake.inbox.journal import Journal, JournalWriter
from intake.inbox.latency import ACCEPT_BUCKETS, Histogram, LoopLag
from intake.inbox.protocol import ProtocolLimits, protocol_factory, tls_context
from intake.inbox.spool import Spool
from intake.logs import configure_logging

log = logging.getLogger("intake.inbox.handler")

START_SECONDS = 60.0
"""How long the receiver may take to start (a fresh interpreter importing its modules)."""


@dataclass(frozen=True, slots=True)
class ReceiverPlan:
    """Everything the receiver process needs, built by the composition root."""

    config: Config
    spool: Path
    clock: Clock
    limits: ProtocolLimits
    host: str
    port: int
    max_recipients: int
    node: str
    database_url: str
    journal: Path | None = None
    """SQLite: where accepted messages wait for their database row (the receiver
    does not touch the database). PostgreSQL (None): the receiver commits each
    message, and its content for other nodes, itself."""
    database_file: Path | None = None
    """SQLite: the database file, which the receiver only reads (is a copy of a
    message already stored?), with the standard library's sqlite3."""
    tls_cert: str | None = None
    tls_key: str | None = None
    log_level: str = "INFO"


@dataclass(frozen=True)
class _Gauges:
    """What the receiver process counts and times, in memory the service reads."""

    accepted: Any
    """Messages accepted since the start."""
    connections: Any
    """SMTP sessions open now."""
    refusals: Any
    """4xx/5xx replies sent since the start."""
    idle_dropped: Any
    """Idle sessions dropped for newcomers since the start."""
    accept_times: Histogram
    """Final dot to ``250``, as the receiver saw it."""
    loop_lag: LoopLag
    """How late the receiver's event loop ran its timers."""


class Receiver:
    """The service's handle on its receiver process."""

    def __init__(self, plan: ReceiverPlan) -> None:
        self.plan = plan
        context = multiprocessing.get_context("spawn")
        self._events, child_end = context.Pipe(duplex=False)
        self.gauges = _Gauges(
            accepted=context.Value("q", 0, lock=False),
            connections=context.Value("q", 0, lock=False),
            refusals=context.Value("q", 0, lock=False),
            idle_dropped=context.Value("q", 0, lock=False),
            accept_times=Histogram(ACCEPT_BUCKETS, context),
            loop_lag=LoopLag(context),
        )
        self._process = context.Process(
            target=_main,
            args=(plan, child_end, self.gauges, os.getpid()),
            name="intake-smtp",
            daemon=True,
        )
        self._child_end = child_end
        self.port: int | None = None

    @property
    def accepted(self) -> int:
        """Messages accepted since the start (for ``/metrics``)."""
        return int(self.gauges.accepted.value)

    @property
    def connections_open(self) -> int:
        return int(self.gauges.connections.value)

    def metrics(self) -> list[str]:
        """The receiver's timings, in Prometheus's text format, for ``/metrics``."""
        return [
            *self.gauges.accept_times.exposition(
                "intake_smtp_accept_seconds", "From a message's final dot to our 250."
            ),
            "# HELP intake_smtp_loop_lag_max_seconds The SMTP receiver's worst event-loop lag "
            "while clients were connected.",
            "# TYPE intake_smtp_loop_lag_max_seconds gauge",
            f"intake_smtp_loop_lag_max_seconds {self.gauges.loop_lag.max_seconds:.6f}",
            "# HELP intake_smtp_loop_stalls_total Times its event loop was over 50 ms late.",
            "# TYPE intake_smtp_loop_stalls_total counter",
            f"intake_smtp_loop_stalls_total {self.gauges.loop_lag.stalls}",
            "# HELP intake_smtp_refusals_total SMTP replies of 4xx or 5xx (each also logged).",
            "# TYPE intake_smtp_refusals_total counter",
            f"intake_smtp_refusals_total {self.gauges.refusals.value}",
            "# HELP intake_smtp_idle_dropped_total Idle SMTP sessions dropped for newcomers.",
            "# TYPE intake_smtp_idle_dropped_total counter",
            f"intake_smtp_idle_dropped_total {self.gauges.idle_dropped.value}",
        ]

    async def start(self, on_accept: Callable[[], None]) -> int:
        """Start the process; the port it listens on once it does.

        ``on_accept`` runs in the service's loop after messages were accepted.
        Raises :class:`ConfigError` when the address cannot be listened on.
        """
        self._process.start()
        self._child_end.close()
        ready = await asyncio.to_thread(self._events.poll, START_SECONDS)
        message = self._events.recv() if ready else ("error", "it did not start in time")
        if message[0] != "ready":
            await self.stop()
            raise ConfigError(
                f"INTAKE_SMTP_HOST/INTAKE_SMTP_PORT: cannot receive mail on "
                f"{self.plan.host}:{self.plan.port} ({message[1]})"
            )
        self.port = int(message[1])

        def drain() -> None:
            try:
                while self._events.poll():
                    self._events.recv_bytes()
            except (EOFError, OSError):
                asyncio.get_running_loop().remove_reader(self._events.fileno())
                log.error("the SMTP receiver stopped")
                return
            on_accept()

        asyncio.get_running_loop().add_reader(self._events.fileno(), drain)
        return self.port

    async def stop(self, grace: float = 15.0) -> None:
        """Stop taking mail: the receiver finishes the sessions in hand, then exits."""
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self._events.fileno())
        if self._process.is_alive():
            self._process.terminate()  # SIGTERM: a clean stop
            await asyncio.to_thread(self._process.join, grace)
        if self._process.is_alive():
            self._process.kill()
            await asyncio.to_thread(self._process.join, 5)
        self._events.close()


# --- in the receiver process ---------------------------------------------------------


def _main(
    plan: ReceiverPlan,
    events: Connection,
    gauges: _Gauges,
    parent: int,
) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the service stops us in order
    configure_logging(plan.log_level)
    asyncio.run(_serve(plan, events, gauges))


def _die_with(parent: int) -> None:
    """Be killed when the service dies, however it dies (Linux); elsewhere, notice it."""
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(libc_name, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


async def _serve(
    plan: ReceiverPlan,
    events: Connection,
    gauges: _Gauges,
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    spool = Spool(plan.spool)
    recorder: Recorder
    engine: Any = None
    if plan.journal is None:
        # Only here: on SQLite this process never imports SQLAlchemy (30 MB).
        from intake.store.engine import make_engine
        from intake.store.messages import accept_messages

        engine = make_engine(plan.database_url)
        group = GroupCommit(lambda batch: accept_messages(engine, batch))
        recorder = DatabaseRecorder(group, loop)
    else:
        recorder = JournalWriter(Journal(plan.journal), plan.database_file)

    def notify() -> None:
        gauges.accepted.value += 1
        with contextlib.suppress(OSError):
            events.send_bytes(b"1")

    handler = IntakeHandler(
        config=plan.config,
        spool=spool,
        recorder=recorder,
        clock=plan.clock,
        max_recipients=plan.max_recipients,
        node=plan.node,
        on_accept=notify,
    )
    try:
        tls = tls_context(plan.tls_cert, plan.tls_key) if plan.tls_cert and plan.tls_key else None
        factory, limiter = protocol_factory(
            handler,
            limits=plan.limits,
            hostname=socket.getfqdn(),
            tls=tls,
            observe_accept=gauges.accept_times.observe,
        )
        server = await loop.create_server(factory, host=plan.host, port=plan.port)
    except Exception as exc:  # noqa: BLE001 - the service reports it and stops
        events.send(("error", str(exc)))
        return
    events.send(("ready", server.sockets[0].getsockname()[1]))

    async def count() -> None:
        while True:
            gauges.connections.value = limiter.open
            gauges.refusals.value = limiter.refusals
            gauges.idle_dropped.value = limiter.evicted
            await asyncio.sleep(0.5)

    counting = asyncio.create_task(count())
    watching = asyncio.create_task(gauges.loop_lag.watch(busy=lambda: limiter.open > 0))
    await stop.wait()
    watching.cancel()
    server.close()
    # Messages whose data has arrived are made durable and answered; a session
    # still sending is cut, and its sender, without a 250, will send again.
    deadline = loop.time() + 10
    while handler.storing and loop.time() < deadline:
        await asyncio.sleep(0.05)
    counting.cancel()
    limiter.refusal_log.flush(everything=True)  # the floods of the minute under way
    await asyncio.to_thread(handler.close)
    if engine is not None:
        await engine.dispose()
