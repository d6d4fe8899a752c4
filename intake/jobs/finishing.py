"""A job's last transaction: its own last writes, the job marked done and the
worker's next job claimed, committed together.

Each job of a mail (its reading, its card, its acknowledgement) ended with a
transaction of its own, then another that marked the job done and claimed the
next: two commits (two fsyncs under ``synchronous=FULL``) where one keeps every
promise. Marking the job done in the same transaction as its last write is
stronger, not weaker: the job is done exactly when what it did is stored.

A handler opens its last transaction with :func:`last_transaction` instead of
``engine.begin()``. Run by a worker, that transaction also finishes the job and
takes the worker's next one; run anywhere else (a command, a test calling the
handler), it is an ordinary transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.store import queue
from intake.store.queue import Job


@dataclass
class InHand:
    """The job a worker is running, and what its last transaction did with it."""

    job: Job
    worker: str
    kinds: tuple[str, ...]
    lease: float
    claim_next: Callable[[], bool]
    """Whether to take the next job (not while the workers stop)."""
    finished: bool = False
    """The job was marked done by the handler's last transaction, which committed."""
    next: Job | None = None
    """The job that transaction claimed for the worker, if any."""


_IN_HAND: ContextVar[InHand | None] = ContextVar("job_in_hand", default=None)


def running(in_hand: InHand) -> Callable[[], None]:
    """Mark ``in_hand`` as the job the current task runs; returns the undo."""
    token = _IN_HAND.set(in_hand)
    return lambda: _IN_HAND.reset(token)


@asynccontextmanager
async def last_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """``engine.begin()`` for a job's last writes: where a worker runs the job, the
    same transaction marks it done and claims the worker's next job.

    Nothing may be written for the job after it: once it commits, the job is
    done and will not run again. If it fails, nothing of it is stored and the
    job is retried as after any failure.
    """
    in_hand = _IN_HAND.get()
    if in_hand is not None and in_hand.finished:
        in_hand = None  # a second "last" transaction: an ordinary one
    claimed = None
    async with engine.begin() as connection:
        yield connection
        if in_hand is not None:
            claimed = await queue.finish_in(
                connection,
                in_hand.job,
                worker=in_hand.worker,
                kinds=in_hand.kinds if in_hand.claim_next() else (),
                lease=in_hand.lease,
            )
    if in_hand is not None:  # committed
        in_hand.finished, in_hand.next = True, claimed


def job_transaction(engine: AsyncEngine, *, last: bool) -> Any:
    """:func:`last_transaction` when ``last`` (the job's last act), else an ordinary
    ``engine.begin()``: for steps that end a job on some paths and not on others."""
    return last_transaction(engine) if last else engine.begin()
