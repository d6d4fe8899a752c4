"""A fresh PostgreSQL database per test, or a clear skip when none is reachable.

``INTAKE_TEST_POSTGRES`` names the server (default: this machine's, on
127.0.0.1:5432, user postgres); ``.ci/run`` starts it when it is not running.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import asyncpg
import pytest

SERVER = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(SERVER, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _reachable() -> str | None:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"no PostgreSQL at {SERVER} ({exc.__class__.__name__}: {exc})"
    return None


UNREACHABLE = _reachable()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty database for one test, dropped afterwards."""
    if UNREACHABLE:
        pytest.skip(UNREACHABLE)
    name = f"intake_test_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
