"""Starting and stopping ``intake serve`` as an operator does."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from tests.harness import RunningService


def _processes_in(folder: Path) -> list[str]:
    """Processes working in ``folder``: the service and what it started (they inherit it)."""
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if (process / "cwd").resolve() == folder.resolve():
                found.append((process / "cmdline").read_text().replace("\0", " ")[:80])
        except OSError:
            continue
    return found


def test_a_taken_smtp_port_stops_the_start_cleanly_and_frees_the_database(
    tmp_path: Path,
) -> None:
    """The operator reads why, no worker process is left behind, and a retry starts."""
    service = RunningService(tmp_path)
    try:
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", service.smtp_port))
            squatter.listen()
            with pytest.raises(RuntimeError, match="intake serve exited"):
                service.start(timeout=60)
            assert service.process is not None
            assert service.process.returncode != 0
            assert str(service.smtp_port) in service.output
            # No traceback through our code (the interpreter may note a signal that
            # came in as it exited; that one is not ours to show).
            assert not re.search(r'File "[^"]*/intake/', service.output), service.output
            # The fork server notices its parent's end by itself, within moments.
            deadline = time.monotonic() + 10
            while _processes_in(tmp_path) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _processes_in(tmp_path) == []
        # The database lock and the HTTP port were given back: the next start works.
        service.start(timeout=60)
        assert service.health()["status"] == "ok"
        assert service.stop() == 0
    finally:
        service.close()
