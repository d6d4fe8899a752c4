"""How the service's process asks Linux for the CPU: behind its SMTP receiver, and
without cutting into the parsing workers at every wake-up.

The service's loop wakes about twenty times a mail under a burst (a reply from
the relay or Slack, a parsed document coming back, a timer), and does a little
work each time. Under the default policy each of those wake-ups takes a CPU from
a parsing worker at once: the workers were preempted about 240 times a second,
against 17 to 82 with nothing else running, and parsed slower for it (their
caches refilled after each). Under ``SCHED_BATCH`` Linux does not preempt a
running task when a batch task wakes; the service waits for the next scheduler
tick (4 ms at 250 Hz) or a free CPU, and handles what came meanwhile in one go.
The receiver, which answers senders, keeps the default policy and is not
affected; nor is anything the service does that a person waits on, for which a
few milliseconds more are nothing.

A thread's nice value and policy are its own on Linux, and a new thread takes
its creator's, so every thread of the process is changed, the ones started
before (the parsing pool's) included.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger("intake.cpu_priority")


def step_back(niceness: int, *, batch: bool) -> None:
    """Lower every thread of this process by ``niceness`` and, with ``batch``, give
    them the ``SCHED_BATCH`` policy. Where the system has no such policy (not Linux),
    only the nice value is lowered."""
    threads = _threads()
    for thread in threads:
        # A thread may end while we go through them: nothing to change then.
        with contextlib.suppress(ProcessLookupError):
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, current + niceness))
    if not batch or not hasattr(os, "SCHED_BATCH"):
        return
    for thread in threads:
        try:
            os.sched_setscheduler(thread, os.SCHED_BATCH, os.sched_param(0))
        except ProcessLookupError:
            continue
        except OSError as exc:  # a sandbox that forbids it: keep the default policy
            log.warning("cannot use the batch CPU policy (%s); keeping the default", exc)
            return


def _threads() -> list[int]:
    """This process's threads (their ids), or only this one where ``/proc`` is missing."""
    try:
        return [int(task.name) for task in Path("/proc/self/task").iterdir()]
    except OSError:
        return [0]
