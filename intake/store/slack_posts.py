"""Where each post that must appear once stands (:mod:`intake.slack.posts` says why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.engine import insert_ignoring_duplicates, upsert
from intake.store.queue import real_now
from intake.store.schema import slack_posts

PostState = Literal["posting", "posted", "failed"]
"""``posting`` while the post's outcome is unknown; ``failed`` when it certainly made none."""


@dataclass(frozen=True, slots=True)
class SlackPost:
    """A ``slack_posts`` row: a post's key, its channel, and its ``ts`` once posted."""

    key: str
    channel: str
    state: PostState
    ts: str | None
    updated_at: datetime


_POST_BY_KEY = select(slack_posts).where(slack_posts.c.key == bindparam("key"))
"""Built once: building a statement and its cache key costs more than running it."""


async def post_by_key(connection: AsyncConnection, key: str) -> SlackPost | None:
    """The post with ``key``, if one was ever tried."""
    row = (await connection.execute(_POST_BY_KEY, {"key": key})).first()
    return SlackPost(**row._mapping) if row else None


async def first_try(connection: AsyncConnection, key: str, *, channel: str) -> SlackPost | None:
    """Mark the post with ``key`` as ``posting`` in ``channel`` if it was never tried, and
    return None; else return the row of its earlier try, unchanged.

    One statement for a new post (every card's first), where a read and then a
    write took two, in two transactions.
    """
    parameters = {"key": key, "channel": channel, "state": "posting", "updated_at": real_now()}
    inserting = insert_ignoring_duplicates(connection, slack_posts, ["key"], returning=("key",))
    new = await connection.execute(inserting, parameters)
    if new.first() is not None:
        return None
    return await post_by_key(connection, key)


async def set_post(
    connection: AsyncConnection, key: str, *, channel: str, state: PostState, ts: str | None
) -> None:
    """Say where the post with ``key`` stands (a new row, or the one kept replaced)."""
    await connection.execute(
        *upsert(
            connection,
            slack_posts,
            ["key"],
            key=key,
            channel=channel,
            state=state,
            ts=ts,
            updated_at=real_now(),
        )
    )
