"""What one SMTP transaction carries from the protocol to the handler.

aiosmtpd gives its handler hooks an :class:`~aiosmtpd.smtp.Envelope` with the
sender, the recipients and, after DATA, the content in memory. Our protocol
streams DATA into the spool instead, so the envelope it makes (through
aiosmtpd's ``_create_envelope`` factory, see :mod:`intake.inbox.protocol`) is an
:class:`IntakeEnvelope`: the message arriving, and how to answer it the moment it
is durable.
"""

from __future__ import annotations

from collections.abc import Callable

from aiosmtpd.smtp import Envelope

from intake.inbox.fingerprint import Fingerprint
from intake.inbox.replies import Reply
from intake.inbox.spool import SpoolFile

Answer = Callable[[Reply], None]
"""Sends the reply to DATA now, once (a second call does nothing)."""


class Incoming:
    """A message arriving: its spool file and its fingerprint, fed as data arrives."""

    def __init__(self, file: SpoolFile, fingerprint: Fingerprint) -> None:
        self.file = file
        self.fingerprint = fingerprint

    def write(self, data: bytes) -> None:
        """Append message bytes (already unstuffed) to the file and the fingerprint."""
        self.file.write(data)
        self.fingerprint.feed(data)

    def abort(self) -> None:
        """Drop the partial file: the message was not accepted."""
        self.file.abort()


class IntakeEnvelope(Envelope):
    """aiosmtpd's envelope, with the message our DATA wrote as it arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.incoming: Incoming | None = None
        """Set by the protocol's DATA before the handler's ``handle_DATA`` runs."""
        self.answer: Answer | None = None
        """Set with :attr:`incoming`: the handler answers through it from the callback
        that learns the message is durable, a loop turn before its hook returns."""
