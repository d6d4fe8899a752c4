"""Workers: claim jobs, run their handlers, retry what may succeed later.

Two lanes: ``message`` jobs (parsing, bounded by the parsing pool) and effect
jobs (cards, mails), so a burst of parsing never holds back the cards of bids
already read, and a Slack outage never holds back parsing.

The workers know no feature: the composition root gives them a handler for
each kind of job (:func:`runs`), which gets the job typed (:mod:`intake.jobs.kinds`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.errors import HeldBack, IntakeError
from intake.jobs.failures import FailureWatch, JobHealth
from intake.jobs.finishing import InHand, running
from intake.jobs.kinds import JobKind, MessageJob
from intake.jobs.waker import EFFECTS, MESSAGES, Waker
from intake.store import queue
from intake.store.queue import Job
from notifier.errors import NotifierError

Handler = Callable[[Job], Awaitable[None]]
"""Runs a claimed job (as stored); see :func:`runs`."""


class WorkerContext(Protocol):
    """What the workers need of the service: the queue's database, a name, a waker."""

    engine: AsyncEngine
    node: str
    waker: Waker


K = TypeVar("K", bound=JobKind)

MESSAGE_KINDS = (MessageJob.kind,)
MAX_BACKOFF = 300.0
MAX_ATTEMPTS_OF_A_BUG = 5

log = logging.getLogger("intake.jobs.worker")


def runs(kind: type[K], handler: Callable[[K], Awaitable[None]]) -> Handler:
    """The handler of a claimed job of ``kind``: its payload read into a ``kind``, then
    ``handler`` run with it: ``{CardJob.kind: runs(CardJob, partial(post_card, runtime))}``."""

    async def run(stored: Job) -> None:
        await handler(kind.from_stored(stored))

    return run


def backoff(attempts: int) -> float:
    """Seconds before the next try: 2, 4, 8 … up to five minutes."""
    return float(min(MAX_BACKOFF, 2 ** min(attempts, 12)))


class Workers:
    """The job-running tasks of one node."""

    def __init__(
        self,
        runtime: WorkerContext,
        handlers: Mapping[str, Handler],
        *,
        message_slots: int,
        effect_slots: int = 4,
        poll: float = 0.5,
        lease: float = 60.0,
        failures: FailureWatch | None = None,
    ) -> None:
        """``handlers`` maps each kind of job to what runs it; ``message`` jobs have
        their own lane of ``message_slots`` workers, the other kinds share one."""
        self.runtime = runtime
        self.handlers = dict(handlers)
        self.poll = poll
        self.lease = lease
        effect_kinds = tuple(kind for kind in self.handlers if kind not in MESSAGE_KINDS)
        self._lanes = [
            (MESSAGES, MESSAGE_KINDS, message_slots),
            (EFFECTS, effect_kinds, effect_slots),
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._heartbeat: asyncio.Task[None] | None = None
        self.handled = 0
        self.failures = failures or FailureWatch(JobHealth())
        """This node's failed runs, for ``/healthz`` and ``/metrics``."""

    async def start(self) -> None:
        """Take back work of dead processes of this host, then start the lanes."""
        await self._recover_dead_local_nodes()
        for lane, kinds, slots in self._lanes:
            for number in range(slots):
                name = f"{self.runtime.node}/{kinds[0]}-{number}"
                self._tasks.append(asyncio.create_task(self._run(lane, kinds, name), name=name))
        self._heartbeat = asyncio.create_task(self._beat(), name=f"{self.runtime.node}/heartbeat")

    async def _recover_dead_local_nodes(self) -> None:
        host = socket.gethostname()
        for node in await queue.holders(self.runtime.engine):
            node_host, _, pid = node.rpartition(":")
            if node_host == host and pid.isdigit() and not _alive(int(pid)):
                released = await queue.release(self.runtime.engine, worker_prefix=f"{node}/")
                log.info("took back %d jobs of stopped process %s", released, node)

    async def _beat(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.lease / 3)
            try:
                await queue.extend_leases(
                    self.runtime.engine, worker_prefix=f"{self.runtime.node}/", lease=self.lease
                )
            except (OperationalError, DBAPIError) as exc:
                log.warning("cannot extend leases (%s)", exc.__class__.__name__)

    async def stop(self, *, grace: float = 10.0) -> None:
        """Let running jobs finish (up to ``grace`` seconds), then cancel the rest.

        Cancelled jobs are given back, to run again on the next start or on
        another node; their handlers are idempotent.
        """
        self._stopping.set()
        self.runtime.waker.notify_all()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=grace)
        for task in pending:
            task.cancel()
        for task in [*pending, *([self._heartbeat] if self._heartbeat else [])]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Jobs cut short run again at once on the next start, not after their lease.
        await queue.release(self.runtime.engine, worker_prefix=f"{self.runtime.node}/")

    async def _run(self, lane: str, kinds: tuple[str, ...], name: str) -> None:
        engine = self.runtime.engine
        job: Job | None = None
        while not self._stopping.is_set():
            if job is None:
                try:
                    job = await queue.claim(engine, kinds=kinds, worker=name, lease=self.lease)
                except (OperationalError, DBAPIError) as exc:
                    log.warning("cannot claim work (%s); trying again", exc.__class__.__name__)
                    await asyncio.sleep(1.0)
                    continue
                if job is None:
                    await self.runtime.waker.wait(lane, self.poll)
                    continue
            in_hand = InHand(
                job=job,
                worker=name,
                kinds=kinds,
                lease=self.lease,
                claim_next=lambda: not self._stopping.is_set(),
            )
            if not await self._handle(job, name, in_hand):
                job = None
                continue
            if in_hand.finished:  # by the handler's last transaction, with the next claim
                finished, job = job, in_hand.next
            else:
                finished, job = job, await self._finish(job, name, kinds)
            self.handled += 1
            if kinds == MESSAGE_KINDS:
                self.runtime.waker.notify(EFFECTS, count=2)  # its card and acknowledgement
            elif job is not None and finished.chain is not None and job.chain != finished.chain:
                # The next of the finished job's chain is free to run now, and this
                # worker took something else: it may need someone else. (Had it
                # taken nothing, nothing could run; woken, others would find nothing.)
                self.runtime.waker.notify(EFFECTS)
            if job is None and not self._stopping.is_set():
                # Nothing could run when this job was finished: wait for a notice
                # (one sent meanwhile is remembered) rather than claim again now.
                await self.runtime.waker.wait(lane, self.poll)

    async def _finish(self, job: Job, name: str, kinds: tuple[str, ...]) -> Job | None:
        """Mark ``job`` done and, unless stopping, take the next one in the same commit."""
        engine = self.runtime.engine
        while True:
            try:
                if self._stopping.is_set():
                    await queue.finish(engine, job, worker=name)
                    return None
                return await queue.finish_and_claim(
                    engine, job, worker=name, kinds=kinds, lease=self.lease
                )
            except (OperationalError, DBAPIError) as exc:
                # Done but not yet marked so: keep trying, or it would run again.
                log.warning("cannot mark %s %s done (%s); trying again", job.kind, job.key, exc)
                await asyncio.sleep(1.0)

    async def _handle(self, job: Job, name: str, in_hand: InHand) -> bool:
        """Run ``job``'s handler; True when it succeeded (and is to be marked done,
        unless its last transaction did that already)."""
        undo = running(in_hand)
        try:
            await self.handlers[job.kind](job)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not in_hand.finished:
                return await self._failed(job, name, exc)
            # Its last transaction committed: done, and not to run again.
            log.exception("%s %s raised after it was done", job.kind, job.key)
        finally:
            undo()
        self.failures.succeeded(job.key)
        return True

    async def _failed(self, job: Job, name: str, raised: Exception) -> bool:
        """Deal with what ``job``'s handler ``raised``: hold, retry or fail the job; False."""
        engine = self.runtime.engine
        try:
            raise raised  # sorted by the clauses below
        except HeldBack as exc:
            # Not a failure: kept, visible, until an operator releases it.
            log.warning("%s %s held: %s", job.kind, job.key, exc)
            await queue.hold(engine, job, worker=name, reason=str(exc))
            return False
        except (NotifierError, IntakeError) as exc:
            self.failures.failed(job.kind, job.key, attempts=job.attempts, error=str(exc))
            if exc.transient:
                # Retried for as long as it takes: a card or alert waits out a Slack outage.
                delay = _wait_asked(exc) or backoff(job.attempts)
                log.warning("%s %s: %s; retrying in %.0f s", job.kind, job.key, exc, delay)
                await queue.retry_later(engine, job, worker=name, error=str(exc), delay=delay)
            else:
                log.error("%s %s failed: %s", job.kind, job.key, exc)
                await queue.fail(engine, job, worker=name, error=str(exc))
            return False
        except (OperationalError, DBAPIError) as exc:
            self.failures.failed(job.kind, job.key, attempts=job.attempts, error=str(exc))
            delay = backoff(job.attempts)
            log.warning("%s %s: database busy (%s); retrying", job.kind, job.key, exc)
            await queue.retry_later(engine, job, worker=name, error=str(exc), delay=delay)
            return False
        except Exception as exc:
            log.exception("%s %s raised", job.kind, job.key)
            error = f"{exc.__class__.__name__}: {exc}"
            self.failures.failed(job.kind, job.key, attempts=job.attempts, error=error)
            if job.attempts >= MAX_ATTEMPTS_OF_A_BUG:
                await queue.fail(engine, job, worker=name, error=error)
            else:
                await queue.retry_later(
                    engine, job, worker=name, error=error, delay=backoff(job.attempts)
                )
            return False


def _wait_asked(exc: Exception) -> float | None:
    """The wait the other side asked for (Slack's ``Retry-After``), if it asked."""
    wait = getattr(exc, "retry_after", None)
    return max(1.0, min(MAX_BACKOFF, float(wait))) if wait is not None else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
