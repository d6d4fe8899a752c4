"""Drill (issue #18): a flood of refusals from one client costs the log a few lines."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.harness import RunningService


def test_a_clients_refusals_past_the_first_few_are_summarised(tmp_path: Path) -> None:
    service = RunningService(tmp_path, INTAKE_SMTP_REFUSALS_LOGGED="3")
    try:
        service.start(timeout=60)
        for _ in range(6):
            with socket.create_connection(("127.0.0.1", service.smtp_port), timeout=10) as client:
                reader = client.makefile("rb")
                reader.readline()  # the greeting
                for _ in range(5):
                    client.sendall(b"RCPT TO:<bids@example.org>\r\n")  # no MAIL yet
                    assert reader.readline().startswith(b"503")
                client.sendall(b"QUIT\r\n")
                reader.readline()
        assert service.stop() == 0  # the minute under way is summarised as it stops
    finally:
        service.close()
    log = service.output
    assert log.count("refused RCPT TO:<bids@example.org> from 127.0.0.1") == 3
    assert "client 127.0.0.1: 27 more refusals of RCPT 503 in the last" in log
