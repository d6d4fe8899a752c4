"""Stepping back for the CPU: every thread of the process, or all but one."""

from __future__ import annotations

import subprocess
import sys

_CHILD = """
import os, threading
from intake.cpu_priority import step_back

started, stop = threading.Event(), threading.Event()
other = []

def run():
    other.append(threading.get_native_id())
    started.set()
    stop.wait()

thread = threading.Thread(target=run)
thread.start()
started.wait()
main = threading.get_native_id()
before = os.getpriority(os.PRIO_PROCESS, main)
step_back(3, keep=main if KEEP else None)
print(os.getpriority(os.PRIO_PROCESS, main) - before,
      os.getpriority(os.PRIO_PROCESS, other[0]) - before)
stop.set()
"""


def _steps(*, keep: bool) -> list[int]:
    code = _CHILD.replace("KEEP", str(keep))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [int(step) for step in out.stdout.split()]


def test_every_thread_steps_back_the_ones_started_before_included() -> None:
    assert _steps(keep=False) == [3, 3]


def test_the_thread_kept_keeps_its_priority() -> None:
    assert _steps(keep=True) == [0, 3]
