"""What ``/healthz`` says of jobs: those overdue, those failing again and again.

A job that fails is retried with a back-off, so the backlog alone hides a
handler that fails every time (a poison payload, a relay refusing, a bug):
the queue stays short while nothing gets done. :class:`FailureWatch` keeps,
in memory, this node's failures over a window, which costs the database
nothing; :func:`job_problems` turns them and the oldest due job of each kind
into the sentences ``/healthz`` shows.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class JobHealth:
    """The bounds past which jobs make ``/healthz`` say degraded."""

    max_wait: float = 600.0
    """Seconds the oldest due job of a kind may wait to be started."""
    failures: int = 10
    """Failed runs of jobs (retried or given up) in :attr:`window`."""
    window: float = 600.0
    """Seconds over which failures are counted."""
    attempts: int = 5
    """Runs one job may have failed (it is being retried that often)."""


@dataclass(frozen=True, slots=True)
class Failure:
    at: float
    kind: str
    key: str
    attempts: int
    error: str


class FailureWatch:
    """This node's failed job runs over the last window, and the jobs retried most."""

    def __init__(self, health: JobHealth, *, now: Callable[[], float] = time.monotonic) -> None:
        self.health = health
        self.total = 0
        """Every failed run since the start (``/metrics``)."""
        self._recent: deque[Failure] = deque()
        self._retried: dict[str, Failure] = {}
        self._now = now

    def failed(self, kind: str, key: str, *, attempts: int, error: str) -> None:
        """A run of job ``key`` failed (its ``attempts``-th); it is retried or given up."""
        failure = Failure(self._now(), kind, key, attempts, error)
        self.total += 1
        self._recent.append(failure)
        if attempts >= self.health.attempts:
            self._retried[key] = failure
        self._forget()

    def succeeded(self, key: str) -> None:
        """Job ``key`` ran to the end: it no longer counts as retried."""
        self._retried.pop(key, None)

    def recent(self) -> int:
        """Failed runs within the window."""
        self._forget()
        return len(self._recent)

    def problems(self) -> list[str]:
        """What is failing, for ``/healthz``: empty while all is well."""
        self._forget()
        found = []
        if len(self._recent) >= self.health.failures:
            kinds = sorted({f.kind for f in self._recent})
            last = self._recent[-1]
            found.append(
                f"{len(self._recent)} job runs failed in the last {self.health.window:.0f} s "
                f"({', '.join(kinds)}); last: {last.kind} {last.key}: {last.error[:200]}"
            )
        for failure in sorted(self._retried.values(), key=lambda f: -f.attempts)[:5]:
            found.append(
                f"job {failure.kind} {failure.key} has failed {failure.attempts} times: "
                f"{failure.error[:200]}"
            )
        return found

    def _forget(self) -> None:
        horizon = self._now() - self.health.window
        while self._recent and self._recent[0].at < horizon:
            self._recent.popleft()
        # A job retried long ago and not seen since finished elsewhere or was given up.
        for key in [k for k, f in self._retried.items() if f.at < horizon - MAX_RETRY_GAP]:
            del self._retried[key]


MAX_RETRY_GAP = 300.0
"""The longest back-off between two runs of a job (:data:`intake.jobs.worker.MAX_BACKOFF`):
a retried job not seen failing for longer than that plus the window is forgotten."""


def overdue(oldest: Mapping[str, datetime], *, now: datetime, max_wait: float) -> dict[str, float]:
    """Seconds each kind's oldest due job has waited, for kinds waiting over ``max_wait``."""
    waits = {kind: (now - due).total_seconds() for kind, due in oldest.items()}
    return {kind: wait for kind, wait in waits.items() if wait > max_wait}


def overdue_problems(waits: Mapping[str, float], *, max_wait: float) -> list[str]:
    """The sentences for :func:`overdue`'s kinds."""
    return [
        f"the oldest {kind} job has waited {wait:.0f} s to run (bound {max_wait:.0f} s)"
        for kind, wait in sorted(waits.items())
    ]
