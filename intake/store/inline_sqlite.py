"""SQLite for the async engine, its calls made on the event loop's own thread.

SQLAlchemy's asyncio extension needs a dialect that says it is async. Its
aiosqlite dialect is one, but it runs every call in aiosqlite's thread and
awaits it: four awaits a statement (cursor, execute, fetch, close), each a
greenlet switch and a future, around a statement that takes tens of
microseconds on an indexed row. This dialect is SQLAlchemy's own synchronous
pysqlite dialect declared async, and its connections and transactions make
their calls into ``sqlite3`` directly: the asyncio extension would run each in
a greenlet of its own (five or more a transaction) so that a driver could
await inside, and this driver never does. Only a connection the pool must
make, or one a task must wait for while another holds it, is taken in a
greenlet (see :func:`_connection_free`).

That is safe because nothing waits inside SQLite while it holds the loop: only
the service writes its database (a lock file keeps a second ``intake serve``
out, see :func:`intake.store.engine.hold_sqlite_database`), the command line
only reads, and in WAL mode readers block no writer. One connection serves the
process; a task that wants it while another holds it waits in the pool's
asyncio queue, not in SQLite's busy handler.

``bench/store.py`` measures it against the aiosqlite dialect and SQLAlchemy's
plain synchronous engine; see BENCHMARKS.md. Where this leans on the asyncio
extension's classes beyond their documented use (the methods overridden
below), ``tests/intake/store/test_inline_sqlite.py`` counts greenlet switches,
so an upgrade that routes a call another way fails a test, not a mail.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import TYPE_CHECKING, Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL, CursorResult, Transaction
from sqlalchemy.engine.interfaces import ConnectArgsType, DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

DRIVER = "intake_inline"
"""The driver name of this dialect in URLs: ``sqlite+intake_inline:///path``."""


class _Cursor(sqlite3.Cursor):
    """sqlite3's cursor, its rows fetched as soon as a statement has run.

    The asyncio extension's own adapters do the same: no statement is left open
    on the one connection between a caller's awaits, so a result is read intact
    however many statements other tasks run before it is read.
    """

    _rows: deque[Any]

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        super().execute(sql, parameters)
        self._rows = deque(super().fetchall() if self.description else ())
        return self

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
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


class _EndedInline:
    """``commit``, ``rollback`` and ``close`` as direct calls on the proxied
    synchronous connection or transaction (the extension makes each in a greenlet)."""

    __slots__ = ()

    if TYPE_CHECKING:  # the asyncio extension's class beside this one has it

        @property
        def _proxied(self) -> Any: ...

    async def commit(self) -> None:
        self._proxied.commit()

    async def rollback(self) -> None:
        self._proxied.rollback()

    async def close(self) -> None:
        self._proxied.close()


class _InlineTransaction(_EndedInline, AsyncTransaction):
    """The asyncio extension's transaction, begun and ended by direct calls."""

    __slots__ = ()

    async def start(self, is_ctxmanager: bool = False) -> _InlineTransaction:
        connection = self.connection.sync_connection
        assert connection is not None
        transaction: Transaction = connection.begin_nested() if self.nested else connection.begin()
        self.sync_transaction = self._assign_proxied(transaction)
        if is_ctxmanager:
            transaction.__enter__()
        return self

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        self._proxied.__exit__(type_, value, traceback)


class _InlineConnection(_EndedInline, AsyncConnection):
    """The asyncio extension's connection, its statements run by direct calls.

    Taking the connection from the pool keeps the extension's greenlet only
    when the pool must make it or a task must wait for another to give it back
    (see :func:`_connection_free`). ``scalar`` and ``scalars`` go through
    :meth:`execute`. The close at the end of ``async with`` is made in the
    caller's own task: the extension closes in a task of its own behind a
    shield, so that a cancelled caller cannot abandon the close halfway (a task
    and three turns of the loop a transaction), and here the close cannot be
    interrupted, since it never waits.
    """

    __slots__ = ()

    async def start(self, is_ctxmanager: bool = False) -> _InlineConnection:
        if self.sync_connection is None and _connection_free(self.sync_engine.pool):
            self.sync_connection = self._assign_proxied(self.sync_engine.connect())
            return self
        await super().start(is_ctxmanager)
        return self

    def begin(self) -> _InlineTransaction:
        assert self._proxied
        return _InlineTransaction(self)

    def begin_nested(self) -> _InlineTransaction:
        assert self._proxied
        return _InlineTransaction(self, nested=True)

    async def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        execution_options: Any = None,
    ) -> CursorResult[Any]:
        return self._proxied.execute(statement, parameters, execution_options=execution_options)

    async def exec_driver_sql(
        self,
        statement: str,
        parameters: Any = None,
        execution_options: Any = None,
    ) -> CursorResult[Any]:
        return self._proxied.exec_driver_sql(statement, parameters, execution_options)

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        await self.close()


def _connection_free(connections: pool.Pool) -> bool:
    """Whether the pool holds an idle connection, which it gives without waiting.

    Making the first connection takes a lock that awaits (the dialect's first-connect
    setup), and a task may have to wait for the connection another holds: both
    go through the extension's greenlet.
    """
    return isinstance(connections, pool.QueuePool) and connections.checkedin() > 0


class InlineEngine(AsyncEngine):
    """An async engine over :class:`InlineSqliteDialect` (see :func:`inline_engine`)."""

    __slots__ = ()
    _connection_cls = _InlineConnection

    def execution_options(self, **options: Any) -> InlineEngine:
        return InlineEngine(self.sync_engine.execution_options(**options))


def inline_engine(engine: AsyncEngine) -> InlineEngine:
    """``engine`` (made by ``create_async_engine`` for an ``intake_inline`` URL),
    with its connections' and transactions' calls made inline."""
    assert engine.dialect.driver == DRIVER
    return InlineEngine(engine.sync_engine)


def is_file_database(url: URL) -> bool:
    """Whether ``url`` names a database file (not SQLite's in-memory database)."""
    return url.database not in (None, "", ":memory:") and url.query.get("mode") != "memory"


def register() -> None:
    """Make ``sqlite+intake_inline://`` URLs use :class:`InlineSqliteDialect`."""
    registry.register(f"sqlite.{DRIVER}", __name__, "InlineSqliteDialect")
