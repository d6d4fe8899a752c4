"""The app's installations in offices' Slack workspaces: saved once, read by every node."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store.engine import reading
from intake.store.schema import slack_installations


@dataclass(frozen=True, slots=True)
class Installation:
    """What Slack's ``oauth.v2.access`` answered for one workspace."""

    team_id: str
    bot_token: str
    installed_at: datetime
    team_name: str | None = None
    enterprise_id: str | None = None
    app_id: str | None = None
    bot_user_id: str | None = None
    bot_id: str | None = None
    scopes: str | None = None
    installed_by: str | None = None


async def save(engine: AsyncEngine, installation: Installation) -> None:
    """Keep ``installation``, replacing the workspace's earlier one (a reinstall)."""
    async with engine.begin() as connection:
        await connection.execute(
            delete(slack_installations).where(slack_installations.c.team_id == installation.team_id)
        )
        await connection.execute(
            slack_installations.insert().values(
                team_id=installation.team_id,
                team_name=installation.team_name,
                enterprise_id=installation.enterprise_id,
                app_id=installation.app_id,
                bot_token=installation.bot_token,
                bot_user_id=installation.bot_user_id,
                bot_id=installation.bot_id,
                scopes=installation.scopes,
                installed_by=installation.installed_by,
                installed_at=installation.installed_at,
            )
        )


async def bot_token(engine: AsyncEngine, team_id: str) -> str | None:
    """The bot token of the app installed in workspace ``team_id``, if it is installed."""
    async with reading(engine) as connection:
        row = (
            await connection.execute(
                select(slack_installations.c.bot_token).where(
                    slack_installations.c.team_id == team_id
                )
            )
        ).first()
    return str(row.bot_token) if row is not None else None
