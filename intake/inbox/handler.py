"""The SMTP receiver: only the funds' inboxes, and nothing acknowledged before it is safe.

:class:`~intake.inbox.protocol.IntakeSMTP` speaks the protocol and writes DATA to
the spool as it arrives; this module is its handler, given an
:class:`~intake.inbox.envelope.IntakeEnvelope`. ``RCPT`` accepts only
configured inbox addresses. ``DATA`` has its :class:`Recorder` make the message
durable (the spool file and its envelope, each fsynced with its folder: the
accept journal on SQLite, a committed database row on PostgreSQL) before
answering ``250``; any failure of ours answers ``451 4.3.0`` so the sender
retries, never a ``5xx`` that would bounce an applicant's mail for good, and
never our internal error text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session

from intake.clock import Clock
from intake.config.model import Config, Fund
from intake.inbox.addresses import address_problem
from intake.inbox.envelope import Answer, Incoming, IntakeEnvelope
from intake.inbox.fingerprint import Fingerprint
from intake.inbox.replies import (
    NESTED_MAIL,
    NO_SUCH_MAILBOX,
    ONE_OFFICE_PER_MESSAGE,
    RECIPIENT_OK,
    RELAYING_DENIED,
    SENDER_OK,
    TEMPORARY_FAILURE,
    TOO_MANY_RECIPIENTS,
    Reply,
    queued_as,
)
from intake.inbox.spool import Spool, SpoolFile
from intake.inbox.trace import protocol_name, received_header
from intake.store.incoming import IncomingMessage

log = logging.getLogger("intake.inbox.handler")


class Recorder(Protocol):
    """Makes an accepted message durable before the sender hears ``250``."""

    def keep(self, message: IncomingMessage, file: SpoolFile) -> tuple[str, bool]:
        """Commit ``file`` (or drop it, for a copy already kept) and record ``message``.

        Returns the id the message is kept under and whether it is new: a second
        delivery of a message already stored is not. Blocking: it runs in one of
        the receiver's threads, and on failure leaves no committed envelope.
        """
        ...


class IntakeHandler:
    """The hooks of :class:`~intake.inbox.protocol.IntakeSMTP`'s sessions: recipients by
    the configuration, messages from the spool made durable, then answered."""

    def __init__(
        self,
        *,
        config: Config,
        spool: Spool,
        recorder: Recorder,
        clock: Clock,
        max_recipients: int = 20,
        node: str | None = None,
        on_accept: Callable[[], None] = lambda: None,
        threads: int = 32,
    ) -> None:
        """``threads``: messages made durable at once (concurrent fsyncs share the
        file system's journal commits, so every session can have one)."""
        self.config = config
        self.node = node
        self.max_recipients = max_recipients
        self.spool = spool
        self.recorder = recorder
        self.clock = clock
        self.on_accept = on_accept
        self.storing = 0
        """Messages being made durable now: a stopping receiver waits for them."""
        self._domains = {f.inbox.rsplit("@", 1)[1] for f in config.funds}
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="spool")
        self.accepted = 0

    def close(self) -> None:
        """Wait for messages still being made durable, then let the threads go."""
        self._threads.shutdown(wait=True)

    async def handle_MAIL(  # noqa: N802 - aiosmtpd finds hooks by this name
        self,
        server: SMTP,
        session: Session,
        envelope: IntakeEnvelope,
        address: str,
        mail_options: list[str],
    ) -> Reply:
        """The sender, refused at once when it could not be recorded as it came."""
        problem = address_problem(address, verb="MAIL", smtputf8=envelope.smtp_utf8)
        if problem is not None:
            return problem
        if envelope.mail_from:  # aiosmtpd checks this too, before its hook; kept for safety
            return NESTED_MAIL
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return SENDER_OK

    async def handle_RCPT(  # noqa: N802 - aiosmtpd finds hooks by this name
        self,
        server: SMTP,
        session: Session,
        envelope: IntakeEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> Reply:
        address = address.strip()
        problem = address_problem(address, verb="RCPT", smtputf8=envelope.smtp_utf8)
        if problem is not None:
            return problem
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return TOO_MANY_RECIPIENTS
        fund = self._fund_of(address)
        if fund is None:
            domain = address.rsplit("@", 1)[-1].lower()
            return NO_SUCH_MAILBOX if domain in self._domains else RELAYING_DENIED
        if envelope.rcpt_tos:
            first = self._fund_of(envelope.rcpt_tos[0])
            if first is not None and first.office != fund.office:
                # One message, one office: the sender's server will send a second copy.
                return ONE_OFFICE_PER_MESSAGE
        envelope.rcpt_tos.append(address)
        return RECIPIENT_OK

    def _fund_of(self, recipient: str) -> Fund | None:
        """The fund whose inbox ``recipient`` is; for ``postmaster@`` one of the funds'
        domains, or plain ``postmaster`` (RFC 5321 §4.5.1: every mail domain must
        take it), that domain's first fund, so its office keeps the mail as any
        other, with this recipient."""
        fund = self.config.fund_for_inbox(recipient)
        if fund is not None:
            return fund
        local, at, domain = recipient.lower().rpartition("@")
        if not at:
            local, domain = recipient.lower(), ""
        if local != "postmaster":
            return None
        return next(
            (f for f in self.config.funds if not domain or f.inbox.endswith("@" + domain)), None
        )

    async def handle_DATA(  # noqa: N802 - aiosmtpd finds hooks by this name
        self, server: SMTP, session: Session, envelope: IntakeEnvelope
    ) -> Reply:
        """The reply to a message whose data ``IntakeSMTP`` wrote to ``envelope.incoming``."""
        incoming = envelope.incoming
        if incoming is None:  # a plain aiosmtpd SMTP, which holds DATA in memory
            log.error("a message from %s came without IntakeSMTP's DATA", session.peer)
            return TEMPORARY_FAILURE
        try:
            message = self._received(session, envelope, incoming)
        except Exception:
            log.exception("could not store a message from %s", session.peer)
            incoming.abort()
            return TEMPORARY_FAILURE
        return await self._store(message, incoming.file, envelope.answer)

    async def handle_exception(self, error: Exception) -> Reply:
        """aiosmtpd's default answers ``500`` with the exception's text: a permanent
        bounce for our own fault, and a leak. We log it and answer ``451``."""
        log.error("SMTP session error: %s", error, exc_info=error)
        return TEMPORARY_FAILURE

    def open_incoming(self, server: SMTP, session: Session, envelope: Envelope) -> Incoming:
        """Where the protocol writes DATA as it arrives (see ``IntakeSMTP.smtp_DATA``):
        a spool file that begins with our ``Received:`` line (RFC 5321 §4.4), which the
        fingerprint leaves out, so a second delivery is still known as one."""
        file = self.spool.open()
        file.write(
            received_header(
                helo=session.host_name,
                peer=str(session.peer[0]) if session.peer else None,
                by=server.hostname,
                protocol=protocol_name(
                    extended=session.extended_smtp,
                    tls=session.ssl is not None,
                    smtputf8=envelope.smtp_utf8,
                ),
                message_id=file.id,
                recipients=list(envelope.rcpt_tos),
                when=self.clock.now(),
            )
        )
        return Incoming(file, Fingerprint(list(envelope.rcpt_tos)))

    async def handle_EHLO(  # noqa: N802 - aiosmtpd finds hooks by this name
        self,
        server: SMTP,
        session: Session,
        envelope: IntakeEnvelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        """aiosmtpd's EHLO lines without an empty ``AUTH`` (it offers one after STARTTLS
        when no mechanism is left: an MX takes no AUTH)."""
        session.host_name = hostname
        return [line for line in responses if not _empty_auth(line)]

    def _received(
        self, session: Session, envelope: Envelope, incoming: Incoming
    ) -> IncomingMessage:
        received_at = self.clock.now()
        spooled = incoming.file.describe(received_at)
        first = envelope.rcpt_tos[0]
        fund = self._fund_of(first)
        return IncomingMessage(
            id=spooled.id,
            office=fund.office if fund else None,
            fund=fund.id if fund else None,
            received_at=received_at,
            mail_from=envelope.mail_from or "",
            rcpt_tos=[r.lower() for r in envelope.rcpt_tos],
            peer=str(session.peer[0]) if session.peer else None,
            size=spooled.size,
            sha256=spooled.sha256,
            dedupe_key=incoming.fingerprint.hexdigest(),
            spool_name=spooled.name,
            node=self.node,
        )

    def _store(
        self,
        message: IncomingMessage,
        file: SpoolFile,
        answer: Answer | None = None,
    ) -> asyncio.Future[Reply]:
        """Start making ``message`` durable in one thread; the future of the reply.

        Callbacks, not a task: under a burst each turn of the event loop takes
        several milliseconds, and a task's first step, a shield and each awaited
        hop are a turn each (seven turns were 50 ms of a sender's wait). The
        work is not tied to the awaiting session either: a client that drops
        after its final dot (aiosmtpd#110) still has its message stored whole.
        ``answer``, when the protocol gives one, sends the reply from the very
        callback that learns the outcome; the session's task, woken by the
        future, would send it a turn later (p99 27 ms under a burst).
        """
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[Reply] = loop.create_future()
        self.storing += 1
        try:
            work = self._threads.submit(self.recorder.keep, message, file)
        except RuntimeError:  # shutting down
            self.storing -= 1
            file.abort()
            raise
        work.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._stored, message, done, reply, answer)
        )
        return reply

    def _stored(
        self,
        message: IncomingMessage,
        work: Future[tuple[str, bool]],
        reply: asyncio.Future[Reply],
        answer: Answer | None,
    ) -> None:
        self.storing -= 1
        try:
            stored_id, new = work.result()
        except Exception:
            log.exception("could not store a message from %s", message.peer)
            status = TEMPORARY_FAILURE
        else:
            if new:
                self.accepted += 1
                self.on_accept()
            log.info("accepted %s from <%s> for %s", stored_id, message.mail_from, message.rcpt_tos)
            status = queued_as(stored_id)
        if answer is not None:
            answer(status)
        if not reply.done():
            reply.set_result(status)


def _empty_auth(line: str) -> bool:
    """aiosmtpd's ``AUTH`` extension line naming no mechanism."""
    code, _, keyword = line.partition("-")
    return code == "250" and keyword.strip() == "AUTH"
