"""A message arriving over SMTP, written and fingerprinted off the event loop.

The receiver's event loop reads every session's DATA. Writing each chunk to the
spool file and hashing it twice (the file's SHA-256 and the fingerprint) took
1.3 ms of the loop a mail under a burst, in every session's turn, and could wait
on the file system's journal while other threads fsync. Here the loop only
queues a chunk; one of the receiver's threads writes it, in order, while the
loop reads the next. hashlib and ``os.write`` let go of the GIL, so that work
runs beside the loop rather than in its turns.

Each message has at most one thread at work on it at a time, so its pieces stay
in order without a lock around the file. The last piece of work is keeping it
(:meth:`Incoming.finish`), after every byte is written. When a message's queue
holds more than :attr:`Incoming.HIGH_WATER` bytes the loop stops reading that
session until the thread catches up: the sender waits in TCP's flow control,
not in our memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TypeVar

from intake.fingerprint import Fingerprint
from intake.spool import SpoolFile

T = TypeVar("T")


class Incoming:
    """A message arriving: its spool file and its fingerprint, fed in a thread as data comes."""

    HIGH_WATER = 1024 * 1024
    """Bytes queued for one message before the loop waits for its thread."""

    def __init__(
        self,
        file: SpoolFile,
        fingerprint: Fingerprint,
        threads: Executor,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.file = file
        self.fingerprint = fingerprint
        self._threads = threads
        self._loop = loop
        self._lock = threading.Lock()
        self._work: deque[bytes | Callable[[], None]] = deque()
        self._queued = 0
        self._running = False
        self._failure: BaseException | None = None
        self._room: asyncio.Future[None] | None = None

    def write(self, data: bytes) -> asyncio.Future[None] | None:
        """Queue ``data`` (immutable: it is written later). Returns a future to
        await before writing more when the queue is full, else None."""
        if not data:
            return None
        with self._lock:
            self._work.append(data)
            self._queued += len(data)
            if self._queued > self.HIGH_WATER and self._room is None:
                self._room = self._loop.create_future()
            room = self._room
        self._start()
        return room

    def finish(self, keep: Callable[[], T]) -> Future[T]:
        """Run ``keep`` in a thread once every byte written so far is in the file.

        The future holds what ``keep`` returned, or what it raised; or the
        error that stopped the writing, in which case ``keep`` does not run.
        """
        outcome: Future[T] = Future()

        def run() -> None:
            if self._failure is not None:
                self.file.abort()
                outcome.set_exception(self._failure)
                return
            try:
                outcome.set_result(keep())
            except BaseException as exc:  # noqa: BLE001 - the caller's future carries it
                outcome.set_exception(exc)

        with self._lock:
            self._work.append(run)
        self._start()
        return outcome

    def abort(self) -> None:
        """Drop the message: data not yet written is forgotten, the file removed."""
        with self._lock:
            dropped = [item for item in self._work if not callable(item)]
            self._work = deque(item for item in self._work if callable(item))
            self._work.append(self.file.abort)
        for item in dropped:
            self._written(len(item))
        self._start()

    def _start(self) -> None:
        with self._lock:
            if self._running or not self._work:
                return
            self._running = True
        try:
            self._threads.submit(self._drain)
        except RuntimeError:  # the receiver is stopping: its threads take no more work
            self._drain()

    def _drain(self) -> None:
        """In a thread: do the queued work in order until there is none."""
        while True:
            with self._lock:
                if not self._work:
                    self._running = False
                    return
                item = self._work.popleft()
            if callable(item):
                item()
                continue
            if self._failure is None:
                try:
                    self.file.write(item)
                    self.fingerprint.feed(item)
                except BaseException as exc:  # noqa: BLE001 - reported by finish(): a 451
                    self._failure = exc
            self._written(len(item))

    def _written(self, size: int) -> None:
        with self._lock:
            self._queued -= size
            room = self._room
            if room is None or self._queued > self.HIGH_WATER // 2:
                return
            self._room = None
        self._loop.call_soon_threadsafe(_release, room)


def _release(room: asyncio.Future[None]) -> None:
    if not room.done():
        room.set_result(None)
