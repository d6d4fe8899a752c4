"""The service's HTTP endpoint: health, metrics and Slack's requests.

The endpoint faces the internet (Slack's requests come to it), so a client
gets bounded time and room: its request's headers within
:attr:`HttpLimits.header_timeout` (aiohttp's keep-alive timer also runs while
a connection has not yet sent a whole request), the whole request within
:attr:`HttpLimits.request_timeout`, and at most
:attr:`HttpLimits.max_connections` connections are open at once. ``/metrics``
and the detail of ``/healthz`` (backlogs, Slack workspaces) are for the
operator: a bearer token, or without one loopback only.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.clock import Clock
from intake.jobs.failures import FailureWatch, JobHealth, overdue, overdue_problems
from intake.jobs.kinds import KINDS
from intake.slack.tokens import SlackWorkspaces
from intake.store import queue
from intake.store.engine import ping

KIND_NAMES = tuple(k.kind for k in KINDS)
"""Every kind of job: backlogs are counted kind by kind, through an index."""

SlackHandler = Callable[[web.Request], Awaitable[web.Response]]

BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nbusy\n"
)


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """How long and how many: what one slow or greedy client may take of the endpoint."""

    header_timeout: float = 15.0
    """Seconds to send a request's headers, from the connection's start or the last answer."""
    request_timeout: float = 30.0
    """Seconds a request may take once its headers are in, reading its body included."""
    max_connections: int = 100
    """Connections open at once; one more is answered 503 and closed."""


class HealthContext(Protocol):
    """What ``/healthz`` and ``/metrics`` read of the service."""

    engine: AsyncEngine
    clock: Clock
    slack: SlackWorkspaces
    slack_warnings: dict[str, str]
    started: bool


def make_app(
    runtime: HealthContext,
    *,
    counters: Callable[[], dict[str, int]],
    more_metrics: Callable[[], list[str]] | None = None,
    slack_events: SlackHandler | None = None,
    routes: Sequence[web.RouteDef] = (),
    checks: Callable[[], list[str]] = list,
    limits: HttpLimits = HttpLimits(),
    metrics_token: str | None = None,
    failures: FailureWatch | None = None,
) -> web.Application:
    """The aiohttp application; ``counters`` reports live totals for ``/metrics``,
    ``more_metrics`` more lines of it in Prometheus's text format.

    ``slack_events`` handles Slack's requests at ``/slack/events`` (without it,
    that path says Slack is not configured); ``routes`` are more pages (the
    app's install flow). ``checks`` names more problems for ``/healthz`` (mail set
    aside, mail waiting too long), each a sentence for the operator. ``failures``
    is the workers' record of failed runs and holds the bounds on jobs
    (:class:`~intake.jobs.failures.JobHealth`): the oldest due job of a kind
    waiting too long, or jobs failing again and again, make ``/healthz`` degraded.

    ``metrics_token``, when given, is asked for (``Authorization: Bearer …``)
    by ``/metrics`` and by ``/healthz`` for more than its status; without it
    they answer so only to a client on loopback.
    """
    watch = failures or FailureWatch(JobHealth())
    app = web.Application(
        client_max_size=1024 * 1024, middlewares=[_time_limit(limits.request_timeout)]
    )

    async def healthz(request: web.Request) -> web.Response:
        report = await health(runtime, checks, watch)
        code = 200 if report["status"] == "ok" else 503
        if not operator(request, metrics_token):
            # Its status alone: backlogs and workspace ids are the operator's.
            return web.json_response({"status": report["status"]}, status=code)
        return web.json_response(report, status=code)

    async def metrics(request: web.Request) -> web.Response:
        if not operator(request, metrics_token):
            if metrics_token is None:
                raise web.HTTPForbidden(
                    text="/metrics answers on loopback only; set INTAKE_METRICS_TOKEN\n"
                )
            raise web.HTTPUnauthorized(
                text="/metrics needs the token\n", headers={"WWW-Authenticate": "Bearer"}
            )
        lines = []
        for name, value in counters().items():
            kind = "counter" if name.endswith("_total") else "gauge"
            lines += [f"# TYPE intake_{name} {kind}", f"intake_{name} {value}"]
        if more_metrics is not None:
            lines += more_metrics()
        backlog = await queue.backlog(runtime.engine, KIND_NAMES)
        lines.append("# TYPE intake_jobs_backlog gauge")
        for kind in KIND_NAMES:
            lines.append(f'intake_jobs_backlog{{kind="{kind}"}} {backlog.get(kind, 0)}')
        oldest = await queue.oldest_due(runtime.engine, KIND_NAMES)
        now = queue.real_now()
        lines.append("# TYPE intake_jobs_oldest_due_seconds gauge")
        for kind in KIND_NAMES:
            wait = max(0.0, (now - oldest[kind]).total_seconds()) if kind in oldest else 0.0
            lines.append(f'intake_jobs_oldest_due_seconds{{kind="{kind}"}} {wait:.1f}')
        lines += [
            "# TYPE intake_jobs_failed gauge",
            f"intake_jobs_failed {await queue.failed_count(runtime.engine)}",
            "# TYPE intake_jobs_held gauge",
            f"intake_jobs_held {await queue.held_count(runtime.engine)}",
            "# TYPE intake_job_failures_total counter",
            f"intake_job_failures_total {watch.total}",
            "# TYPE intake_job_failures_recent gauge",
            f"intake_job_failures_recent {watch.recent()}",
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    async def slack_not_configured(_request: web.Request) -> web.Response:
        return web.json_response({"error": "Slack is not configured on this service"}, status=404)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/slack/events", slack_events or slack_not_configured)
    app.router.add_routes(routes)
    return app


def operator(request: web.Request, token: str | None) -> bool:
    """Whether ``request`` may see the operator's figures: the token, else loopback."""
    if token is not None:
        given = request.headers.get("Authorization", "").encode()
        return hmac.compare_digest(given, f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:  # a Unix socket, or no address at all
        return False


def _time_limit(seconds: float) -> Any:
    """A middleware that answers 408 to a request (its body read included) over ``seconds``."""

    @web.middleware
    async def limit(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            async with asyncio.timeout(seconds):
                return await handler(request)
        except TimeoutError:
            raise web.HTTPRequestTimeout(text="request took too long\n") from None

    return limit


def runner_for(app: web.Application, limits: HttpLimits) -> web.AppRunner:
    """The app's runner, with the header timeout as aiohttp's keep-alive timer."""
    return web.AppRunner(app, access_log=None, keepalive_timeout=limits.header_timeout)


async def listen(
    runner: web.AppRunner, host: str, port: int, limits: HttpLimits
) -> asyncio.AbstractServer:
    """Listen on ``host:port`` for ``runner`` (set up), at most ``limits.max_connections``
    connections at once; close the returned server before the runner's cleanup."""
    server = runner.server
    assert server is not None, "runner.setup() first"

    def connection() -> asyncio.BaseProtocol:
        if len(server.connections) >= limits.max_connections:
            return _Busy()
        return server()

    return await asyncio.get_running_loop().create_server(
        connection, host, port, reuse_address=True
    )


class _Busy(asyncio.Protocol):
    """A connection over the cap: told 503 and closed, before it reads a byte."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY_RESPONSE)
        transport.close()


async def health(
    runtime: HealthContext,
    checks: Callable[[], list[str]] = list,
    failures: FailureWatch | None = None,
) -> dict[str, Any]:
    """What an operator needs to know at a glance; ``status`` is ok or degraded, or
    starting while the start-up checks run (answered 503, like degraded)."""
    watch = failures or FailureWatch(JobHealth())
    bound = watch.health.max_wait
    problems: list[str] = []
    waits: dict[str, float] = {}
    try:
        await ping(runtime.engine)
        database = "ok"
        backlog = await queue.backlog(runtime.engine, KIND_NAMES)
        failed = await queue.failed_count(runtime.engine)
        held = await queue.held_count(runtime.engine)
        oldest = await queue.oldest_due(runtime.engine, KIND_NAMES)
        waits = overdue(oldest, now=queue.real_now(), max_wait=bound)
    except Exception as exc:  # noqa: BLE001 - health must answer whatever is wrong
        database, backlog, failed, held = f"unavailable: {exc.__class__.__name__}", {}, 0, 0
        problems.append("database unavailable")
    if failed:
        problems.append(f"{failed} jobs failed (see the jobs table)")
    if held:
        problems.append(
            f"{held} mails held back (a sender over its hourly limit): "
            "see `intake held`, release with `intake held --release`"
        )
    problems += overdue_problems(waits, max_wait=bound)
    problems += watch.problems()
    try:
        problems += await asyncio.to_thread(checks)
    except Exception as exc:  # noqa: BLE001 - health must answer whatever is wrong
        problems.append(f"cannot check the accepted mail: {exc.__class__.__name__}")
    problems += [f"Slack: {warning}" for warning in runtime.slack_warnings.values()]
    try:
        workspaces = await runtime.slack.states()
    except Exception as exc:  # noqa: BLE001 - health must answer whatever is wrong
        workspaces = {"unknown": f"unavailable: {exc.__class__.__name__}"}
    problems += [
        f"Slack workspace {label}: {state}"
        for label, state in workspaces.items()
        if state.startswith("waiting")
    ]
    status = "degraded" if problems else "ok"
    if not runtime.started:
        status = "starting"
    return {
        "status": status,
        "problems": problems,
        "database": database,
        "backlog": backlog,
        "failed_jobs": failed,
        "held_jobs": held,
        "overdue_jobs": {kind: round(wait) for kind, wait in waits.items()},
        "job_failures_recent": watch.recent(),
        "slack": "configured" if runtime.slack.configured else "console (no SLACK_BOT_TOKEN)",
        "slack_workspaces": workspaces,
        "now": runtime.clock.now().isoformat(),
        "clock_shifted": runtime.clock.shifted,
    }
