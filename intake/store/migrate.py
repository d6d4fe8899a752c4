"""Bringing a database to the schema this version of the code needs.

The service runs this at start: an empty database gets every table, an older
one the migrations it lacks, in order, keeping its data. On PostgreSQL an
advisory lock makes nodes that start together take turns; on SQLite the
IMMEDIATE transaction does the same.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store.engine import reading

_LOCK = 72_616_263  # pg_advisory_lock key: any constant shared by every node


def alembic_config(connection: Any | None = None) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("intake.store").joinpath("migrations"))
    )
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest migration (its files are read once a process)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def migrate(engine: AsyncEngine) -> None:
    """Apply every migration the database lacks.

    A database already at the head (every start but the first of a version, and
    every CLI command) is told so by one read, without alembic's upgrade: that
    re-read every migration's file and ran its environment each time, half of
    an ``intake show`` on PostgreSQL.
    """
    if await _at_head(engine):
        return
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
        await connection.run_sync(_upgrade)


async def _at_head(engine: AsyncEngine) -> bool:
    """Whether the database's one revision is the head (not a new database, not an old one)."""
    try:
        async with reading(engine) as connection:  # on SQLite, no write lock
            found = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(found.scalars()) == [head_revision()]
    except DBAPIError:  # no such table: a new database
        return False


def _upgrade(connection: Any) -> None:
    command.upgrade(alembic_config(connection), "head")


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
