"""Socket Mode: the same app over a WebSocket that the service opens to Slack.

For offices without a public HTTPS address: set ``SLACK_APP_TOKEN`` (an
``xapp-`` token with ``connections:write``) and enable Socket Mode in the app's
settings. Slack then sends commands and interactions over the socket instead of
to ``/slack/events``; the listeners are the same.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

log = logging.getLogger("intake.slack")


class SocketMode:
    """A Socket Mode connection for ``app``, opened and closed with the service."""

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        self._handler = AsyncSocketModeHandler(app, app_token, logger=log)

    async def connect(self) -> None:
        """Open the connection; the client reconnects by itself if it drops."""
        await self._handler.connect_async()
        log.info("Slack Socket Mode connected")

    async def close(self) -> None:
        await self._handler.close_async()
