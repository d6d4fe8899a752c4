"""SQLite for the async engine, its calls made on the event loop's own thread.

SQLAlchemy's asyncio extension needs a dialect that says it is async. Its
aiosqlite dialect is one, but it runs every call in aiosqlite's thread and
awaits it: four awaits a statement (cursor, execute, fetch, close), each a
greenlet switch and a future, around a statement that takes tens of
microseconds on an indexed row. This dialect is SQLAlchemy's own synchronous
pysqlite dialect declared async: the asyncio extension still runs each call in
a greenlet, but the driver's calls inside it are plain calls into ``sqlite3``.

That is safe because nothing waits inside SQLite while it holds the loop: only
the service writes its database (a lock file keeps a second ``intake serve``
out, see :func:`intake.store.engine.hold_sqlite_database`), the command line
only reads, and in WAL mode readers block no writer. One connection serves the
process; a task that wants it while another holds it waits in the pool's
asyncio queue, not in SQLite's busy handler.

``bench/store.py`` measures it: a write transaction with one statement took
590 µs of CPU through the aiosqlite dialect (its calls already made on the
loop) and takes about 390 µs here, against 165 µs through SQLAlchemy's plain
synchronous engine (the asyncio extension's greenlet per call); see
BENCHMARKS.md.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.engine.interfaces import ConnectArgsType, DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import await_

DRIVER = "intake_inline"
"""The driver name of this dialect in URLs: ``sqlite+intake_inline:///path``."""


class _Finished:
    """An awaitable that is already finished: awaiting it never gives up the loop."""

    __slots__ = ()

    def __await__(self) -> Any:
        return iter(())


_FINISHED = _Finished()


class _Cursor(sqlite3.Cursor):
    """sqlite3's cursor, as the asyncio extension expects a driver's cursor to be.

    - The extension refuses a statement that awaited nothing: it guards against
      a blocking driver used by mistake. Here a brief block is the design (see
      above), so each statement awaits :data:`_FINISHED`: two greenlet switches,
      no turn of the loop.
    - Its results are read after the statement's greenlet has ended, so the rows
      are fetched at once, as the extension's own adapters do: no statement is
      left open on the one connection between a caller's awaits.
    """

    _rows: deque[Any]

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        await_(_FINISHED)
        super().execute(sql, parameters)
        self._rows = deque(super().fetchall() if self.description else ())
        return self

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        await_(_FINISHED)
        super().executemany(sql, parameters)
        self._rows = deque()
        return self

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def _async_soft_close(self) -> None:
        """Called by the asyncio extension after a statement; the rows are already read."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class InlineSqliteDialect(SQLiteDialect_pysqlite):
    """pysqlite, declared async so that ``create_async_engine`` takes it (see above)."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    # A connection the garbage collector finds checked out is closed, not warned about:
    # an async pool cannot return it from a finaliser.
    has_terminate = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if is_file_database(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool  # one in-memory database lives as long as its connection

    def create_connect_args(self, url: URL) -> ConnectArgsType:
        args, kwargs = super().create_connect_args(url)
        # Made and used on the loop's thread; a connection the garbage collector
        # closes may be finalised on another.
        kwargs["check_same_thread"] = False
        kwargs["factory"] = _Connection
        return args, kwargs

    def do_terminate(self, dbapi_connection: DBAPIConnection) -> None:
        dbapi_connection.close()


class _InlineConnection(AsyncConnection):
    """The asyncio extension's connection, closed in the caller's own task.

    The extension closes a connection at the end of ``async with`` in a task of
    its own and waits for it behind a shield, so that a cancelled caller cannot
    abandon the close halfway. That costs a task and three turns of the loop per
    transaction. Here the close never waits for anything (the driver's calls
    are inline), so no cancellation can reach it halfway.
    """

    __slots__ = ()

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        await self.close()


class InlineEngine(AsyncEngine):
    """An async engine over :class:`InlineSqliteDialect` (see :func:`inline_engine`)."""

    __slots__ = ()
    _connection_cls = _InlineConnection

    def execution_options(self, **options: Any) -> InlineEngine:
        return InlineEngine(self.sync_engine.execution_options(**options))


def inline_engine(engine: AsyncEngine) -> InlineEngine:
    """``engine`` (made by ``create_async_engine`` for an ``intake_inline`` URL),
    with its connections closed inline."""
    assert engine.dialect.driver == DRIVER
    return InlineEngine(engine.sync_engine)


def is_file_database(url: URL) -> bool:
    """Whether ``url`` names a database file (not SQLite's in-memory database)."""
    return url.database not in (None, "", ":memory:") and url.query.get("mode") != "memory"


def register() -> None:
    """Make ``sqlite+intake_inline://`` URLs use :class:`InlineSqliteDialect`."""
    registry.register(f"sqlite.{DRIVER}", __name__, "InlineSqliteDialect")
