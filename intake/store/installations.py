"""The app's installations in offices' Slack workspaces: saved once, read by every node.

:class:`InstallationStore` is slack_sdk's installation store interface on our own
table, for Bolt's OAuth flow to save what Slack answered, and for the posters
to find a workspace's bot token. slack_sdk's SQLAlchemy store does not fit: it
is synchronous and keeps tokens as they are. One row a workspace (the app
asks for bot scopes only); a reinstall replaces it. The bot token is stored
encrypted (:mod:`intake.store.encryption`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.store.encryption import TokenCipher, UnreadableSecret, is_encrypted
from intake.store.engine import reading
from intake.store.schema import slack_installations

log = logging.getLogger("intake.slack")


class InstallationStore(AsyncInstallationStore):
    """Installations kept in ``slack_installations``, their bot tokens encrypted with ``cipher``."""

    def __init__(self, engine: AsyncEngine, cipher: TokenCipher) -> None:
        self.engine = engine
        self.cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        """The logger slack_sdk's interface asks for."""
        return log

    async def async_save(self, installation: Installation) -> None:
        """Keep ``installation``, replacing the workspace's earlier one (a reinstall)."""
        if not installation.team_id or not installation.bot_token:
            raise ValueError("an installation is kept for a workspace, with its bot token")
        async with self.engine.begin() as connection:
            await connection.execute(
                delete(slack_installations).where(
                    slack_installations.c.team_id == installation.team_id
                )
            )
            await connection.execute(
                slack_installations.insert().values(
                    team_id=installation.team_id,
                    team_name=installation.team_name,
                    enterprise_id=installation.enterprise_id,
                    app_id=installation.app_id,
                    bot_token=self.cipher.encrypt(installation.bot_token),
                    bot_user_id=installation.bot_user_id,
                    bot_id=installation.bot_id,
                    scopes=",".join(installation.bot_scopes or ()) or None,
                    installed_by=installation.user_id,
                    installed_at=datetime.fromtimestamp(installation.installed_at, UTC),
                )
            )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The app's bot in workspace ``team_id``, if it is installed there."""
        row = await self._row(team_id)
        token = self._token_of(row)
        if row is None or token is None:
            return None
        return Bot(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=token,
            bot_id=row.bot_id or "",
            bot_user_id=row.bot_user_id or "",
            bot_scopes=row.scopes or "",
            installed_at=row.installed_at,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation in workspace ``team_id`` (whoever installed it), if any."""
        row = await self._row(team_id)
        token = self._token_of(row)
        if row is None or token is None:
            return None
        return Installation(
            app_id=row.app_id,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=token,
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.scopes or "",
            user_id=row.installed_by or "",
            installed_at=row.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the installation in workspace ``team_id`` (the app was uninstalled)."""
        async with self.engine.begin() as connection:
            await connection.execute(
                delete(slack_installations).where(slack_installations.c.team_id == team_id)
            )

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the installation in workspace ``team_id``: it is the bot's, one a workspace."""
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def bot_token(self, team_id: str) -> str | None:
        """The bot token of the app installed in workspace ``team_id``, if it is installed.

        A token none of the keys decrypts counts as not installed (with a
        warning): installing the app again replaces it.
        """
        return self._token_of(await self._row(team_id))

    async def encrypt_stored(self) -> int:
        """Encrypt, with the first key, every token stored plain or with another key.

        Run at start: tokens kept before encryption, or before a key rotation,
        are then all under the current key. Returns how many were rewritten.
        On SQLite, once plain tokens were encrypted, the file is rebuilt so
        that no old page (nor the migration's copy of the table) still holds one.
        """
        rewritten, were_plain = 0, 0
        async with self.engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(slack_installations.c.team_id, slack_installations.c.bot_token)
                )
            ).all()
            for team_id, stored in rows:
                if not self.cipher.needs_reencrypting(stored):
                    continue
                try:
                    token = self.cipher.decrypt(stored)
                except UnreadableSecret:
                    log.warning(
                        "the bot token of the installation in Slack workspace %s was encrypted "
                        "with a key not in INTAKE_SECRET_KEY: restore that key, or install the "
                        "app there again",
                        team_id,
                    )
                    continue
                await connection.execute(
                    update(slack_installations)
                    .where(slack_installations.c.team_id == team_id)
                    .values(bot_token=self.cipher.encrypt(token))
                )
                rewritten += 1
                were_plain += not is_encrypted(stored)
        if were_plain and self.engine.dialect.name == "sqlite":
            await _rebuild_sqlite_file(self.engine)
        return rewritten

    async def _row(self, team_id: str | None) -> Row[Any] | None:
        if team_id is None:
            return None
        connection: AsyncConnection
        async with reading(self.engine) as connection:
            result = await connection.execute(
                select(slack_installations).where(slack_installations.c.team_id == team_id)
            )
            return result.first()

    def _token_of(self, row: Row[Any] | None) -> str | None:
        if row is None:
            return None
        try:
            return self.cipher.decrypt(row.bot_token)
        except UnreadableSecret:
            log.warning(
                "cannot decrypt the bot token of the installation in Slack workspace %s "
                "(a key missing from INTAKE_SECRET_KEY?): install the app there again",
                row.team_id,
            )
            return None


async def _rebuild_sqlite_file(engine: AsyncEngine) -> None:
    """VACUUM and empty the WAL: freed pages and old frames keep what was deleted.

    Straight on the driver's connection: VACUUM cannot run in the transaction
    that our engine begins for every statement. That driver is sqlite3 itself,
    called on the loop (intake.store.engine): this runs once, before serving.
    """
    async with engine.connect() as connection:
        sqlite = (await connection.get_raw_connection()).driver_connection
        assert sqlite is not None  # a connection checked out of the pool is open
        sqlite.execute("VACUUM")
        sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
