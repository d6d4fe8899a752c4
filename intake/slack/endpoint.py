"""Slack's request URL (``/slack/events``) in the service's own aiohttp server.

Slash commands and interactions arrive here as signed POSTs. The signature is
checked first (:mod:`.signature`, real clock): anything unsigned, badly signed,
stale or malformed gets 401 and never reaches a listener. Then the request is
handed to the bolt app (``async_dispatch``), which answers as soon as the
listener acknowledges. The app is not started with ``AsyncApp.start()``: that
would run a second web server and block.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from intake.slack.signature import is_from_slack

PATH = "/slack/events"
log = logging.getLogger("intake.slack")


def slack_events_handler(
    app: AsyncApp, signing_secret: str | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler of ``POST /slack/events`` for ``app``."""

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        if not is_from_slack(signing_secret, request.headers, body):
            log.warning("refused a request to %s without a valid Slack signature", PATH)
            return web.json_response({"error": "invalid signature"}, status=401)
        bolt_request = AsyncBoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.query_string,
            headers=dict(request.headers),
        )
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return handle
