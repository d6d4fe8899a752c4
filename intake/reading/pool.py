"""Parsing worker processes: CPU work off the event loop, with time and memory limits.

A persistent pool (spawning a worker costs ~0.45 s) of processes started by a
fork server, so they do not inherit the service's threads and sockets. Each
task has a deadline; a worker past it is killed and replaced, and a worker
that exceeds its address-space limit dies with MemoryError instead of taking
the machine with it.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from intake.errors import IntakeError

T = TypeVar("T")

TRIM_SLACK_MB = 8
"""Freed memory a worker may keep before it hands it back to the system (see :func:`_in_worker`)."""


class ParseFailed(IntakeError):
    """A document could not be parsed within the limits; ``reason`` is for officers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _prepare_worker(megabytes: int, niceness: int) -> None:
    """Limit the worker's memory, and lower its priority by ``niceness``.

    Parsing is batch work: under a deadline-day burst the workers run flat out,
    and a lower priority keeps the processes that answer SMTP clients and Slack
    from waiting behind them for a CPU (the service chooses how much lower).
    """
    # What the fork server loaded (the readers, lxml, pdfminer, tesseract's
    # bindings) lives as long as the worker: kept out of the collector's full
    # passes, which would walk it after every few documents (and, by touching
    # each object, copy the pages this worker shares with its siblings).
    gc.freeze()
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if niceness:
        os.nice(niceness)


_trim: Any = None
_kept_mb = 0


def _resident_mb() -> int:
    """This process's resident memory; 0 where ``/proc`` cannot tell (never trims)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)


def _in_worker(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, then the memory it freed handed back to the system.

    A document's buffers (the mail, its decoded attachment, a page rendered for
    OCR) are freed after it, but glibc keeps freed memory inside its heap for
    the next allocation: a worker's resident memory grew from 40 to 150–210 MB
    over its 200 documents in a 1,000-mail burst. ``malloc_trim`` returns the
    free pages; it costs milliseconds, so it runs only once a worker has grown
    :data:`TRIM_SLACK_MB` above where the last one left it.
    """
    global _trim, _kept_mb
    try:
        return function(*args)
    finally:
        if _trim is None:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _trim = getattr(libc, "malloc_trim", False)  # glibc only
        if _trim and _resident_mb() > _kept_mb + TRIM_SLACK_MB:
            _trim(0)
            _kept_mb = _resident_mb()


class ParsePool:
    """Runs pure parsing functions in worker processes."""

    def __init__(
        self,
        *,
        workers: int,
        timeout: float,
        memory_mb: int,
        niceness: int = 10,
        preload: Sequence[str] = (),
        waiting: int | None = None,
    ) -> None:
        """``preload`` names modules the fork server imports once, so that each
        new worker (at start, after a timeout, every ``max_tasks``) is a fork with
        them loaded instead of importing them again (~0.5 s of CPU each time).

        ``waiting`` documents (default: one per worker) may wait in the pool's
        pipe, so a worker that finishes one starts the next at once: handing
        it over from the event loop, behind the finished document's commits,
        left it idle for milliseconds a document. A document's time limit starts
        when a worker takes it, not while it waits.
        """
        self.workers = workers
        self.timeout = timeout
        context = multiprocessing.get_context("forkserver")
        if preload:
            context.set_forkserver_preload(list(preload))
        self._pool = ProcessPool(
            max_workers=workers,
            max_tasks=200,  # recycle workers: pdfminer and lxml keep caches
            initializer=_prepare_worker,
            initargs=(memory_mb, niceness),
            context=context,
        )
        self._slots = asyncio.Semaphore(workers + (workers if waiting is None else waiting))

    async def start(self) -> None:
        """Start the worker processes now, in a thread, rather than at the first document.

        The first start also starts the fork server, which imports the readers
        (about half a second): on the first document that happened on the
        service's event loop, under the first mail of a burst.
        """
        await asyncio.to_thread(lambda: self._pool.schedule(os.getpid).result(timeout=60))

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker; :class:`ParseFailed` if it overran or crashed."""
        async with self._slots:
            future = self._pool.schedule(_in_worker, args=(function, *args), timeout=self.timeout)
            try:
                return await asyncio.wrap_future(future)
            except FutureTimeout as exc:
                raise ParseFailed(
                    f"reading the file took longer than {self.timeout:g} seconds"
                ) from exc
            except MemoryError as exc:
                raise ParseFailed("reading the file needed more memory than allowed") from exc
            except ProcessExpired as exc:
                raise ParseFailed(
                    f"the reader stopped unexpectedly (exit code {exc.exitcode}); "
                    "the file may be damaged or built to exhaust memory"
                ) from exc
            except asyncio.CancelledError:
                future.cancel()
                raise

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=5)
