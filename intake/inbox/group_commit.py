"""Group commit: accepted messages share one database transaction under load.

Each SMTP session waits for its message's row to be committed before it says
``250``. Committing one by one makes every session pay for a whole
transaction; here a session joins the next commit, and a commit takes every
message that arrived while the previous one was running. Nothing waits for a
batch to fill: with one sender, each message is its own batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from intake.inbox.spool import SpoolFile
from intake.store.incoming import IncomingMessage

Commit = Callable[[list[IncomingMessage]], Awaitable[list[tuple[str, bool]]]]


class GroupCommit:
    """Batches :class:`IncomingMessage` records into shared commits."""

    def __init__(self, commit: Commit, *, max_batch: int = 64) -> None:
        self._commit = commit
        self._max_batch = max_batch
        self._waiting: list[tuple[IncomingMessage, asyncio.Future[tuple[str, bool]]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.commits = 0

    async def accept(self, message: IncomingMessage) -> tuple[str, bool]:
        """The id the message is kept under and whether it is new, once committed.

        Raises whatever the commit raised; the caller answers ``451``.
        """
        future: asyncio.Future[tuple[str, bool]] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                results = await self._commit([message for message, _ in batch])
            except Exception as exc:  # noqa: BLE001 - every waiter gets the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.commits += 1
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class DatabaseRecorder:
    """A :class:`~intake.inbox.handler.Recorder` for a shared database (PostgreSQL): the
    message is committed to the spool, then its row, content included so that
    any node can parse it, joins the next group commit on the receiver's loop."""

    TIMEOUT = 120.0
    """Seconds a sender waits for the database before hearing ``451``."""

    def __init__(self, group: GroupCommit, loop: asyncio.AbstractEventLoop) -> None:
        self._group = group
        self._loop = loop

    def keep(self, message: IncomingMessage, file: SpoolFile) -> tuple[str, bool]:
        """Blocking, in a receiver thread: the file, then the row (waited for)."""
        try:
            file.commit(message.received_at)
            assert file.path is not None
            shared = replace(message, content=file.path.read_bytes())
            stored_id, new = asyncio.run_coroutine_threadsafe(
                self._group.accept(shared), self._loop
            ).result(timeout=self.TIMEOUT)
        except BaseException:
            file.abort()  # never answered 250: the sender sends it again
            raise
        if not new:  # the same delivery again: keep the first copy, drop this file
            file.abort()
        return stored_id, new
