"""The install flow's OAuth states, kept in the database: each one used once.

slack_sdk's own SQLAlchemy state store is synchronous, and looks a state up
before deleting it, so two answers carrying the same state at once could both
pass. Here taking a state is one ``DELETE``: whichever request deletes the row
installs, any other (a replay, a second node) finds nothing. Rows live in the
database, not in one node's memory, so any node can take Slack's answer.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store.schema import slack_oauth_states

log = logging.getLogger("intake.slack")


class OAuthStates(AsyncOAuthStateStore):
    """States that live ``expiration_seconds`` and are consumed by their first use."""

    def __init__(self, engine: AsyncEngine, *, expiration_seconds: int) -> None:
        self.engine = engine
        self.expiration = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        """The logger slack_sdk's interface asks for."""
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        """A new state to send with the person to Slack (and set in their cookie)."""
        state = secrets.token_urlsafe(32)
        now = _now()
        async with self.engine.begin() as connection:
            # Installs started and never finished leave their states: sweep the expired.
            await connection.execute(
                delete(slack_oauth_states).where(slack_oauth_states.c.expires_at <= now)
            )
            await connection.execute(
                slack_oauth_states.insert().values(state=state, expires_at=now + self.expiration)
            )
        return state

    async def async_consume(self, state: str) -> bool:
        """Whether ``state`` was issued here and is still alive; it cannot be used again."""
        async with self.engine.begin() as connection:
            taken = await connection.execute(
                delete(slack_oauth_states).where(
                    slack_oauth_states.c.state == state,
                    slack_oauth_states.c.expires_at > _now(),
                )
            )
        return taken.rowcount == 1


def _now() -> datetime:
    # The real time, not the service's clock (INTAKE_NOW moves bids' time, not browsers').
    return datetime.now(UTC)
