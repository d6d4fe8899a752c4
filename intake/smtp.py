"""The SMTP receiver: only the funds' inboxes, and nothing acknowledged before it is safe.

aiosmtpd speaks the protocol; this module is its handler. ``RCPT`` accepts only
configured inbox addresses. ``DATA`` writes the message to the spool (fsync of
file and folder) and records it (``record``: the accept journal on SQLite, a
committed database row on PostgreSQL) before answering ``250``; any failure
of ours answers ``451 4.3.0`` so the sender retries, never a ``5xx`` that would
bounce an applicant's mail for good, and never our internal error text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from intake.clock import Clock
from intake.config.model import Config
from intake.fingerprint import Fingerprint
from intake.spool import Spool, SpoolFile
from intake.store.records import IncomingMessage

log = logging.getLogger("intake.smtp")

Record = Callable[[IncomingMessage], Awaitable[tuple[str, bool]]]

OK_RECIPIENT = "250 2.1.5 Recipient OK"
UNKNOWN_USER = "550 5.1.1 No such mailbox here: check the fund's address"
RELAY_DENIED = "550 5.7.1 Relaying denied"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"


class IntakeHandler:
    """aiosmtpd handler: recipients by the configuration, messages into the spool."""

    def __init__(
        self,
        *,
        config: Config,
        spool: Spool,
        record: Record,
        clock: Clock,
        max_recipients: int = 20,
        node: str | None = None,
        share_content: bool = False,
        on_accept: Callable[[], None] = lambda: None,
    ) -> None:
        """``record`` makes an accepted message's envelope durable and says under
        which id it is kept and whether it is new (a second delivery of a message
        already stored is not); ``share_content`` puts the message itself in the
        record too, for other nodes to read."""
        self.config = config
        self.node = node
        self.share_content = share_content
        self.max_recipients = max_recipients
        self.spool = spool
        self.record = record
        self.clock = clock
        self.on_accept = on_accept
        self.storing = 0
        """Messages being made durable now: a stopping receiver waits for them."""
        self._domains = {f.inbox.rsplit("@", 1)[1] for f in config.funds}
        self.accepted = 0

    async def handle_RCPT(  # noqa: N802 - aiosmtpd finds hooks by this name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        address = address.strip()
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return TOO_MANY_RECIPIENTS
        fund = self.config.fund_for_inbox(address)
        if fund is None:
            domain = address.rsplit("@", 1)[-1].lower()
            return UNKNOWN_USER if domain in self._domains else RELAY_DENIED
        if envelope.rcpt_tos:
            first = self.config.fund_for_inbox(envelope.rcpt_tos[0])
            if first is not None and first.office != fund.office:
                # One message, one office: the sender's server will send a second copy.
                return "452 4.5.3 Send to one office's inbox per message"
        envelope.rcpt_tos.append(address)
        return OK_RECIPIENT

    async def handle_DATA(  # noqa: N802 - aiosmtpd finds hooks by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        # The write runs as its own task and is shielded: if the client drops
        # mid-handler (aiosmtpd#110) the message is still stored completely.
        self.storing += 1
        task = asyncio.ensure_future(self._store(session, envelope))
        task.add_done_callback(self._stored)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not store a message from %s", session.peer)
            return TEMPORARY_FAILURE

    def _stored(self, _task: asyncio.Future[str]) -> None:
        self.storing -= 1

    async def handle_exception(self, error: Exception) -> str:
        """aiosmtpd's default answers ``500`` with the exception's text: a permanent
        bounce for our own fault, and a leak. We log it and answer ``451``."""
        log.error("SMTP session error: %s", error, exc_info=error)
        return TEMPORARY_FAILURE

    def open_incoming(self, envelope: Envelope) -> Incoming:
        """Where the protocol writes DATA as it arrives (see ``IntakeSMTP.smtp_DATA``)."""
        return Incoming(self.spool.open(), Fingerprint(list(envelope.rcpt_tos)))

    async def _store(self, session: Session, envelope: Envelope) -> str:
        incoming: Incoming | None = getattr(envelope, "incoming", None)
        if incoming is None:  # a plain aiosmtpd SMTP handed us the content in memory
            content = envelope.original_content or envelope.content or b""
            if isinstance(content, str):
                content = content.encode("utf-8", errors="surrogateescape")
            incoming = self.open_incoming(envelope)
            incoming.write(content)
        received_at = self.clock.now()
        try:
            spooled = await asyncio.to_thread(incoming.file.commit, received_at)
        except BaseException:
            incoming.abort()
            raise
        fund = self.config.fund_for_inbox(envelope.rcpt_tos[0])
        office = fund.office if fund else None
        incoming = IncomingMessage(
            id=spooled.id,
            office=office,
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
            content=(
                await asyncio.to_thread(self.spool.path(spooled.name).read_bytes)
                if self.share_content
                else None
            ),
        )
        stored_id, new = await self.record(incoming)
        if not new:
            # The same delivery again: keep the first copy, drop this file.
            await asyncio.to_thread(self.spool.path(spooled.name).unlink, True)
        else:
            self.accepted += 1
            self.on_accept()
        log.info("accepted %s from <%s> for %s", stored_id, envelope.mail_from, envelope.rcpt_tos)
        return f"250 2.0.0 OK queued as {stored_id}"


class Incoming:
    """A message arriving: its spool file and its fingerprint, fed as data arrives."""

    def __init__(self, file: SpoolFile, fingerprint: Fingerprint) -> None:
        self.file = file
        self.fingerprint = fingerprint

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.fingerprint.feed(data)

    def abort(self) -> None:
        self.file.abort()
