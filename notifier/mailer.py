"""Sending acknowledgement mails: to an SMTP relay, or into an outbox folder.

Both implement :class:`Mailer`. The caller stores the Message-ID before it
sends, so a retry sends the same message again: the :class:`Outbox` then keeps
its first copy, and a relay sees the same Message-ID (which receiving servers
and mail clients use to drop duplicates).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol

import aiosmtplib

from notifier.errors import NotifierError, RelayError

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._@+=-]")
_MAX_NAME = 150


class Mailer(Protocol):
    """Something that delivers a finished mail, or raises :class:`NotifierError`."""

    async def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; raise NotifierError (``transient`` says: retry later)."""
        ...

    async def close(self) -> None:
        """Let go of what sending held open (a connection)."""
        ...


class Outbox:
    """Writes each mail as ``<message-id>.eml`` into a folder (used when no relay is set).

    Each file appears whole or not at all: written to a temporary name, flushed
    to disk, renamed into place, and the folder itself flushed so the rename
    survives a crash. Sending a Message-ID that is already there writes nothing.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    async def close(self) -> None:
        """Nothing is held open between mails."""

    def path_for(self, message_id: str) -> Path:
        """Where the mail with this Message-ID is (or would be) stored."""
        return self.directory / safe_file_name(message_id, suffix=".eml")

    async def send(self, message: EmailMessage) -> None:
        """Store ``message`` in the outbox; a second mail with the same Message-ID is ignored."""
        message_id = message.get("Message-ID")
        if not message_id:
            raise ValueError("a mail needs a Message-ID to be stored in the outbox")
        data = message.as_bytes()
        try:
            await asyncio.to_thread(self._write, self.path_for(str(message_id)), data)
        except OSError as exc:
            raise NotifierError(
                f"Could not write the mail to the outbox {self.directory}: {exc.strerror or exc}",
                transient=True,
            ) from exc

    def _write(self, target: Path, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if target.exists():
            return
        temporary = self.directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            # Two writers of the same Message-ID race only to put identical mails in place.
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_directory(self.directory)


class RelayMailer:
    """Sends mail through an SMTP relay with an empty envelope sender.

    ``MAIL FROM:<>`` (RFC 3834 §3.3, RFC 5321 §4.5.5): an automatic reply must
    never cause another one, so bounces of an acknowledgement go nowhere.
    ``starttls``: None upgrades when the relay offers it, True insists, False
    never tries. A 4xx answer or a network failure raises a transient
    :class:`RelayError`; a 5xx answer a permanent one.

    One connection is kept open and reused, as MTAs do (a deadline-day burst is
    a thousand acknowledgements). One used in the last ``trusted_seconds`` is
    reused as it is; an older one is checked with ``NOOP`` first, and one idle
    ``idle_seconds`` or closed by the relay is replaced. Should the relay have
    closed a connection reused unchecked, the mail is sent again at once on a
    new one (relays drop idle clients after minutes, not seconds; the round
    trip of a ``NOOP`` before every mail of a burst cost both sides CPU).
    Call :meth:`close` when done.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = 30.0,
        starttls: bool | None = None,
        local_hostname: str | None = None,
        idle_seconds: float = 30.0,
        trusted_seconds: float = 2.0,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.starttls = starttls
        self.local_hostname = local_hostname
        self.idle_seconds = idle_seconds
        self.trusted_seconds = trusted_seconds
        self.connections = 0
        """Connections opened so far (for tests and benchmarks)."""
        self._client: aiosmtplib.SMTP | None = None
        self._used_at = 0.0
        self._lock = asyncio.Lock()

    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the relay for its To and Cc addresses."""
        recipients = [
            address
            for _, address in getaddresses(
                [str(v) for v in message.get_all("To", []) + message.get_all("Cc", [])]
            )
            if address
        ]
        if not recipients:
            raise RelayError("The mail has no recipient.", transient=False)
        async with self._lock:
            try:
                client, checked = await self._connection()
                try:
                    await client.send_message(message, sender="", recipients=recipients)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    if checked:
                        raise
                    # Reused unchecked, and the relay had closed it: once more, on a new one.
                    await self._drop()
                    client, _ = await self._connection()
                    await client.send_message(message, sender="", recipients=recipients)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                await self._reset()
                codes = [refusal.code for refusal in exc.recipients]
                transient = any(400 <= code < 500 for code in codes)
                detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
                raise RelayError(
                    f"The relay refused the recipient ({detail}).",
                    transient=transient,
                    smtp_code=codes[0] if codes else None,
                ) from exc
            except aiosmtplib.SMTPResponseException as exc:
                await self._drop()
                raise RelayError(
                    f"The relay {self.host}:{self.port} answered {exc.code} {exc.message}.",
                    transient=not 500 <= exc.code < 600,
                    smtp_code=exc.code,
                ) from exc
            except aiosmtplib.SMTPNotSupported as exc:
                await self._drop()
                # A configuration mismatch (STARTTLS required but not offered, SMTPUTF8
                # missing for a non-ASCII address): retrying cannot help.
                raise RelayError(
                    f"The relay cannot take this mail: {exc}", transient=False
                ) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._drop()
                raise RelayError(
                    f"Could not reach the relay {self.host}:{self.port}: {exc}", transient=True
                ) from exc
            self._used_at = asyncio.get_running_loop().time()

    async def close(self) -> None:
        """Say ``QUIT`` on the open connection, if any."""
        async with self._lock:
            client, self._client = self._client, None
            if client is not None and client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                    await client.quit()

    async def _connection(self) -> tuple[aiosmtplib.SMTP, bool]:
        """The open connection if it still answers, else a new one; and whether it
        was checked (new, or answered a ``NOOP``) rather than trusted as recently used."""
        client = self._client
        idle = asyncio.get_running_loop().time() - self._used_at
        if client is not None and client.is_connected and idle < self.idle_seconds:
            if idle < self.trusted_seconds:
                return client, False
            try:
                await client.noop()
                return client, True
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                pass  # the relay closed it: a new one below
        await self._drop()
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            start_tls=False,
            local_hostname=self.local_hostname,
        )
        await client.connect()
        self.connections += 1
        self._client = client
        # STARTTLS is negotiated here rather than by aiosmtplib so that a relay
        # lacking it when it is required is a clear, permanent configuration error.
        if self.starttls is not False:
            await client.ehlo()
            if client.supports_extension("starttls"):
                await client.starttls()
            elif self.starttls:
                await self._drop()  # never reused without the TLS it must have
                raise RelayError(
                    f"The relay {self.host}:{self.port} does not offer STARTTLS, "
                    "which this service is set to require.",
                    transient=False,
                )
        return client, True

    async def _reset(self) -> None:
        """After a refused recipient the transaction is open: ``RSET`` it, or start over."""
        if self._client is not None:
            try:
                await self._client.rset()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                await self._drop()

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def safe_file_name(message_id: str, *, suffix: str = "") -> str:
    """A file name for a Message-ID that cannot leave the folder or hide itself.

    ``<ack-1@bids.example.org>`` keeps its readable form
    (``ack-1@bids.example.org``); an id that had to be changed or shortened
    gets a hash of the original appended, so that two ids never share a file.
    """
    bare = message_id.strip().removeprefix("<").removesuffix(">")
    safe = _UNSAFE_NAME.sub("_", bare)
    if safe.startswith("."):
        safe = "_" + safe[1:]
    if safe != bare or len(safe) > _MAX_NAME or not safe:
        digest = hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        safe = f"{safe[:_MAX_NAME]}-{digest}"
    return safe + suffix


def _fsync_directory(directory: Path) -> None:
    """Flush a folder's entries so a rename in it survives a power cut (POSIX only)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (and Windows) cannot sync a directory
    finally:
        os.close(fd)
