"""Acknowledgements through an SMTP relay that is down for a while: nothing lost, nothing twice."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.harness import RunningService, fixture_mail, free_port


class FlakyRelay:
    """A real SMTP relay that answers 451 to the first ``refusals`` messages."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.refused = 0
        self.delivered: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refused < self.refusals:
                self.refused += 1
                return "451 4.3.0 Relay busy, try later"
            self.delivered.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 2.0.0 Relayed"


@pytest.fixture
def relay() -> Iterator[tuple[FlakyRelay, int]]:
    handler = FlakyRelay(refusals=2)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_acknowledgements_wait_for_the_relay_and_go_out_once(
    tmp_path: Path, relay: tuple[FlakyRelay, int]
) -> None:
    handler, port = relay
    service = RunningService(
        tmp_path,
        INTAKE_NOW="2027-04-15T10:00:00+01:00",
        INTAKE_RELAY_HOST="127.0.0.1",
        INTAKE_RELAY_PORT=str(port),
        INTAKE_HEALTH_JOB_ATTEMPTS="2",
    )

    def failing() -> list[str]:
        return [p for p in service.health()["problems"] if p.startswith("job ack ")]

    try:
        service.start()
        service.send(fixture_mail("application-complete.eml"))
        # Refused twice: /healthz names the job retried that often, and why.
        [problem] = service.wait_for(failing, timeout=45, what="/healthz naming the ack")
        assert "has failed 2 times" in problem and "451" in problem
        service.wait_for(lambda: handler.delivered, timeout=45, what="the relay to take the mail")
        assert handler.refused == 2
        service.wait_for(lambda: service.health()["backlog"] == {}, what="an empty backlog")
        assert service.health()["status"] == "ok"  # sent at last: no longer failing
    finally:
        service.close()

    assert len(handler.delivered) == 1
    sender, recipients, content = handler.delivered[0]
    assert sender == "<>"  # RFC 3834: an automatic reply has an empty envelope sender
    # RFC 3834 §4: to the envelope sender (the harness's), not the From or Reply-To.
    assert recipients == ["applicant@example.org"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Auto-Submitted"] == "auto-replied"
    assert "[Ref KENT-2027-0001]" in message["Subject"]
    assert not (service.data_dir / "outbox").exists()
