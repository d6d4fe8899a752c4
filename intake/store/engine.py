"""Creating the database engine: SQLite (embedded default) or PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed work row must
survive a power cut: we have said ``250``) and every transaction begins
``IMMEDIATE``, so writers queue on the busy timeout instead of failing to
upgrade a read lock.

SQLite's calls run on the event loop's own thread, through SQLAlchemy's own
pysqlite dialect declared async (:mod:`intake.store.inline_sqlite` says why
that is safe and what the aiosqlite dialect's thread cost).
"""

from __future__ import annotations

import fcntl
import functools
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import Insert

from intake.errors import ConfigError
from intake.store import inline_sqlite

SQLITE_BUSY_SECONDS = 30


def make_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; the SQLite file's folder is created if needed."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise ConfigError(f"INTAKE_DATABASE_URL: not a database URL ({url!r})") from exc
    if parsed.get_backend_name() == "sqlite":
        inline_sqlite.register()
        inline = parsed.set(drivername=f"sqlite+{inline_sqlite.DRIVER}")
        pooling: dict[str, Any] = {}
        if inline_sqlite.is_file_database(inline):
            assert inline.database is not None
            Path(inline.database).parent.mkdir(parents=True, exist_ok=True)
            pooling = {
                # One connection per process: SQLite has one writer at a time anyway,
                # and waiting in the pool's asyncio queue is fair and immediate, where
                # contending connections sleep in SQLite's busy handler (seconds of tail).
                "pool_size": 1,
                "max_overflow": 0,
                "pool_timeout": SQLITE_BUSY_SECONDS,
                # Every use ends its own transaction (commit, or rollback on close);
                # the pool's extra rollback on check-in was one more call each.
                "pool_reset_on_return": None,
            }
        engine = inline_sqlite.inline_engine(
            create_async_engine(inline, connect_args={"timeout": SQLITE_BUSY_SECONDS}, **pooling)
        )
        _sqlite_pragmas(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        _require_postgres_driver()
        return create_async_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True)
    raise ConfigError(
        f"INTAKE_DATABASE_URL: {parsed.get_backend_name()} is not supported "
        "(use sqlite+aiosqlite:// or postgresql+asyncpg://)"
    )


def _require_postgres_driver() -> None:
    """asyncpg comes with the ``postgres`` extra: say so rather than a bare ImportError."""
    try:
        import asyncpg  # noqa: F401 - only asked whether it can be imported
    except ImportError as exc:
        raise ConfigError(
            "INTAKE_DATABASE_URL is a PostgreSQL database, and its driver (asyncpg) is not "
            "installed: pip install 'grant-intake[postgres]'"
        ) from exc


def sqlite_file(url: str) -> Path | None:
    """The SQLite database file ``url`` names, or None (PostgreSQL, in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not inline_sqlite.is_file_database(parsed):
        return None
    assert parsed.database is not None
    return Path(parsed.database)


def hold_sqlite_database(url: str) -> Any:
    """Make this process the only service writing the SQLite database at ``url``.

    Returns the open lock file (keep it for the process's life), or None for
    PostgreSQL, where any number of nodes share the database. Raises
    :class:`ConfigError` when another ``intake serve`` holds it: SQLite's calls
    run on the event loop (see above), so a second writer would stall both.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not inline_sqlite.is_file_database(parsed):
        return None
    lock_path = Path(f"{parsed.database}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+b")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(
            f"another intake serve is using the database {parsed.database}; "
            "stop it first, or give this one its own INTAKE_DATA_DIR "
            "(several nodes need PostgreSQL)"
        ) from None
    return handle


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()

    tally = _WRITES[engine.sync_engine] = WriteTally()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock at once (no failed upgrade from a read lock);
        # readers (see reading()) take none: in WAL mode they block nobody.
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # Straight to the driver: SQLAlchemy's statement machinery around a bare
        # BEGIN cost more than the BEGIN, once per transaction.
        driver = connection.connection.dbapi_connection
        cursor = driver.cursor()
        try:
            cursor.execute(_BEGIN[mode])
        finally:
            cursor.close()
        connection.info[_CHANGES_AT_BEGIN] = driver.total_changes

    @event.listens_for(engine.sync_engine, "commit")
    def _on_commit(connection: Any) -> None:
        changes = connection.connection.dbapi_connection.total_changes
        if changes != connection.info.get(_CHANGES_AT_BEGIN, changes):
            tally.commits += 1


_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


@dataclass
class WriteTally:
    """Commits that changed rows, on one SQLite engine (its one connection)."""

    commits: int = 0


_CHANGES_AT_BEGIN = "intake_changes_at_begin"
"""Key in a connection's ``info``: the driver's count of changed rows at BEGIN."""


_WRITES: weakref.WeakKeyDictionary[Any, WriteTally] = weakref.WeakKeyDictionary()


def write_commits(engine: AsyncEngine) -> int | None:
    """How many transactions that changed rows ``engine`` has committed (each one
    an fsync of SQLite's log under ``synchronous=FULL``); None where not counted
    (PostgreSQL). For ``/metrics``: what a mail costs the database."""
    tally = _WRITES.get(engine.sync_engine)
    return tally.commits if tally is not None else None


def reading(engine: AsyncEngine) -> Any:
    """A connection for reading only: ``async with reading(engine) as connection``.

    On SQLite it begins DEFERRED, so it never holds the write lock that the
    receiver's commits and the workers' writes wait for.
    """
    return _deferred(engine).connect()


_PING = text("SELECT 1")


async def ping(engine: AsyncEngine) -> None:
    """Read nothing, as a reader does: raises when the database cannot be reached."""
    async with reading(engine) as connection:
        await connection.execute(_PING)


@functools.lru_cache(maxsize=16)
def _deferred(engine: AsyncEngine) -> AsyncEngine:
    # One options view per engine: making one costs more than a short read.
    return engine.execution_options(sqlite_begin="DEFERRED")


def insert_ignoring_duplicates(
    connection: AsyncConnection,
    table: Any,
    key_columns: list[str],
    *,
    returning: tuple[str, ...] = (),
) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the connection's database; with
    ``returning``, those columns of a row that went in (none for one ignored).

    Built once per table: execute it with the row as parameters
    (``connection.execute(statement, {...})``) rather than ``.values()``, which
    builds a new statement, and its cache key, every time.
    """
    return _ignoring(connection.dialect.name, table, tuple(key_columns), returning)


def dialect_insert(dialect: str, table: Any) -> Any:
    """``INSERT`` into ``table`` with the dialect's ``ON CONFLICT`` clauses."""
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


@functools.cache
def _ignoring(
    dialect: str, table: Any, key_columns: tuple[str, ...], returning: tuple[str, ...]
) -> Insert:
    insert = dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=list(key_columns))
    return insert.returning(*(table.c[name] for name in returning)) if returning else insert


def upsert(
    connection: AsyncConnection, table: Any, key_columns: list[str], **values: Any
) -> tuple[Insert, dict[str, Any]]:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` of ``values``, and its parameters:
    ``connection.execute(*upsert(...))``. One statement where an insert-or-ignore
    and an update took two; built once per table and set of columns."""
    statement = _upserting(
        connection.dialect.name, table, tuple(key_columns), tuple(sorted(values))
    )
    return statement, values


@functools.cache
def _upserting(
    dialect: str, table: Any, key_columns: tuple[str, ...], columns: tuple[str, ...]
) -> Insert:
    insert = dialect_insert(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={c: insert.excluded[c] for c in columns if c not in key_columns},
    )


def is_postgres(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"
