"""The work queue: rows in our own table, claimed with a lease.

One statement claims a job: ``UPDATE jobs … WHERE id = (SELECT … FOR UPDATE
SKIP LOCKED) RETURNING …`` (SQLite has no lock clause; its IMMEDIATE
transactions serialise writers instead). A worker that dies loses its lease
and another takes the job. Jobs in the same ``chain`` run in the order they
were queued (a card is posted before it is updated; acknowledgements go out
in order), each only after the one before it has finished.

Leases use real time, never the rehearsal clock of ``INTAKE_NOW``.

The queue knows no kind of job: it stores whatever is :class:`Queueable` (the
service's kinds are in :mod:`intake.jobs.kinds`) and hands back a :class:`Job`
as stored, which the worker reads back into its kind.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from intake.store.engine import insert_ignoring_duplicates, is_postgres, reading
from intake.store.schema import jobs

FINISHED = ("done", "failed")
UNFINISHED = ("pending", "running")


def real_now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)


Payload = dict[str, Any]
"""A job's data as stored: a JSON object."""


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed job, as stored (:mod:`intake.jobs.kinds` reads its payload)."""

    id: int
    kind: str
    key: str
    payload: Payload
    attempts: int
    chain: str | None = None


class Queueable(Protocol):
    """A job to queue, whatever its kind (:mod:`intake.jobs.kinds` defines the service's)."""

    @property
    def kind(self) -> str: ...

    @property
    def key(self) -> str:
        """Unique: a job whose key is queued already is not queued again."""
        ...

    @property
    def chain(self) -> str | None:
        """Jobs of one chain run one at a time, in the order they were queued."""
        ...

    def payload(self) -> Payload: ...


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job of any kind, spelled out (for tools and tests; the service uses its kinds)."""

    kind: str
    key: str
    data: Payload = field(default_factory=dict)
    chain: str | None = None

    def payload(self) -> Payload:
        return self.data


async def enqueue(connection: AsyncConnection, job: Queueable, *, delay: float = 0.0) -> bool:
    """Queue ``job`` unless one with its key exists; True when it was queued now."""
    now = real_now()
    result = await connection.execute(
        insert_ignoring_duplicates(connection, jobs, ["key"]),
        _row(job, now, run_after=now + timedelta(seconds=delay)),
    )
    return bool(result.rowcount)


async def enqueue_many(
    connection: AsyncConnection, batch: Sequence[Queueable], *, now: datetime | None = None
) -> None:
    """Queue several jobs at once, skipping any whose key exists."""
    now = now or real_now()
    await connection.execute(
        insert_ignoring_duplicates(connection, jobs, ["key"]),
        [_row(job, now, run_after=now) for job in batch],
    )


def _row(job: Queueable, now: datetime, *, run_after: datetime) -> dict[str, Any]:
    return {
        "kind": job.kind,
        "key": job.key,
        "chain": job.chain,
        "payload": job.payload(),
        "state": "pending",
        "attempts": 0,
        "run_after": run_after,
        "created_at": now,
    }


async def claim(
    engine: AsyncEngine, *, kinds: Iterable[str], worker: str, lease: float
) -> Job | None:
    """Take the oldest runnable job of ``kinds``, or None when there is none."""
    async with engine.begin() as connection:
        return await _claim_in(connection, tuple(kinds), worker=worker, lease=lease)


async def finish_and_claim(
    engine: AsyncEngine, job: Job, *, worker: str, kinds: Iterable[str], lease: float
) -> Job | None:
    """Mark ``job`` done and take the next job of ``kinds``, in one transaction.

    A busy worker commits once per job instead of twice; the finished job's
    chain successor may be the one it takes.
    """
    async with engine.begin() as connection:
        return await finish_in(connection, job, worker=worker, kinds=kinds, lease=lease)


async def finish_in(
    connection: AsyncConnection, job: Job, *, worker: str, kinds: Iterable[str], lease: float
) -> Job | None:
    """Mark ``job`` done and take the next job of ``kinds`` (none when empty) in the
    caller's transaction, which may also hold the job's own last writes."""
    await connection.execute(_FINISH, {"job": job.id, "worker": worker, "now": real_now()})
    wanted = tuple(kinds)
    return await _claim_in(connection, wanted, worker=worker, lease=lease) if wanted else None


async def _claim_in(
    connection: AsyncConnection, kinds: tuple[str, ...], *, worker: str, lease: float
) -> Job | None:
    now = real_now()
    statement = _claim_statement(kinds, postgres=is_postgres(connection))
    row = (
        await connection.execute(
            statement, {"now": now, "until": now + timedelta(seconds=lease), "worker": worker}
        )
    ).first()
    if row is None:
        return None
    return Job(
        id=row.id,
        kind=row.kind,
        key=row.key,
        payload=row.payload,
        attempts=row.attempts,
        chain=row.chain,
    )


@functools.cache
def _claim_statement(kinds: tuple[str, ...], *, postgres: bool) -> Any:
    """The claim for ``kinds``, built once: building and keying a statement of this
    size costs more than running it. Its kinds and states are written into its
    SQL, not passed as lists: SQLAlchemy renders a statement again for every run
    that has a list to expand (two fifths of a claim's CPU under a burst).

    Each kind's next due job comes from a walk of ``ix_jobs_due`` that stops at
    the first job whose chain lets it run; an expired lease from
    ``ix_jobs_lease``. The earliest of those few is taken. (Gathering every
    pending job and sorting them cost milliseconds per claim under a burst, in
    the write transaction the SMTP receiver waits for.)
    """
    now = bindparam("now", type_=jobs.c.run_after.type)
    earlier = aliased(jobs)
    # An unfinished job earlier in the chain: a seek in ix_jobs_chain_open
    # (chain, state, id). With ``NOT IN`` the finished states, SQLite walked
    # every earlier job instead, and a channel's chain holds years of cards.
    blocked = exists().where(
        and_(
            earlier.c.chain == jobs.c.chain,
            earlier.c.state.in_([_constant(state) for state in UNFINISHED]),
            earlier.c.id < jobs.c.id,
        )
    )
    branches = [
        select(jobs.c.id, jobs.c.run_after.label("due"))
        .where(
            jobs.c.kind == _constant(kind),
            jobs.c.state == _constant("pending"),
            jobs.c.run_after <= now,
            or_(jobs.c.chain.is_(None), ~blocked),
        )
        .order_by(jobs.c.run_after, jobs.c.id)
        .limit(1)
        for kind in kinds
    ]
    # A dead node's job competes as due when it was first due, not when its lease
    # ran out: it goes before what was queued after it, so the node's work moves
    # on as soon as a worker is free rather than behind the whole backlog.
    branches.append(
        select(jobs.c.id, jobs.c.run_after.label("due"))
        .where(
            jobs.c.state == _constant("running"),
            jobs.c.locked_until < now,
            jobs.c.kind.in_([_constant(kind) for kind in kinds]),
        )
        .order_by(jobs.c.locked_until)
        .limit(1)
    )
    if postgres:
        branches = [b.with_for_update(skip_locked=True) for b in branches]
    # SQLite takes no LIMIT inside a compound select's members: each is a subquery.
    wrapped = [select(*b.subquery().c) for b in branches]
    due = union_all(*wrapped).subquery("due")
    candidate = select(due.c.id).order_by(due.c.due, due.c.id).limit(1).scalar_subquery()
    return (
        update(jobs)
        .where(jobs.c.id == candidate)
        .values(
            state="running",
            attempts=jobs.c.attempts + 1,
            locked_until=bindparam("until", type_=jobs.c.locked_until.type),
            locked_by=bindparam("worker", type_=jobs.c.locked_by.type),
        )
        .returning(
            jobs.c.id, jobs.c.kind, jobs.c.key, jobs.c.payload, jobs.c.attempts, jobs.c.chain
        )
    )


def _constant(value: str) -> Any:
    """``value``, one of our own state or kind names, written into the statement."""
    if not (value.isascii() and value.replace("_", "").isalnum()):
        raise ValueError(f"not a name: {value!r}")
    return literal_column(f"'{value}'")


async def finish(engine: AsyncEngine, job: Job, *, worker: str) -> None:
    """Mark a job done (only if this worker still holds it)."""
    async with engine.begin() as connection:
        await connection.execute(_FINISH, {"job": job.id, "worker": worker, "now": real_now()})


_FINISH = (
    update(jobs)
    .where(
        jobs.c.id == bindparam("job"),
        jobs.c.locked_by == bindparam("worker"),
        jobs.c.state == "running",
    )
    .values(
        state="done",
        finished_at=bindparam("now", type_=jobs.c.finished_at.type),
        locked_until=None,
        last_error=None,
    )
)
"""Built once, as the claim is: every job ends with it."""


async def retry_later(
    engine: AsyncEngine, job: Job, *, worker: str, error: str, delay: float
) -> None:
    """Give a job back to run again after ``delay`` seconds."""
    async with engine.begin() as connection:
        await connection.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.locked_by == worker)
            .values(
                state="pending",
                run_after=real_now() + timedelta(seconds=delay),
                locked_until=None,
                last_error=error[:2000],
            )
        )


async def hurry(engine: AsyncEngine, chains: Iterable[str]) -> int:
    """Let the waiting jobs of ``chains`` run now (what they waited for has come); how many."""
    wanted = list(chains)
    if not wanted:
        return 0
    async with engine.begin() as connection:
        result = await connection.execute(
            update(jobs)
            .where(jobs.c.chain.in_(wanted), jobs.c.state == "pending")
            .values(run_after=real_now())
        )
    return int(result.rowcount or 0)


async def fail(engine: AsyncEngine, job: Job, *, worker: str, error: str) -> None:
    """Stop trying a job; it stays visible with its error for an operator."""
    async with engine.begin() as connection:
        await connection.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.locked_by == worker)
            .values(
                state="failed", finished_at=real_now(), locked_until=None, last_error=error[:2000]
            )
        )


async def backlog(engine: AsyncEngine, kinds: Iterable[str] = ()) -> dict[str, int]:
    """Unfinished jobs by kind (for ``/healthz`` and ``/metrics``); only ``kinds`` when given.

    With ``kinds`` each is counted by a seek in ``ix_jobs_due`` (kind, state):
    the cost is today's backlog, whatever the million jobs finished over the
    years (without them, SQLite's planner read every job's entry).
    """
    query = select(jobs.c.kind, func.count()).where(jobs.c.state.in_(UNFINISHED))
    wanted = list(kinds)
    if wanted:
        query = query.where(jobs.c.kind.in_(wanted))
    async with reading(engine) as connection:
        rows = await connection.execute(query.group_by(jobs.c.kind))
        return {kind: count for kind, count in rows}


async def failed_count(engine: AsyncEngine) -> int:
    async with reading(engine) as connection:
        return int(
            (
                await connection.execute(select(func.count()).where(jobs.c.state == "failed"))
            ).scalar_one()
        )


async def extend_leases(engine: AsyncEngine, *, worker_prefix: str, lease: float) -> int:
    """Keep this node's running jobs leased while it is alive (a heartbeat)."""
    async with engine.begin() as connection:
        result = await connection.execute(
            update(jobs)
            .where(jobs.c.state == "running", jobs.c.locked_by.startswith(worker_prefix))
            .values(locked_until=real_now() + timedelta(seconds=lease))
        )
        return int(result.rowcount or 0)


async def release(engine: AsyncEngine, *, worker_prefix: str) -> int:
    """Give back every job held by workers whose names start with ``worker_prefix``.

    Used on a clean stop (jobs cut short run again at once on the next start)
    and at start for the leases of a dead process of this host, so a restart
    after ``kill -9`` does not wait for their leases to expire.
    """
    async with engine.begin() as connection:
        result = await connection.execute(
            update(jobs)
            .where(jobs.c.state == "running", jobs.c.locked_by.startswith(worker_prefix))
            .values(state="pending", locked_until=None, locked_by=None, run_after=real_now())
        )
        return int(result.rowcount or 0)


async def holders(engine: AsyncEngine) -> set[str]:
    """The node part (``host:pid``) of every worker holding a job."""
    async with reading(engine) as connection:
        rows = await connection.execute(
            select(jobs.c.locked_by).where(jobs.c.state == "running").distinct()
        )
        return {str(name).split("/", 1)[0] for (name,) in rows if name}


async def mark_done(connection: AsyncConnection, keys: Sequence[str], *, at: datetime) -> int:
    """Mark the jobs ``keys`` done, whoever holds them; how many.

    For bringing in work finished elsewhere (history imported from another
    system, a benchmark's years of it): the service's workers use :func:`finish`.
    """
    total = 0
    for start in range(0, len(keys), 500):  # SQLite takes a bounded number of parameters
        result = await connection.execute(
            update(jobs)
            .where(jobs.c.key.in_(list(keys[start : start + 500])))
            .values(state="done", finished_at=at, locked_until=None)
        )
        total += int(result.rowcount or 0)
    return total


async def oldest_due(engine: AsyncEngine, kinds: Iterable[str]) -> dict[str, datetime]:
    """Since when the longest-waiting runnable job of each kind has been due (kinds with
    none are left out), for ``/healthz``.

    One ``MIN(run_after)`` per kind over ``ix_jobs_due`` (kind, state,
    run_after): each reads a single index entry, however long the backlog. A job
    waiting out a retry's back-off is not due until then, so it does not count.
    """
    wanted = list(kinds)
    if not wanted:
        return {}
    statement = _oldest_statement(tuple(wanted))
    async with reading(engine) as connection:
        row = (await connection.execute(statement)).one()
    return {kind: when for kind, when in zip(wanted, row, strict=True) if when is not None}


@functools.cache
def _oldest_statement(kinds: tuple[str, ...]) -> Any:
    return select(
        *(
            select(func.min(jobs.c.run_after))
            .where(jobs.c.kind == kind, jobs.c.state == "pending")
            .scalar_subquery()
            .label(f"k{number}")
            for number, kind in enumerate(kinds)
        )
    )


HELD = "held"
"""A job's state while it waits for an operator (a sender over its hourly limit)."""


@dataclass(frozen=True, slots=True)
class HeldJob:
    """A job kept back until an operator releases it, with why."""

    id: int
    kind: str
    key: str
    chain: str | None
    payload: Payload
    reason: str
    since: datetime


async def hold(engine: AsyncEngine, job: Job, *, worker: str, reason: str) -> None:
    """Keep ``job`` back, with ``reason``, until :func:`release_held` (an operator)."""
    async with engine.begin() as connection:
        await connection.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.locked_by == worker)
            .values(state=HELD, finished_at=real_now(), locked_until=None, last_error=reason[:2000])
        )


async def held_count(engine: AsyncEngine) -> int:
    """How many jobs are held (a seek in ``ix_jobs_lease``, whose first column is the state)."""
    async with reading(engine) as connection:
        return int(
            (
                await connection.execute(select(func.count()).where(jobs.c.state == HELD))
            ).scalar_one()
        )


async def held_jobs(engine: AsyncEngine, *, limit: int = 1000) -> list[HeldJob]:
    """The held jobs, oldest first."""
    async with reading(engine) as connection:
        rows = await connection.execute(
            select(
                jobs.c.id,
                jobs.c.kind,
                jobs.c.key,
                jobs.c.chain,
                jobs.c.payload,
                jobs.c.last_error,
                jobs.c.finished_at,
            )
            .where(jobs.c.state == HELD)
            .order_by(jobs.c.id)
            .limit(limit)
        )
        return [
            HeldJob(
                id=row.id,
                kind=row.kind,
                key=row.key,
                chain=row.chain,
                payload=row.payload,
                reason=row.last_error or "",
                since=row.finished_at,
            )
            for row in rows
        ]


async def release_held(engine: AsyncEngine, key: str, *, mark: Payload) -> bool:
    """Let the held job ``key`` run now, ``mark`` added to its payload (so that it is not
    held again for the same reason); False when no such job is held."""
    async with engine.begin() as connection:
        row = (
            await connection.execute(
                select(jobs.c.payload).where(jobs.c.key == key, jobs.c.state == HELD)
            )
        ).first()
        if row is None:
            return False
        await connection.execute(
            update(jobs)
            .where(jobs.c.key == key, jobs.c.state == HELD)
            .values(
                state="pending",
                payload={**row.payload, **mark},
                run_after=real_now(),
                finished_at=None,
                last_error=None,
            )
        )
    return True


async def chain_done_since(
    engine: AsyncEngine, chain: str, since: datetime, *, at_most: int
) -> int:
    """How many jobs of ``chain`` finished since ``since``, counting no further than
    ``at_most`` (enough to tell a limit is reached).

    Read from the chain's last ``at_most`` done jobs, newest first, in
    ``ix_jobs_chain_open`` (chain, state, id): the cost is bounded by
    ``at_most``, however many jobs the chain has finished over the years, and
    nothing is written.
    """
    async with reading(engine) as connection:
        found = await connection.execute(
            _CHAIN_DONE_SINCE, {"chain": chain, "since": since, "at_most": at_most}
        )
        return int(found.scalar_one())


def _chain_done_since() -> Any:
    """Built once, as the claim is: every mail of a limited sender is counted with it."""
    last = (
        select(jobs.c.finished_at)
        .where(jobs.c.chain == bindparam("chain"), jobs.c.state == "done")
        .order_by(jobs.c.id.desc())
        .limit(bindparam("at_most", type_=Integer))
        .subquery()
    )
    since = bindparam("since", type_=jobs.c.finished_at.type)
    return select(func.count()).select_from(last).where(last.c.finished_at >= since)


_CHAIN_DONE_SINCE = _chain_done_since()
