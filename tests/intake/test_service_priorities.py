"""Who gets the CPU first under a burst: the SMTP receiver, then the service, then parsing.

Parsing is batch work that uses every CPU on deadline day; a sender's ``250``
(the receiver) and the bookkeeping behind cards and acknowledgements (the
service's loop) must not wait for a CPU behind it. An operator sees it in
``ps -o ni``: the receiver at the priority the service was started with, the
service process 5 below it, the parsing workers ``INTAKE_PARSE_NICENESS`` below
the service (by default beside it: further down, on a machine shared with other
work, they lost the CPU to it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.harness import RunningService


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _command(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _threads(pid: int) -> list[int]:
    return [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]


@pytest.mark.parametrize(("setting", "below_the_service"), [(None, 0), ("7", 7)])
def test_the_receiver_comes_first_then_the_service_and_the_parsing_workers(
    tmp_path: Path, setting: str | None, below_the_service: int
) -> None:
    env = {"INTAKE_PARSE_NICENESS": setting} if setting is not None else {}
    service = RunningService(tmp_path, INTAKE_WORKERS="2", **env)
    try:
        service.start()
        assert service.process is not None
        main = service.process.pid
        children = _children(main)
        receiver = next(pid for pid in children if b"spawn_main" in _command(pid))
        fork_server = next(pid for pid in children if b"forkserver" in _command(pid))
        workers = _children(fork_server)
        started_at = os.getpriority(os.PRIO_PROCESS, receiver)
        # Every thread of the service, the parsing pool's (started before it
        # stepped back) included.
        threads = _threads(main)
        assert len(threads) > 1
        assert {os.getpriority(os.PRIO_PROCESS, t) for t in threads} == {min(19, started_at + 5)}
        assert len(workers) == 2
        assert {os.getpriority(os.PRIO_PROCESS, pid) for pid in workers} == {
            min(19, started_at + 5 + below_the_service)
        }
    finally:
        service.close()
