"""Posting a message that must appear once (a card, an alert, a line in a card's
thread), whatever fails.

Slack has no idempotency key for ``chat.postMessage``. A post whose answer is
lost (a 5xx, a dropped connection, the process killed mid-call) may have been
made. So: before posting, the key's row says ``posting``; after, ``posted``
with the ``ts``; a failure that certainly posted nothing says ``failed``. A
retry that finds ``posting`` first looks in the channel for a message carrying
the key in its metadata and adopts it instead of posting again.

Also keeps the operator's view of each channel: a refusal that only a person
can fix (the app not invited, an archived channel, a revoked token) becomes a
warning on ``/healthz`` and in the log, and the post waits and retries until
the channel works again; the first post that succeeds clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.clock import Clock
from intake.config.model import Config
from intake.jobs.finishing import job_transaction
from intake.slack.tokens import SlackWorkspaces
from intake.store import slack_posts
from intake.store.slack_posts import PostState
from notifier.errors import SlackError
from notifier.slack import SlackPoster


class PostingContext(Protocol):
    """What posting a card or an alert needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    slack: SlackWorkspaces
    slack_warnings: dict[str, str]
    """Each channel's or workspace's problem that only a person can fix, for /healthz."""


AfterPost = Callable[[AsyncConnection, str, str], Awaitable[None]]
"""Stores what a caller keeps of a post (``connection, channel, ts``)."""

# Refusals that a person fixes in Slack; the post waits for them instead of failing.
CHANNEL_PROBLEMS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
    }
)
# How long a post waits before trying a channel that refused it again.
CHANNEL_RETRY_SECONDS = 60.0


async def post_once(
    runtime: PostingContext,
    slack: SlackPoster,
    *,
    key: str,
    channel: str,
    place: str,
    payload: Mapping[str, Any],
    then: AfterPost | None = None,
    thread_ts: str | None = None,
    finishing: bool = False,
) -> tuple[str, str]:
    """Post ``payload`` into ``channel`` unless the message with ``key`` is there already.

    ``slack`` holds the token of the channel's workspace; ``place`` names the
    channel for the operator (:func:`intake.slack.channels.place`). Returns
    ``(channel_id, ts)``. Raises :class:`SlackError` (transient for what may
    work later, channel problems included). ``then(connection, channel, ts)``
    stores what the caller keeps of the post, in the transaction that marks it
    posted. With ``thread_ts`` the message is a line in that message's thread.
    ``finishing``: the post is the job's last act, and the transaction that marks
    it posted is the job's last (:func:`intake.jobs.finishing.last_transaction`).
    """
    engine = runtime.engine
    async with engine.begin() as connection:
        row = await slack_posts.first_try(connection, key, channel=channel)
    if row is not None and row.state == "posted" and row.ts:
        if then is not None:
            async with job_transaction(engine, last=finishing) as connection:
                await then(connection, row.channel, row.ts)
        return row.channel, row.ts
    if row is not None and row.state == "posting":
        found = await guarded(
            runtime, place, slack.find_posted(row.channel, key, thread_ts=thread_ts)
        )
        if found is not None:
            runtime.log.info("%s was posted before its answer was lost; not posting again", key)
            await _set(
                engine,
                key,
                channel=found[0],
                state="posted",
                ts=found[1],
                then=then,
                finishing=finishing,
            )
            return found
    if row is not None:  # an earlier try that failed, or whose post was not found
        await _set(engine, key, channel=channel, state="posting", ts=None)
    try:
        posted = await guarded(
            runtime, place, slack.post(channel, payload, once=key, thread_ts=thread_ts)
        )
    except SlackError as exc:
        if not exc.maybe_done:
            await _set(engine, key, channel=channel, state="failed", ts=None)
        raise
    await _set(
        engine,
        key,
        channel=posted[0],
        state="posted",
        ts=posted[1],
        then=then,
        finishing=finishing,
    )
    return posted


async def guarded(runtime: PostingContext, place: str, call: Any) -> Any:
    """Await a Slack call about a channel, keeping the channel's warning up to date.

    ``place`` names the channel and, unless the default, its workspace: two
    workspaces' ``#grants`` have a warning each.

    A refusal in :data:`CHANNEL_PROBLEMS` is logged, shown on ``/healthz`` and
    turned into a transient error that retries after a minute.
    """
    try:
        result = await call
    except SlackError as exc:
        if exc.code in CHANNEL_PROBLEMS:
            if runtime.slack_warnings.get(place) != exc.message:
                runtime.log.warning("Slack: %s", exc.message)
            runtime.slack_warnings[place] = exc.message
            raise SlackError(
                exc.message, transient=True, code=exc.code, retry_after=CHANNEL_RETRY_SECONDS
            ) from exc
        raise
    if runtime.slack_warnings.pop(place, None) is not None:
        runtime.log.info("Slack: posting to %s works again", place)
    return result


async def _set(
    engine: AsyncEngine,
    key: str,
    *,
    channel: str,
    state: PostState,
    ts: str | None,
    then: AfterPost | None = None,
    finishing: bool = False,
) -> None:
    async with job_transaction(engine, last=finishing) as connection:
        await slack_posts.set_post(connection, key, channel=channel, state=state, ts=ts)
        if then is not None and ts is not None:
            await then(connection, channel, ts)
