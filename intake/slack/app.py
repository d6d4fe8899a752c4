"""Building the bolt app and its listeners, once, for HTTP and Socket Mode alike."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from intake.slack.authorize import NOT_HERE, authorizer
from intake.slack.listeners import (
    award_buttons,
    buttons,
    commands,
    letters,
    replies,
    submissions,
    withdrawals,
)
from intake.slack.listeners.letters import LettersListenerContext


def build_app(
    runtime: LettersListenerContext, *, client: AsyncWebClient, signing_secret: str | None
) -> AsyncApp:
    """The Slack app of the service: the command, the buttons and the modals.

    ``client`` is the Web API client without a token (its base URL, its
    timeouts): each request gets the token of the workspace it comes from
    (:mod:`.authorize`), and only that workspace's offices' bids. Bolt's own
    signature check is off: the HTTP endpoint checks signatures itself, against
    the real clock and answering 401 to a malformed timestamp (bolt's check
    raises on one), and Socket Mode needs none.
    """
    logger = logging.getLogger("intake.slack")
    logger.addFilter(_without_token_warning)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "unused: signatures are checked by the endpoint",
        request_verification_enabled=False,
        logger=logger,
        name="grant-intake",
        # Bolt answers a None from authorize with user_facing_authorize_error_message
        # (its middleware's else branch), though its hint promises an AuthorizeResult.
        authorize=authorizer(runtime.slack),  # type: ignore[arg-type]
        user_facing_authorize_error_message=NOT_HERE,
    )
    commands.register(app, runtime)
    buttons.register(app, runtime)
    submissions.register(app, runtime)
    replies.register(app, runtime)
    withdrawals.register(app, runtime)
    letters.register(app, runtime)
    award_buttons.register(app, runtime)
    return app


def _without_token_warning(record: logging.LogRecord) -> bool:
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the
    # client we give wins; it does, by design: only the composition root reads settings.
    return "`token` will be unused" not in record.getMessage()
