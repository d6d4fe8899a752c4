"""Which workspace a Slack request comes from, and so whose token answers it and whose bids it sees.

One Slack app (one signing secret) is installed in every office's workspace.
Bolt asks :func:`authorizer` for each request with the request's ``team_id``;
the answer carries that workspace's bot token, so ``client.views_open`` opens
the modal in the workspace that was clicked in, and puts the workspace's offices
in the request's context (:func:`offices_of`) for the listeners to scope by.
A request from a workspace no office is in is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext

from intake.slack.tokens import SlackWorkspaces

OFFICES = "intake_offices"
NOT_HERE = "grant-intake has no office in this Slack workspace."
log = logging.getLogger("intake.slack")


def authorizer(
    slack: SlackWorkspaces,
) -> Callable[..., Awaitable[AuthorizeResult | None]]:
    """Bolt's ``authorize`` function for the service's workspaces."""

    # Bolt passes arguments by the names it finds (not keyword-only ones).
    async def authorize(
        context: AsyncBoltContext, enterprise_id: str | None, team_id: str | None
    ) -> AuthorizeResult | None:
        try:
            found = await slack.resolve(team_id)
        except Exception as exc:  # noqa: BLE001 - Slack unreachable: refuse, say why in the log
            log.warning("cannot tell which workspace %s is (%s): request refused", team_id, exc)
            return None
        if found is None:
            log.warning("a request from Slack workspace %s (no office's): refused", team_id)
            return None
        context[OFFICES] = found.workspace.offices
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or found.workspace.team_id,
            bot_token=found.poster.client.token,
        )

    return authorize


def offices_of(context: Any) -> frozenset[str]:
    """The offices whose bids the request may see and act on (none if unknown)."""
    offices = context.get(OFFICES) if context is not None else None
    return frozenset(offices) if offices else frozenset()
