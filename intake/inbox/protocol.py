"""The SMTP protocol as an MX must speak it: bounded connections and patient, not naive, timeouts.

aiosmtpd has no connection cap (aiosmtpd#282) and one timeout that restarts
only between commands. This subclass adds what a public inbox needs:

* per-client and total connection caps, answered ``421 4.7.0`` before the greeting,
  except that when every slot is taken the session idle longest is dropped for
  the newcomer (:mod:`intake.inbox.admission`);
* a command timeout (an idle client, or one dripping a command a byte at a
  time, is cut after it), shorter when the receiver is busy, and not restarted
  by junk commands (``NOOP``, ``RSET``, ``VRFY``, ``EXPN``, ``HELP``, ``EHLO``
  again), of which a session gets a share (refused and unknown commands count
  too) before ``421``;
* every refusal logged, one line: the client, the command, the reply
  (:mod:`intake.inbox.refusals`);
* a separate, longer deadline for DATA, plus a minimum transfer rate, so a
  25 MB upload on a slow line finishes while a client that trickles bytes to
  hold the connection open is cut.

It also reads DATA in large chunks straight into the spool (aiosmtpd reads it
a line at a time and holds it whole), and hands the handler an
:class:`~intake.inbox.envelope.IntakeEnvelope` through which the ``250`` is
written the moment the message is durable. That takes a few of aiosmtpd's
private names: this is the one module that uses them, each listed in
:data:`AIOSMTPD_INTERNALS` with the reason.

The handler (``intake.inbox.handler``) decides what to accept; this module only keeps
the protocol healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, AnyStr, Literal, Protocol

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax

from intake.inbox.admission import ConnectionLimiter
from intake.inbox.data_stream import DataStream
from intake.inbox.envelope import Incoming, IntakeEnvelope
from intake.inbox.refusals import RefusalLog
from intake.inbox.replies import (
    ALREADY_TLS,
    DATA_SYNTAX,
    DATA_TOO_SLOW,
    IDLE_DROPPED,
    NEED_RECIPIENT,
    START_DATA,
    TOO_MANY_JUNK_COMMANDS,
    Reply,
)

log = logging.getLogger("intake.inbox.handler")

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>[ \t]*")
"""``<local@domain>`` with dot-atoms on both sides: nothing quoted, no comment, no literal."""

JUNK = frozenset({"NOOP", "RSET", "VRFY", "EXPN", "HELP"})
"""Commands that move no mail (Postfix's junk commands, with HELP): they neither restart
the command timeout nor count as progress, and a session gets a share of them."""


# --- what we take from aiosmtpd beyond its documented API ------------------------------


@dataclass(frozen=True, slots=True)
class Internal:
    """A private name of aiosmtpd (or of the asyncio stream under it) that this module uses.

    ``tests/intake/inbox/test_aiosmtpd_contract.py`` checks each one against the
    installed aiosmtpd, so an upgrade that renames, removes or reshapes it fails
    there, by name, rather than in a sender's session.
    """

    owner: type
    name: str
    kind: Literal["method", "attribute"]
    why: str
    parameters: tuple[str, ...] = ()
    """A method's parameter names, ``self`` first, as this module calls or overrides it."""
    holds: type | None = None
    """What an attribute holds on a connected session."""

    @property
    def qualified_name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"


AIOSMTPD_INTERNALS: tuple[Internal, ...] = (
    Internal(
        SMTP,
        "_create_envelope",
        "method",
        "the factory aiosmtpd documents for a custom Envelope: ours is an IntakeEnvelope",
        ("self",),
    ),
    Internal(
        SMTP,
        "_getaddr",
        "method",
        "overridden: a plain <local@domain> read by one regular expression (1.5 µs) "
        "instead of the email package's header parser (85 µs, twice a mail, on the loop)",
        ("self", "arg"),
    ),
    Internal(
        SMTP,
        "_reader",
        "attribute",
        "the connection's StreamReader, read in 256 KB chunks by our streaming DATA "
        "(aiosmtpd reads DATA a line at a time and holds it whole: docs/architecture.md, "
        "'The receiver streams DATA')",
        holds=asyncio.StreamReader,
    ),
    Internal(
        asyncio.StreamReader,
        "_buffer",
        "attribute",
        "bytes a pipelining client sent after its final dot are put back in front of "
        "what the reader holds, for aiosmtpd's command loop to read next",
        holds=bytearray,
    ),
    Internal(
        SMTP,
        "_reset_timeout",
        "method",
        "gives DATA its own, longer deadline, then restores the command timeout; "
        "overridden to use the busy timeout when the receiver is busy and to remember "
        "the deadline a junk command must not move",
        ("self", "duration"),
    ),
    Internal(
        SMTP,
        "_smtp_methods",
        "attribute",
        "aiosmtpd's table of command handlers, each wrapped once per session to know "
        "the command being answered (for the refusal log line), to count junk commands "
        "and keep them from restarting the timeout, and to pace a client over its rate",
        holds=dict,
    ),
    Internal(
        SMTP,
        "_set_post_data_state",
        "method",
        "a fresh envelope after DATA, as aiosmtpd's own DATA leaves the session",
        ("self",),
    ),
)
"""Every private name of aiosmtpd this project uses, and why; nothing else in ``intake/``
touches aiosmtpd beyond its documented API. ``pyproject.toml`` pins aiosmtpd to
the range these were checked against.

The 250 written from the durability callback needs none: it goes through the
public ``transport`` (see :meth:`IntakeSMTP.smtp_DATA`)."""


class DataHandler(Protocol):
    """What :class:`IntakeSMTP` needs of its handler beyond aiosmtpd's hooks."""

    def open_incoming(self, server: SMTP, session: Session, envelope: Envelope) -> Incoming:
        """Where DATA is written as it arrives."""
        ...

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: IntakeEnvelope
    ) -> Reply:
        """The reply once ``envelope.incoming`` holds the whole message; may answer
        earlier through ``envelope.answer``."""
        ...


@dataclass(frozen=True, slots=True)
class ProtocolLimits:
    """Timeouts and caps of the SMTP receiver."""

    command_timeout: float = 300.0
    data_timeout: float = 1800.0
    min_data_rate: int = 1024
    """Bytes per second a DATA transfer must keep up, measured over ``rate_window``."""
    rate_window: float = 60.0
    per_client: int = 10
    total: int = 200
    size_limit: int = 30 * 1024 * 1024
    busy_timeout: float = 10.0
    """The command timeout while half the connection slots or more are taken."""
    junk_limit: int = 20
    """Junk, unknown and refused commands a session may send between two messages."""
    connections_per_minute: int = 0
    """New connections a minute from one address (0: no limit)."""
    commands_per_second: float = 0.0
    """Commands a second from one address, across its sessions (0: no limit); over it,
    commands wait their turn."""
    refusals_logged: int = 10
    """Refusals of one address logged one line each a minute; more are summarised."""


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP with connection caps, a DATA deadline and a minimum DATA rate.

    Its envelopes are :class:`IntakeEnvelope` objects, and its DATA streams the message
    into the handler's :class:`Incoming` rather than holding it in memory.
    """

    def __init__(
        self,
        handler: DataHandler,
        *,
        limits: ProtocolLimits,
        limiter: ConnectionLimiter,
        observe_accept: Callable[[float], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """``kwargs`` go to aiosmtpd's ``SMTP`` (hostname, TLS, size limit …)."""
        super().__init__(handler, timeout=limits.command_timeout, **kwargs)
        self._handler = handler  # aiosmtpd keeps it too, as the untyped event_handler
        self._limits = limits
        self._limiter = limiter
        self._observe_accept = observe_accept
        self._client: str | None = None
        self._refused = False
        self._bytes_in = 0
        self._rate_watch: asyncio.Task[None] | None = None
        self._command: str | None = None  # the command being answered, for the log
        self._verb: str | None = None
        self._junk = 0
        self._junk_since_progress = 0
        self._progress_at = time.monotonic()
        self._carrying_mail = False  # in DATA, or waiting for its message to be stored
        self._deadline: float | None = None
        self._previous_deadline: float | None = None
        self._smtp_methods = {
            verb: self._watched(verb, method) for verb, method in self._smtp_methods.items()
        }

    # --- fair shares (see intake.inbox.admission) ------------------------------------

    @property
    def idle_since(self) -> float | None:
        """When this session last made progress; None while it carries a message."""
        return None if self._carrying_mail else self._progress_at

    @property
    def wasting(self) -> bool:
        """It sent only junk or refused commands since its last progress."""
        return self._junk_since_progress > 0

    def evict(self) -> bool:
        """Drop this idle session for a newcomer (called by the limiter); False when it
        was closing already."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        self._limiter.refused(self._client, "(idle session)", IDLE_DROPPED)
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(IDLE_DROPPED.wire())
        transport.close()
        return True

    def _watched(
        self, verb: str, method: Callable[[str | None], Awaitable[None]]
    ) -> Callable[[str | None], Awaitable[None]]:
        """``method`` (aiosmtpd's handler of ``verb``) with the session's bookkeeping."""

        async def watched(arg: str | None) -> None:
            self._verb = verb
            self._command = verb if arg is None else f"{verb} {arg}"
            try:
                if self._client is not None:
                    wait = self._limiter.command_wait(self._client)
                    if wait > 0:
                        await asyncio.sleep(wait)
                junk = verb in JUNK or (
                    # A greeting again, in the same TLS state: a loop, not progress.
                    verb in ("EHLO", "HELO")
                    and self.session is not None
                    and self.session.host_name is not None
                )
                if junk:
                    self._junk += 1
                    self._junk_since_progress += 1
                    self._keep_deadline()
                if self._junk > self._limits.junk_limit:
                    await self.push(TOO_MANY_JUNK_COMMANDS)
                    if self.transport is not None:
                        self.transport.close()
                    return
                if verb == "DATA":
                    self._carrying_mail = True
                junk_before = self._junk
                await method(arg)
                if not junk and self._junk == junk_before:  # answered, not refused
                    self._progress_at = time.monotonic()
                    self._junk_since_progress = 0
            finally:
                self._carrying_mail = False
                self._command = self._verb = None

        for name in ("__smtp_syntax__", "__smtp_syntax_when__", "__smtp_syntax_extended__"):
            if hasattr(method, name):  # what aiosmtpd's HELP reads
                setattr(watched, name, getattr(method, name))
        return watched

    def _reset_timeout(self, duration: float | None = None) -> None:
        """aiosmtpd's, with the busy timeout, remembering the deadline it replaces."""
        if duration is None:
            duration = self._limits.command_timeout
            if self._limiter.busy:
                duration = min(duration, self._limits.busy_timeout)
        self._previous_deadline = self._deadline
        self._deadline = self.loop.time() + duration
        super()._reset_timeout(duration)

    def _keep_deadline(self) -> None:
        """Undo the restart aiosmtpd gave the timeout for the command now answered."""
        previous = self._previous_deadline
        if previous is None:
            return
        self._deadline = previous
        super()._reset_timeout(max(previous - self.loop.time(), 0.001))

    async def push(self, status: AnyStr) -> None:
        """aiosmtpd's push; a refusal is logged, and counted against the junk share."""
        text = status if isinstance(status, str) else status.decode("utf-8", "replace")
        if text[:1] in ("4", "5"):
            self._limiter.refused(self._client, self._command or "a command", text)
            if self._verb not in JUNK:
                self._junk += 1
                self._junk_since_progress += 1
        await super().push(status)

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's command name
        """aiosmtpd's STARTTLS, refused inside TLS: there is no second negotiation."""
        if self.session is not None and self.session.ssl is not None:
            await self.push(ALREADY_TLS)
            return
        await super().smtp_STARTTLS(arg)

    def _create_envelope(self) -> IntakeEnvelope:
        return IntakeEnvelope()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """The address of ``MAIL FROM``/``RCPT TO`` and what follows it, as aiosmtpd reads them.

        aiosmtpd parses every address with the email package's header parser,
        85 µs each on the receiver's loop, two a mail. A plain
        ``<local@domain>``, which nearly every sender writes, is read here by
        one regular expression (1.5 µs); anything else (quoted, commented, a
        route, a literal) goes to aiosmtpd's parser. An address that makes that
        parser raise (``<``, a lone ``"``) is malformed, answered ``553``:
        raised, it became our ``451``, and the sender would try again for days.
        """
        plain = _PLAIN_ADDRESS.match(arg)
        if plain is None or arg.startswith("(", plain.end()):
            try:
                return super()._getaddr(arg)
            except Exception:  # noqa: BLE001 - IndexError, AttributeError: the parser on garbage
                return None, None
        address = plain.group(1)
        if self.local_part_limit and address.rindex("@") > self.local_part_limit:
            return None, None
        return address, arg[plain.end() :]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None and self._client is None:  # not the STARTTLS re-entry
            peer = transport.get_extra_info("peername")
            self._client = str(peer[0]) if peer else "unknown"
            refusal = self._limiter.admit(self._client, self)
            if refusal is not None:
                self._refused = True
                self._limiter.refused(self._client, "connection", refusal)
                assert isinstance(transport, asyncio.WriteTransport)
                transport.write(refusal.wire())
                transport.close()
                return
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._refused:
            return
        if self._rate_watch is not None:
            self._rate_watch.cancel()
        self._limiter.release(self)
        super().connection_lost(error)

    def data_received(self, data: bytes) -> None:
        self._bytes_in += len(data)
        super().data_received(data)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's command name
        """DATA written to the handler's incoming file line by line, never held whole.

        Mirrors aiosmtpd's own DATA (checks, dot-unstuffing, 500 for a line over
        1000 octets, 552 over the size limit, both answered after the final
        dot as RFC 5321 §4.2.5 implies), with its own deadline and rate watch.
        """
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        envelope, session = self.envelope, self.session
        assert isinstance(envelope, IntakeEnvelope) and session is not None
        if not envelope.rcpt_tos:
            await self.push(NEED_RECIPIENT)
            return
        if arg:
            await self.push(DATA_SYNTAX)
            return
        # The command timeout restarted when DATA arrived; give the transfer
        # its own, longer deadline and watch that bytes keep coming.
        self._reset_timeout(self._limits.data_timeout)
        self._rate_watch = asyncio.create_task(self._watch_rate())
        try:
            await self.push(START_DATA)
            incoming = self._handler.open_incoming(self, session, envelope)
            try:
                problem = await self._receive(incoming)
                data_ended = time.monotonic()
            except BaseException:
                incoming.abort()
                raise
        finally:
            self._rate_watch.cancel()
            self._rate_watch = None
            self._reset_timeout()
        if problem is not None:
            incoming.abort()
            await self.push(problem)
            self._set_post_data_state()
            return
        answered = False

        def answer(reply: Reply) -> None:
            """Send the reply once; the handler may call this from its own callback,
            a loop turn before its hook returns (see ``IntakeHandler._store``)."""
            nonlocal answered
            if answered:
                return
            answered = True
            transport = self.transport
            if transport is not None and not transport.is_closing():
                # Written straight to the transport, as aiosmtpd's push would
                # without awaiting the drain: a callback cannot await.
                assert isinstance(transport, asyncio.WriteTransport)
                transport.write(reply.wire())
            if reply.code == 250:
                self._junk = 0  # a message sent: a new share, as Postfix resets its count
                if self._observe_accept is not None:
                    self._observe_accept(time.monotonic() - data_ended)
            else:
                self._limiter.refused(self._client, "DATA", reply)

        envelope.incoming = incoming
        envelope.answer = answer
        answer(await self._handler.handle_DATA(self, session, envelope))
        self._set_post_data_state()

    async def _receive(self, incoming: Incoming) -> Reply | None:
        """Read DATA in large chunks into ``incoming``; the reply to give after the dot
        when something was wrong (see :class:`~intake.inbox.data_stream.DataStream`)."""
        stream = DataStream(size_limit=self.data_size_limit, line_limit=self.line_length_limit)
        while self.transport is not None:
            chunk = await self._reader.read(256 * 1024)
            if not chunk:
                break
            content = stream.feed(chunk)
            if content:
                incoming.write(content)
            if stream.done:
                if stream.leftover:  # a client that did not wait for our answer
                    _put_back(self._reader, stream.leftover)
                return stream.problem
        raise ConnectionResetError("connection lost during DATA")

    async def _watch_rate(self) -> None:
        window = self._limits.rate_window
        needed = self._limits.min_data_rate * window
        while True:
            start = self._bytes_in
            await asyncio.sleep(window)
            if self._bytes_in - start < needed and self.transport is not None:
                with contextlib.suppress(Exception):
                    await self.push(DATA_TOO_SLOW)
                self.transport.close()
                return


def _put_back(reader: asyncio.StreamReader, data: bytes) -> None:
    """Put ``data`` in front of what ``reader`` holds, to be read next.

    asyncio's ``feed_data`` appends, behind bytes already buffered; only its
    private buffer can take them in front (listed in ``AIOSMTPD_INTERNALS``)."""
    buffer: bytearray = reader._buffer  # type: ignore[attr-defined]
    buffer[0:0] = data


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context for STARTTLS from PEM files (TLS 1.2 or newer)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def protocol_factory(
    handler: DataHandler,
    *,
    limits: ProtocolLimits,
    hostname: str,
    tls: ssl.SSLContext | None = None,
    observe_accept: Callable[[float], None] | None = None,
) -> tuple[Callable[[], IntakeSMTP], ConnectionLimiter]:
    """A factory for ``loop.create_server`` and the limiter it shares between connections.

    ``observe_accept`` is given each accepted message's time from its final dot
    to our reply."""
    limiter = ConnectionLimiter(
        per_client=limits.per_client,
        total=limits.total,
        connections_per_minute=limits.connections_per_minute,
        commands_per_second=limits.commands_per_second,
        refusal_log=RefusalLog(log, shown=limits.refusals_logged),
    )

    def factory() -> IntakeSMTP:
        return IntakeSMTP(
            handler,
            limits=limits,
            limiter=limiter,
            observe_accept=observe_accept,
            data_size_limit=limits.size_limit,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname,
            ident="grant-intake",
            tls_context=tls,
            require_starttls=False,  # RFC 3207 §4: a public MX must not insist
            auth_exclude_mechanism=["LOGIN", "PLAIN"],  # an MX offers no AUTH
        )

    return factory, limiter
