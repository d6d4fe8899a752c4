"""The service's HTTP endpoint: health, metrics and Slack's requests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.clock import Clock
from intake.jobs.kinds import KINDS
from intake.slack.tokens import SlackWorkspaces
from intake.store import queue
from intake.store.engine import ping

KIND_NAMES = tuple(k.kind for k in KINDS)
"""Every kind of job: backlogs are counted kind by kind, through an index."""

SlackHandler = Callable[[web.Request], Awaitable[web.Response]]


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
) -> web.Application:
    """The aiohttp application; ``counters`` reports live totals for ``/metrics``,
    ``more_metrics`` more lines of it in Prometheus's text format.

    ``slack_events`` handles Slack's requests at ``/slack/events`` (without it,
    that path says Slack is not configured); ``routes`` are more pages (the
    app's install flow). ``checks`` names more problems for ``/healthz`` (mail set
    aside, mail waiting too long), each a sentence for the operator.
    """
    app = web.Application(client_max_size=1024 * 1024)

    async def healthz(_request: web.Request) -> web.Response:
        report = await health(runtime, checks)
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    async def metrics(_request: web.Request) -> web.Response:
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
        lines += [
            "# TYPE intake_jobs_failed gauge",
            f"intake_jobs_failed {await queue.failed_count(runtime.engine)}",
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    async def slack_not_configured(_request: web.Request) -> web.Response:
        return web.json_response({"error": "Slack is not configured on this service"}, status=404)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/slack/events", slack_events or slack_not_configured)
    app.router.add_routes(routes)
    return app


async def health(runtime: HealthContext, checks: Callable[[], list[str]] = list) -> dict[str, Any]:
    """What an operator needs to know at a glance; ``status`` is ok or degraded, or
    starting while the start-up checks run (answered 503, like degraded)."""
    problems: list[str] = []
    try:
        await ping(runtime.engine)
        database = "ok"
        backlog = await queue.backlog(runtime.engine, KIND_NAMES)
        failed = await queue.failed_count(runtime.engine)
    except Exception as exc:  # noqa: BLE001 - health must answer whatever is wrong
        database, backlog, failed = f"unavailable: {exc.__class__.__name__}", {}, 0
        problems.append("database unavailable")
    if failed:
        problems.append(f"{failed} jobs failed (see the jobs table)")
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
        "slack": "configured" if runtime.slack.configured else "console (no SLACK_BOT_TOKEN)",
        "slack_workspaces": workspaces,
        "now": runtime.clock.now().isoformat(),
        "clock_shifted": runtime.clock.shifted,
    }
