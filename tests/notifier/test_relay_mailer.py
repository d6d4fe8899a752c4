"""Sending through a real SMTP server: empty envelope sender, and errors that say what to do."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from notifier.ack import build_acknowledgement
from notifier.errors import NotifierError, RelayError
from notifier.mailer import RelayMailer
from notifier.model import Acknowledgement, BidSummary


@dataclass
class RecordingHandler:
    """Accepts mail and keeps each envelope; or answers ``reply`` at RCPT or DATA."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    envelopes: list[Envelope] = field(default_factory=list)
    noops: int = 0

    async def handle_NOOP(
        self, server: SMTP, session: Session, envelope: Envelope, arg: str
    ) -> str:
        self.noops += 1
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[Callable[..., tuple[RecordingHandler, int]]]:
    """Start a real SMTP server on loopback with a recording handler; stopped afterwards."""
    controllers: list[Controller] = []

    def start(port: int | None = None, **replies: Any) -> tuple[RecordingHandler, int]:
        handler = RecordingHandler(**replies)
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return handler, port

    start.controllers = controllers  # type: ignore[attr-defined] - a test may stop one
    yield start
    for controller in controllers:
        with contextlib.suppress(AssertionError, RuntimeError):  # stopped by the test
            controller.stop()


def acknowledgement(make_bid: Callable[..., BidSummary]) -> Any:
    return build_acknowledgement(
        Acknowledgement(
            bid=make_bid(),
            to="Jo Bloggs <jo@medwayyouth.example>",
            from_addr="Kent OPCC Commissioning <safer-in-kent@bids.example.org>",
            their_subject="Application form",
            their_message_id="<m1@mail.medwayyouth.example>",
            message_id="<ack.1@bids.example.org>",
        ),
        now=datetime(2027, 5, 4, 13, 6, tzinfo=UTC),
    )


async def test_acknowledgement_goes_out_with_an_empty_envelope_sender(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    handler, port = relay()
    await send_once(RelayMailer("127.0.0.1", port, timeout=5), acknowledgement(make_bid))

    (envelope,) = handler.envelopes
    # MAIL FROM:<> (RFC 3834): bounces of an acknowledgement go nowhere.
    assert envelope.mail_from == "<>"
    assert envelope.rcpt_tos == ["jo@medwayyouth.example"]
    content = envelope.original_content or b""
    assert b"Message-ID: <ack.1@bids.example.org>" in content
    assert b"Auto-Submitted: auto-replied" in content
    assert b"[Ref SIK-2027-0042]" in content


async def test_a_relay_without_tls_is_used_plainly_when_tls_is_not_wanted(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    handler, port = relay()
    await send_once(
        RelayMailer("127.0.0.1", port, timeout=5, starttls=False), acknowledgement(make_bid)
    )
    assert len(handler.envelopes) == 1


async def send_once(mailer: RelayMailer, message) -> None:
    """One mail, and the connection closed (the service closes its mailer on stop)."""
    await send_in_turn(mailer, [message])


async def send_in_turn(mailer: RelayMailer, messages: Iterable[Any]) -> None:
    """Each mail as soon as the one before it went, then the connection closed."""
    try:
        for message in messages:
            await mailer.send(message)
    finally:
        await mailer.close()


async def test_a_4xx_answer_is_transient(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    _, port = relay(rcpt_reply="451 4.3.0 Try again later")
    with pytest.raises(RelayError) as caught:
        await send_once(RelayMailer("127.0.0.1", port, timeout=5), acknowledgement(make_bid))
    assert caught.value.transient
    assert caught.value.smtp_code == 451
    assert "451" in str(caught.value)


async def test_a_5xx_answer_is_permanent(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    _, port = relay(rcpt_reply="550 5.1.1 No such user")
    with pytest.raises(RelayError) as caught:
        await send_once(RelayMailer("127.0.0.1", port, timeout=5), acknowledgement(make_bid))
    assert not caught.value.transient
    assert caught.value.smtp_code == 550
    assert "No such user" in str(caught.value)


async def test_a_refusal_of_the_data_is_mapped_too(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    _, port = relay(data_reply="554 5.7.1 Message rejected as spam")
    with pytest.raises(RelayError) as caught:
        await send_once(RelayMailer("127.0.0.1", port, timeout=5), acknowledgement(make_bid))
    assert not caught.value.transient
    assert caught.value.smtp_code == 554

    _, port = relay(data_reply="452 4.3.1 Insufficient system storage")
    with pytest.raises(RelayError) as caught:
        await send_once(RelayMailer("127.0.0.1", port, timeout=5), acknowledgement(make_bid))
    assert caught.value.transient


async def test_a_relay_that_is_down_is_transient(make_bid: Callable[..., BidSummary]) -> None:
    with pytest.raises(RelayError) as caught:
        await RelayMailer("127.0.0.1", free_port(), timeout=2).send(acknowledgement(make_bid))
    assert caught.value.transient
    assert isinstance(caught.value, NotifierError)


async def test_insisting_on_starttls_with_a_relay_that_lacks_it_is_permanent(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    handler, port = relay()
    with pytest.raises(RelayError) as caught:
        await send_once(
            RelayMailer("127.0.0.1", port, timeout=5, starttls=True), acknowledgement(make_bid)
        )
    assert not caught.value.transient
    assert "STARTTLS" in str(caught.value)
    assert handler.envelopes == []


async def test_a_burst_of_mail_goes_over_one_connection(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    handler, port = relay()
    mailer = RelayMailer("127.0.0.1", port, timeout=5)
    await send_in_turn(mailer, (acknowledgement(make_bid) for _ in range(20)))
    assert len(handler.envelopes) == 20
    assert mailer.connections == 1
    assert handler.noops == 0  # each mail follows the last at once: no check between them


async def test_a_connection_kept_a_while_is_checked_before_it_is_used(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    handler, port = relay()
    mailer = RelayMailer("127.0.0.1", port, timeout=5, trusted_seconds=0)
    await send_in_turn(mailer, (acknowledgement(make_bid) for _ in range(3)))
    assert len(handler.envelopes) == 3
    assert (mailer.connections, handler.noops) == (1, 2)


async def test_a_connection_the_relay_closed_is_replaced_and_nothing_is_lost(
    relay: Callable[..., tuple[RecordingHandler, int]], make_bid: Callable[..., BidSummary]
) -> None:
    first, port = relay()
    mailer = RelayMailer("127.0.0.1", port, timeout=5)
    try:
        await mailer.send(acknowledgement(make_bid))
        # The relay restarts (or drops idle clients): the kept connection is dead.
        relay.controllers[0].stop()  # type: ignore[attr-defined]
        second, _ = relay(port=port)
        # Used a moment ago, it is trusted without a NOOP; the mail fails on it and
        # goes again at once on a new connection, in this one call.
        await mailer.send(acknowledgement(make_bid))
    finally:
        await mailer.close()
    assert len(first.envelopes) == 1 and len(second.envelopes) == 1
    assert mailer.connections == 2
