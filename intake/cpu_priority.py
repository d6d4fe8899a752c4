"""How the service's process steps back for the CPU, behind its SMTP receiver.

A thread's nice value is its own on Linux, and a new thread takes its
creator's. ``os.nice`` in the service's main thread left the threads started
before it (the parsing pool's, which hand documents to the workers and take
the results back) at the receiver's priority; every thread of the process is
changed here.

Tried and left (BENCHMARKS.md, issue 18): running the process as batch work
(``SCHED_BATCH``), so that its wake-ups wait for a scheduler tick instead of
preempting a parsing worker at once. The workers were preempted a fifth less
often, and the drain was no shorter over three deadline-day bursts each way.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def step_back(niceness: int, *, keep: int | None = None) -> None:
    """Lower every thread of this process by ``niceness`` (to 19 at most), but the
    one whose native id is ``keep``, if given."""
    for thread in _threads():
        if thread == keep:
            continue
        # A thread may end while we go through them: nothing to change then.
        with contextlib.suppress(ProcessLookupError):
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, current + niceness))


def _threads() -> list[int]:
    """This process's threads (their ids), or only the calling one where ``/proc`` is missing."""
    try:
        return [int(task.name) for task in Path("/proc/self/task").iterdir()]
    except OSError:
        return [0]
